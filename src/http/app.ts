import type { ApolloServer } from "@apollo/server";
import { fastifyApolloHandler } from "@as-integrations/fastify";
import fastifyCompress from "@fastify/compress";
import fastifyCors from "@fastify/cors";
import type { Tracer } from "@opentelemetry/api";
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type HookHandlerDoneFunction,
} from "fastify";
import type { Server } from "node:http";
import { constants as zlib } from "node:zlib";
import { AuthenticationError, type TokenVerifier } from "../auth/jwt";
import { anonymousCaller, hasScope, Scope, unprovenCaller, type Caller } from "../auth/scopes";
import type { GatewayConfig } from "../config";
import { createContext, requestIdFrom, type GatewayContext, type GatewayServices } from "../context";
import { ErrorCode } from "../errors/codes";
import { mustYield, takeTurn } from "../lib/cooperate";
import { explorerRoutes } from "../explorer/explorer";
import type { Logger } from "../logger";
import type { UpstreamHealth } from "../observability/health";
import type { GatewayMetrics } from "../observability/metrics";
import {
  enforcePersistedDocuments,
  resolvePersistedDocument,
  type PersistedDocumentPolicy,
} from "../persisted-documents/edge";
import { auditRefusedAtEdge } from "../plugins/audit";
import type { CallerRateLimit } from "./caller-rate-limit";
import { clientOf } from "./client-link";
import { healthRoutes } from "./health";
import { errorHandler, notFound, sendGraphQLError } from "./json-errors";
import type { Lifecycle } from "./lifecycle";
import type { EdgeLocals } from "./locals";
import { observeRequests, traceContext } from "./observe";

export interface EdgeDependencies {
  config: GatewayConfig;
  services: GatewayServices;
  apollo: ApolloServer<GatewayContext>;
  /** null: GATEWAY_AUTH=none, every caller holds every scope. */
  verifyToken: TokenVerifier | null;
  /** null: no per-caller limit (GATEWAY_CALLER_RATE_LIMIT_PER_MIN=0). */
  callerRateLimit: CallerRateLimit | null;
  logger: Logger;
  metrics: GatewayMetrics;
  lifecycle: Lifecycle;
  health: UpstreamHealth;
  /** null when tracing is off. */
  tracer: Tracer | null;
  /** The trusted documents and whether only they may run (API.md §9). */
  persistedDocuments: PersistedDocumentPolicy;
  /** The built explorer bundle served at /explorer. */
  explorerAssetsDir: string;
}

/**
 * What serves `deps.apollo` on `server`: routing, the body, the caller and everything before GraphQL. The
 * gateway's is `createHttpApp` below; the bench's edge comparison (scripts/bench/standalone-edge.ts)
 * passes Apollo's standalone handler instead, over the same Apollo server, services and server timeouts.
 */
export type HttpEdgeFactory = (
  deps: EdgeDependencies,
  server: Server,
) => Promise<{ close(): Promise<unknown> }>;

type Hook = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** GraphQL is GET (queries) or POST with a JSON body; preflights are answered by CORS before this. */
const methodAndContentType: Hook = (request, reply, done) => {
  const { method } = request;
  if (method !== "GET" && method !== "POST") {
    reply.header("allow", "GET, POST");
    sendGraphQLError(
      request,
      reply,
      405,
      ErrorCode.BAD_REQUEST,
      `${method.slice(0, 16)} is not allowed here: use POST (or GET for queries).`,
    );
    return;
  }
  if (method === "POST" && !isJson(header(request, "content-type"))) {
    sendGraphQLError(
      request,
      reply,
      415,
      ErrorCode.BAD_REQUEST,
      "The request body must be JSON: send Content-Type: application/json.",
    );
    return;
  }
  done();
};

/** application/json, with or without parameters (charset), in any letter case. */
function isJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const semicolon = contentType.indexOf(";");
  const type = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  return type === "application/json";
}

/** A batched request (a JSON array) is refused: one operation per request keeps limits and costs honest. */
const singleOperation: Hook = (request, reply, done) => {
  if (Array.isArray(request.body)) {
    sendGraphQLError(
      request,
      reply,
      400,
      ErrorCode.BAD_REQUEST,
      "Batched requests are not accepted: send one operation per request.",
    );
    return;
  }
  done();
};

