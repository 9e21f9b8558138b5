import { unwrapResolverError } from "@apollo/server/errors";
import { GraphQLError, type GraphQLFormattedError } from "graphql";
import { withoutFieldSuggestions } from "../limits/field-suggestions";
import { UpstreamError } from "../upstreams/errors";
import { ErrorCode } from "./codes";
import { GatewayError, toPublicUpstreamError } from "./errors";

const MASKED_MESSAGE = "Internal server error.";

const REQUEST_ERROR_CODES = new Set([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_USER_INPUT",
  "OPERATION_RESOLUTION_FAILURE",
  "PERSISTED_QUERY_NOT_SUPPORTED",
]);

/** A resolver threw something that is not a GraphQLError: whatever its shape, it is not the client's fault. */
function isResolverFailure(error: unknown): boolean {
  return (
    error instanceof GraphQLError &&
    error.originalError !== undefined &&
    !(error.originalError instanceof GraphQLError)
  );
}

/**
 * The one place that decides what a client sees of an error. The gateway's own coded errors and the
 * validation errors of GraphQL itself pass; upstream errors are translated; everything else is masked
 * as INTERNAL_SERVER_ERROR (its message could carry a URL or a secret).
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof GatewayError) {
    // `http` tells Apollo the status code; it is not for the client.
    const { http: _http, ...extensions } = original.extensions;
    return { ...formatted, message: original.message, extensions };
  }
  if (original instanceof UpstreamError) {
    const translated = toPublicUpstreamError(original);
    return { ...formatted, message: translated.message, extensions: { ...translated.extensions } };
  }
  const code = formatted.extensions?.code;
  // Apollo's and graphql-js's own request errors (parse, validation, variable coercion) describe the
  // client's request, never the server: show them, under the contract's one code for bad input.
  // Apollo's own BAD_REQUEST (no query, variables that are not an object, a GET mutation) is about the
  // HTTP request itself: the contract's BAD_REQUEST.
  // Apollo's own APQ miss keeps its code (API.md §2): APQ clients retry with the full document on it.
  if (code === ErrorCode.PERSISTED_QUERY_NOT_FOUND && !isResolverFailure(error)) {
    return { message: formatted.message, extensions: { code } };
  }
  if (code === ErrorCode.BAD_REQUEST && !isResolverFailure(error)) {
    return { message: formatted.message, extensions: { code: ErrorCode.BAD_REQUEST } };
  }
  if (typeof code === "string" && REQUEST_ERROR_CODES.has(code) && !isResolverFailure(error)) {
    return { ...formatted, extensions: { code: ErrorCode.BAD_USER_INPUT, reason: code } };
  }
  // Masked for the client; the error-log plugin (src/plugins/error-log.ts) shows the operator the original.
  return {
    message: MASKED_MESSAGE,
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
  };
}

/**
 * Whether `formatError` masks this error as INTERNAL_SERVER_ERROR: then the operator needs the original
 * in the log, with its request id.
 */
export function isMaskedError(error: GraphQLError): boolean {
  const shown = formatError({ message: error.message, extensions: error.extensions }, error);
  return shown.extensions?.code === ErrorCode.INTERNAL_SERVER_ERROR && shown.message === MASKED_MESSAGE;
}

/**
 * formatError as the deployment needs it: in production no message suggests a field, argument, type
 * or enum value ("Did you mean …"), since with introspection off those would reveal the schema.
 */
export function formatErrorFor(config: {
  production: boolean;
}): (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError {
  if (!config.production) return formatError;
  return (formatted, error) => {
    const shaped = formatError(formatted, error);
    return { ...shaped, message: withoutFieldSuggestions(shaped.message) };
  };
}
