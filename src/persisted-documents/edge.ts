import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from "fastify";
import { hasScope, Scope } from "../auth/scopes";
import { ErrorCode } from "../errors/codes";
import { sendGraphQLError } from "../http/json-errors";
import type { PersistedDocumentResolution } from "../http/locals";
import type { PersistedDocuments } from "./manifest";

/** What the request's id (if any) resolved to; decided before authentication, acted on after it. */
type Resolution = PersistedDocumentResolution;

type EdgeHook = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;

export interface PersistedDocumentPolicy {
  manifest: PersistedDocuments;
  /** GATEWAY_PERSISTED_DOCUMENTS_ONLY: documents outside the manifest are refused. */
  only: boolean;
}

/** The GraphQL request parameters, from the JSON body (POST) or the query string (GET). */
interface Params {
  query: unknown;
  documentId: unknown;
  extensions: Record<string, unknown> | null;
}

function first(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function paramsOf(req: FastifyRequest): Params {
  if (req.method === "POST") {
    const body: unknown = req.body;
    if (!isObject(body)) return { query: undefined, documentId: undefined, extensions: null };
    return {
      query: body.query,
      documentId: body.documentId,
      extensions: isObject(body.extensions) ? body.extensions : null,
    };
  }
  const query = req.query as Record<string, unknown>;
  let extensions: Record<string, unknown> | null = null;
  const raw = first(query.extensions);
  if (typeof raw === "string") {
    try {
      const parsed: unknown = JSON.parse(raw);
      extensions = isObject(parsed) ? parsed : null;
    } catch {
      // Apollo answers malformed extensions itself.
    }
  }
  return { query: first(query.query), documentId: first(query.documentId), extensions };
}

function apqHashOf(extensions: Record<string, unknown> | null): string | undefined {
  const persisted = extensions?.persistedQuery;
  return isObject(persisted) && typeof persisted.sha256Hash === "string" ? persisted.sha256Hash : undefined;
}

/**
 * Makes `document` the request's query and removes the ids, so that Apollo runs it as if it had been
 * sent in full (its own APQ would otherwise check the id against a hash of the text, or look it up).
 */
function replaceWithDocument(req: FastifyRequest, document: string | undefined): void {
  if (req.method === "POST") {
    const body = req.body as Record<string, unknown>;
    if (document !== undefined) body.query = document;
    delete body.documentId;
    if (isObject(body.extensions)) {
      const { persistedQuery: _dropped, ...rest } = body.extensions;
      body.extensions = rest;
    }
    return;
  }
  // GET: Apollo reads the query string from the URL, so the URL itself is rewritten.
  const [path, search = ""] = req.url.split("?", 2);
  const params = new URLSearchParams(search);
  if (document !== undefined) params.set("query", document);
  params.delete("documentId");
  const raw = params.get("extensions");
  if (raw !== null) {
    try {
      const { persistedQuery: _dropped, ...rest } = JSON.parse(raw) as Record<string, unknown>;
      params.set("extensions", JSON.stringify(rest));
    } catch {
      // Left as sent: Apollo refuses it.
    }
  }
  req.raw.url = `${path}?${params.toString()}`;
}

function resolve(req: FastifyRequest, policy: PersistedDocumentPolicy): Resolution {
  const { query, documentId, extensions } = paramsOf(req);
  const apqHash = apqHashOf(extensions);
  const id = typeof documentId === "string" ? documentId : apqHash;
  if (id === undefined) return { kind: "none" };
  const document = policy.manifest.byId(id);
  if (document !== undefined) {
    replaceWithDocument(req, document);
    return { kind: "manifest" };
  }
  if (typeof documentId === "string") return { kind: "unknown" };
  // An APQ hash the manifest does not know. Outside "only" mode Apollo's APQ cache serves or registers
  // it. In "only" mode that cache is off (a registration would be a way around the manifest): a bare
  // hash is unknown, and a hash sent with its text is judged as that text.
  if (!policy.only) return { kind: "none" };
  if (typeof query !== "string") return { kind: "unknown" };
  replaceWithDocument(req, undefined);
  return { kind: "none" };
}

/**
 * Runs before authentication: turns a `documentId` or APQ hash into the manifest's document, so that
 * everything after it (the audit of refused mutations, Apollo) sees the operation as if sent in full.
 */
export function resolvePersistedDocument(policy: PersistedDocumentPolicy): EdgeHook {
  return (req, _reply, next) => {
    req.edge.persistedDocument = resolve(req, policy);
    next();
  };
}

/**
 * Runs after authentication and the caller's rate: answers unknown ids, and in "only" mode refuses,
 * before Apollo parses anything, every document that is not the manifest's (API.md §9). Callers
 * holding gateway:debug may send any document, so that an operator can still investigate production.
 */
export function enforcePersistedDocuments(policy: PersistedDocumentPolicy): EdgeHook {
  return (req, reply, next) => {
    const resolution = req.edge.persistedDocument ?? { kind: "none" };
    if (resolution.kind === "unknown") {
      // HTTP 200 as Apollo Server answers it, so that APQ clients retry with the full document.
      reply.header("cache-control", "private, no-cache, must-revalidate");
      sendGraphQLError(
        req,
        reply,
        200,
        ErrorCode.PERSISTED_QUERY_NOT_FOUND,
        "No persisted document has this id: send the full document, or deploy the app's current manifest.",
      );
      return;
    }
    if (!policy.only || resolution.kind === "manifest") {
      next();
      return;
    }
    const caller = req.edge.caller;
    if (caller !== undefined && hasScope(caller, Scope.GatewayDebug)) {
      next();
      return;
    }
    const { query } = paramsOf(req);
    // No document at all (a browser asking for the landing page, an empty request): nothing to refuse,
    // Apollo answers it.
    if (query === undefined || (typeof query === "string" && policy.manifest.includesText(query))) {
      next();
      return;
    }
    sendGraphQLError(
      req,
      reply,
      400,
      ErrorCode.PERSISTED_QUERY_NOT_ALLOWED,
      "This gateway runs only its trusted documents: send the documentId of an operation from the app's persisted-documents manifest.",
    );
  };
}
