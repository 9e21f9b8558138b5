/**
 * The one error taxonomy shared by both upstream clients. Every failure of an upstream call, whether it
 * came as an HTTP status, a network fault or an error inside an HTTP 200 envelope, becomes exactly one
 * UpstreamError with one `kind`. The GraphQL layer maps kinds to public error codes in one place
 * (src/errors/). Messages never carry a URL, token, key, signature or password.
 */
export type UpstreamName = "agent" | "bridge";

export type UpstreamErrorKind =
  /** Credentials refused (bad token, signature check failed, unknown or expired key, IP not allowed). */
  | "auth_failed"
  /** The upstream (or the gateway's own budget for it) says: too many calls. */
  | "rate_limited"
  /** No answer within the time the gateway allows. */
  | "timeout"
  /** Connection refused or reset, HTTP 5xx, WAF refusal: the upstream could not serve the call. */
  | "unavailable"
  /** The answer could not be understood: malformed JSON, missing fields, wrong shapes. */
  | "bad_response"
  /** The upstream understood the call and refused it with a business code. */
  | "rejected";

export interface UpstreamErrorDetails {
  upstream: UpstreamName;
  kind: UpstreamErrorKind;
  /** The logical endpoint, e.g. "customer.list", "addUser", "customer.page". Never a URL. */
  endpoint: string;
  /** The upstream's own code (agent `code`, Bridge `code`), when it gave one. */
  upstreamCode?: string;
  /** The upstream's own message, when it gave one. Never contains secrets (the upstreams do not echo them). */
  upstreamMessage?: string;
  /** HTTP status, when there was one. */
  httpStatus?: number;
  /** How long to wait before trying again, when the upstream said (Retry-After, x-ratelimit-reset). */
  retryAfterMs?: number;
  /**
   * True when the request may have reached the upstream and been acted on (timeout after sending, reset
   * connection): for a mutation the outcome is then unknown and must be read back, never retried.
   */
  ambiguous?: boolean;
  /**
   * True when the failure is the gateway's own, not the upstream's: the caller cancelled, or the call's
   * deadline had passed before it was sent. It says nothing about the upstream's health (circuit breaker).
   */
  gatewaySide?: boolean;
  /** True when every request waiting for the call has gone (clients disconnected): it was stopped. */
  cancelled?: boolean;
  /** True when the call was never sent because the endpoint's circuit is open (src/upstreams/breaker.ts). */
  circuitOpen?: boolean;
}

export class UpstreamError extends Error {
  readonly upstream: UpstreamName;
  readonly kind: UpstreamErrorKind;
  readonly endpoint: string;
  readonly upstreamCode?: string;
  readonly upstreamMessage?: string;
  readonly httpStatus?: number;
  readonly retryAfterMs?: number;
  readonly ambiguous: boolean;
  readonly gatewaySide: boolean;
  readonly cancelled: boolean;
  readonly circuitOpen: boolean;

  constructor(message: string, details: UpstreamErrorDetails) {
    super(message);
    this.name = "UpstreamError";
    this.upstream = details.upstream;
    this.kind = details.kind;
    this.endpoint = details.endpoint;
    this.upstreamCode = details.upstreamCode;
    this.upstreamMessage = details.upstreamMessage;
    this.httpStatus = details.httpStatus;
    this.retryAfterMs = details.retryAfterMs;
    this.ambiguous = details.ambiguous ?? false;
    this.gatewaySide = details.gatewaySide ?? false;
    this.cancelled = details.cancelled ?? false;
    this.circuitOpen = details.circuitOpen ?? false;
  }
}

export function isUpstreamError(value: unknown): value is UpstreamError {
  return value instanceof UpstreamError;
}