/** A browser asking /graphql for a page gets the landing page (Sandbox in development): no operation runs. */
function isLandingPageRequest(request: FastifyRequest): boolean {
  return (
    request.method === "GET" &&
    (request.query as Record<string, unknown>).query === undefined &&
    (request.headers.accept ?? "").includes("text/html")
  );
}

/** The caller authentication established; should a step ever run without it, one that holds nothing. */
function callerOf(request: FastifyRequest): Caller {
  return request.edge.caller ?? unprovenCaller(request.socket.remoteAddress ?? "unknown");
}

function authenticate(deps: EdgeDependencies): Hook {
  const verifyToken = deps.verifyToken;
  if (verifyToken === null) {
    return (request, _reply, done) => {
      request.edge.caller = anonymousCaller(request.socket.remoteAddress ?? "unknown");
      done();
    };
  }
  const refuse = (request: FastifyRequest, reply: FastifyReply, error: AuthenticationError): void => {
    const outcome = error.callerFault ? ErrorCode.UNAUTHENTICATED : ErrorCode.INTERNAL_SERVER_ERROR;
    const { record } = request.edge;
    if (record) record.refused = `${outcome}: ${error.message}`;
    auditRefusedAtEdge(deps.logger, request.body, {
      requestId: request.id,
      caller: null,
      outcome,
      maxTokens: deps.config.maxTokens,
    });
    if (!error.callerFault) {
      sendGraphQLError(request, reply, 503, ErrorCode.INTERNAL_SERVER_ERROR, error.message);
      return;
    }
    reply.header(
      "www-authenticate",
      header(request, "authorization") === undefined
        ? 'Bearer realm="graphql"'
        : 'Bearer realm="graphql", error="invalid_token"',
    );
    sendGraphQLError(request, reply, 401, ErrorCode.UNAUTHENTICATED, error.message);
  };
  return (request, reply, done) => {
    const address = request.socket.remoteAddress ?? "unknown";
    if (isLandingPageRequest(request)) {
      // A browser opening /graphql: the page needs no token, and whatever else the request carries
      // (a persisted-query hash, say) runs with no scope at all.
      request.edge.caller = unprovenCaller(address);
      done();
      return;
    }
    verifyToken(header(request, "authorization"), address).then(
      (caller) => {
        request.edge.caller = caller;
        done();
      },
      (error: unknown) => {
        if (error instanceof AuthenticationError) refuse(request, reply, error);
        else done(error as Error);
      },
    );
  };
}

function rateLimit(deps: EdgeDependencies): Hook | null {
  const limit = deps.callerRateLimit;
  if (limit === null) return null;
  return (request, reply, done) => {
    const caller = callerOf(request);
    limit.retryAfterSeconds(caller).then((retryAfter) => {
      if (retryAfter === null) {
        done();
        return;
      }
      const { record } = request.edge;
      if (record) record.refused = ErrorCode.RATE_LIMITED;
      auditRefusedAtEdge(deps.logger, request.body, {
        requestId: request.id,
        caller,
        outcome: ErrorCode.RATE_LIMITED,
        maxTokens: deps.config.maxTokens,
      });
      reply.header("retry-after", String(retryAfter));
      sendGraphQLError(
        request,
        reply,
        429,
        ErrorCode.RATE_LIMITED,
        `Too many requests from this caller: try again in ${retryAfter} s.`,
        { retryAfterSeconds: retryAfter },
      );
    }, done);
  };
}

/**
 * A request is handled (body, checks, GraphQL) in a turn of the event loop with budget left
 * (lib/cooperate.ts): a burst read in one poll (200 connections' requests at once) is handled over
 * several turns, with timers and upstream answers in between, instead of as one stretch of ~0.4 ms a
 * request. A request only waits when the turn it arrived in is already spent; its wait counts in its
 * duration (observed first).
 */
const inTurn: Hook = (_request, _reply, done) => {
  if (!mustYield()) {
    done();
    return;
  }
  takeTurn().then(() => done(), done);
};

/** Every HTTP method: the ones GraphQL does not use are answered 405 (with Allow), not 404. */
const ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"] as const;

/**
 * /graphql, as an encapsulated plugin: CORS and the GraphQL steps apply to it alone. Each step is a
 * hook at the point of Fastify's request lifecycle where its input exists: the method and content
 * type before the body is read; the body's shape, the trace, trusted documents, the caller and its
 * rate once it is parsed; then Apollo Server.
 */
