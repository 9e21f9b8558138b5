/** Every `extensions.code` the gateway answers with (API.md §2). */
export enum ErrorCode {
  BAD_USER_INPUT = "BAD_USER_INPUT",
  UNAUTHENTICATED = "UNAUTHENTICATED",
  FORBIDDEN = "FORBIDDEN",
  UPSTREAM_UNAVAILABLE = "UPSTREAM_UNAVAILABLE",
  UPSTREAM_TIMEOUT = "UPSTREAM_TIMEOUT",
  UPSTREAM_RATE_LIMITED = "UPSTREAM_RATE_LIMITED",
  UPSTREAM_AUTH_FAILED = "UPSTREAM_AUTH_FAILED",
  UPSTREAM_BAD_RESPONSE = "UPSTREAM_BAD_RESPONSE",
  OUTCOME_UNKNOWN = "OUTCOME_UNKNOWN",
  /** The HTTP request itself is malformed: not JSON, too large, wrong method or content type (§5). */
  BAD_REQUEST = "BAD_REQUEST",
  /** This caller sent too many requests (§4). */
  RATE_LIMITED = "RATE_LIMITED",
  /** A `documentId` (or APQ hash) that no persisted document has (§9). */
  PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND",
  /** A document outside the trusted manifest while GATEWAY_PERSISTED_DOCUMENTS_ONLY is on (§9). */
  PERSISTED_QUERY_NOT_ALLOWED = "PERSISTED_QUERY_NOT_ALLOWED",
  INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR",
}
