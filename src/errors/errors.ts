import { GraphQLError } from "graphql";
import { UpstreamError, type UpstreamErrorKind, type UpstreamName } from "../upstreams/errors";
import { ErrorCode } from "./codes";

/** The base of every error the gateway means a client to see: its message and extensions pass as they are. */
export class GatewayError extends GraphQLError {
  constructor(message: string, code: ErrorCode, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { ...extensions, code } });
    this.name = "GatewayError";
  }
  get code(): ErrorCode {
    return this.extensions.code as ErrorCode;
  }
}

export class BadUserInputError extends GatewayError {
  constructor(message: string, argument?: string) {
    super(message, ErrorCode.BAD_USER_INPUT, argument ? { argument } : {});
  }
}

/** A verified caller without the scope a field or mutation needs (API.md §4). */
export class ForbiddenError extends GatewayError {
  constructor(what: string, requiredScope: string) {
    super(
      `${what} needs the scope "${requiredScope}", which this caller's token does not grant.`,
      ErrorCode.FORBIDDEN,
      {
        requiredScope,
      },
    );
  }
}

export class UpstreamFailureError extends GatewayError {
  constructor(message: string, code: ErrorCode, upstream: UpstreamName, extra: Record<string, unknown> = {}) {
    super(message, code, { ...extra, upstream });
  }
}

export class OutcomeUnknownError extends GatewayError {
  constructor(message: string, upstream: UpstreamName) {
    super(message, ErrorCode.OUTCOME_UNKNOWN, { upstream });
  }
}

const UPSTREAM_LABEL: Record<UpstreamName, string> = { agent: "Agent Customer API", bridge: "Bridge API" };

const KIND_TO_CODE: Record<UpstreamErrorKind, ErrorCode> = {
  auth_failed: ErrorCode.UPSTREAM_AUTH_FAILED,
  rate_limited: ErrorCode.UPSTREAM_RATE_LIMITED,
  timeout: ErrorCode.UPSTREAM_TIMEOUT,
  unavailable: ErrorCode.UPSTREAM_UNAVAILABLE,
  bad_response: ErrorCode.UPSTREAM_BAD_RESPONSE,
  // A business refusal of a read is not something the client can act on: the upstream answered
  // something the gateway cannot use.
  rejected: ErrorCode.UPSTREAM_BAD_RESPONSE,
};

const KIND_TO_TEXT: Record<UpstreamErrorKind, string> = {
  auth_failed: "refused the gateway's credentials",
  rate_limited: "is rate limiting the gateway",
  timeout: "did not answer in time",
  unavailable: "is unavailable",
  bad_response: "answered something the gateway could not understand",
  rejected: "refused the request",
};

/** The one translation of an upstream failure into a public error. Never carries URLs or secrets. */
export function toPublicUpstreamError(error: UpstreamError): UpstreamFailureError {
  const extra: Record<string, unknown> = {};
  if (error.retryAfterMs !== undefined) extra.retryAfterSeconds = Math.ceil(error.retryAfterMs / 1000);
  if (error.upstreamCode !== undefined) extra.upstreamCode = error.upstreamCode;
  // Not sent at all: the endpoint's circuit breaker is open (API.md §6 "Failing upstreams").
  if (error.circuitOpen) extra.circuitOpen = true;
  const stopped = error.circuitOpen ? "; the gateway stops calling it for a while" : "";
  return new UpstreamFailureError(
    `${UPSTREAM_LABEL[error.upstream]} ${KIND_TO_TEXT[error.kind]} (${error.endpoint})${stopped}.`,
    KIND_TO_CODE[error.kind],
    error.upstream,
    extra,
  );
}