function graphqlRoute(deps: EdgeDependencies) {
  const { config, services, apollo } = deps;
  const present = <T>(items: (T | null)[]): T[] => items.filter((item): item is T => item !== null);
  return async (app: FastifyInstance): Promise<void> => {
    await app.register(fastifyCors, {
      // "*" only when configured so; otherwise the allow-list, reflected per origin (with Vary: Origin).
      origin: config.corsOrigins === "*" ? "*" : [...config.corsOrigins],
      methods: ["GET", "POST"],
      exposedHeaders: ["x-request-id"],
      maxAge: 600,
      // An OPTIONS without Origin is no preflight: answered like one (204) rather than with text/plain.
      strictPreflight: false,
      // Only /graphql answers preflights: the plugin's OPTIONS route stays under this prefix.
      hideOptionsRoute: true,
    });
    app.route({
      method: [...ALL_METHODS],
      url: "",
      // Observed from the first step, so that refusals by CORS or the body parser are logged too.
      onRequest: [observeRequests(deps), inTurn, methodAndContentType],
      preValidation: present([singleOperation, traceContext(deps.tracer)]),
      preHandler: present([
        resolvePersistedDocument(deps.persistedDocuments),
        authenticate(deps),
        rateLimit(deps),
        enforcePersistedDocuments(deps.persistedDocuments),
      ]),
      handler: fastifyApolloHandler(apollo, {
        context: async (request, reply) => {
          const caller = callerOf(request);
          // In production the accounting shows internals: only callers holding gateway:debug may ask.
          const mayDebug = !config.production || hasScope(caller, Scope.GatewayDebug);
          return createContext(services, {
            requestId: request.id,
            caller,
            record: request.edge.record,
            debug: config.debugExtensions && mayDebug && header(request, "x-gateway-debug") === "1",
            client: clientOf(reply.raw),
          });
        },
      }),
    });
  };
}

/**
 * The HTTP edge (Fastify): routing, CORS, body limits, authentication and the caller's rate, all
 * decided before GraphQL runs (and so before any upstream call); then Apollo Server for /graphql.
 * It answers on `server`, whose timeouts are the caller's to set (src/server.ts).
 */
export async function createHttpApp(deps: EdgeDependencies, server: Server): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    serverFactory: (handler) => {
      server.on("request", handler);
      return server;
    },
    logger: false,
    bodyLimit: config.maxBodyBytes,
    // Exactly /graphql: /graphql/, /GRAPHQL and /graphql/anything are 404s like any other path.
    routerOptions: { caseSensitive: true, ignoreTrailingSlash: false, ignoreDuplicateSlashes: false },
    // The request id: the caller's x-request-id when it is a sane one, else a new one (API.md §1).
    genReqId: (raw) => {
      const value = raw.headers["x-request-id"];
      return requestIdFrom(Array.isArray(value) ? value[0] : value);
    },
    // The server's timeouts are set by src/server.ts; Fastify would otherwise overwrite them.
    keepAliveTimeout: server.keepAliveTimeout,
    requestTimeout: server.requestTimeout,
    connectionTimeout: server.timeout,
    return503OnClosing: false,
  });
  app.decorateRequest("edge", null as unknown as EdgeLocals);
  // Every answer, from any path and any refusal, carries the request id (API.md §1, §5).
  app.addHook("onRequest", (request, reply, done) => {
    request.edge = {};
    reply.header("x-request-id", request.id);
    done();
  });
  app.setNotFoundHandler(notFound);
  app.setErrorHandler(errorHandler(deps.logger, config.maxBodyBytes));
  // A 500-row page with every profile field is ~330 KB of JSON; gzip makes it ~50 KB. Below 1 KiB the
  // saving is not worth the CPU; brotli runs at quality 4 (11 would cost far more CPU per request for a
  // few percent). Clients that send no Accept-Encoding pay nothing. No BREACH exposure worth the name:
  // callers authenticate with a bearer header, which a cross-site page cannot make a browser send.
  await app.register(fastifyCompress, {
    threshold: 1024,
    encodings: ["br", "gzip", "deflate"],
    brotliOptions: { params: { [zlib.BROTLI_PARAM_QUALITY]: 4 } },
  });
  healthRoutes(app, deps.lifecycle, deps.health);
  if (config.explorer) {
    await app.register(explorerRoutes, { assetsDir: deps.explorerAssetsDir, auth: config.auth.mode });
  }
  await app.register(graphqlRoute(deps), { prefix: "/graphql" });
  await app.ready();
  return app;
}
