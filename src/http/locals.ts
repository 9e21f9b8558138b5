import type { Span } from "@opentelemetry/api";
import type { FastifyRequest } from "fastify";
import type { Caller } from "../auth/scopes";
import type { RequestRecord } from "../observability/request-record";

/**
 * What the edge's steps leave for the steps after them, on `request.edge`: one shape for all of them,
 * each field filled by the step named.
 */
export interface EdgeLocals {
  /** /graphql requests: the observing step (src/http/observe.ts). */
  record?: RequestRecord;
  /** With tracing on: the request's SERVER span (src/http/observe.ts). */
  span?: Span;
  /** Once established: the authentication step (src/http/app.ts). */
  caller?: Caller;
  /** What a `documentId` or APQ hash resolved to (src/persisted-documents/edge.ts). */
  persistedDocument?: PersistedDocumentResolution;
}

export type PersistedDocumentResolution =
  /** No id, or an APQ hash left to Apollo's own APQ cache (outside "only" mode). */
  | { kind: "none" }
  /** The id named a manifest document, which now is the request's `query`. */
  | { kind: "manifest" }
  /** An id no store knows: PERSISTED_QUERY_NOT_FOUND once the caller is established. */
  | { kind: "unknown" };

declare module "fastify" {
  interface FastifyRequest {
    /** Filled by the edge's steps (src/http/app.ts registers it; each request gets its own object). */
    edge: EdgeLocals;
  }
}

/** The request's edge state; the request id itself is Fastify's `request.id` (src/http/app.ts). */
export function edgeLocals(request: FastifyRequest): EdgeLocals {
  return request.edge;
}
