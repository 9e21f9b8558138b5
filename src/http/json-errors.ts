import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { ErrorCode } from "../errors/codes";
import type { Logger } from "../logger";

/**
 * Everything the edge refuses before GraphQL runs is still answered in the GraphQL response shape, as
 * JSON, never HTML, never a stack or a file path; the x-request-id header is set before any of these.
 */
export function sendGraphQLError(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  code: ErrorCode,
  message: string,
  extensions: Record<string, unknown> = {},
): FastifyReply {
  const record = request.edge.record;
  if (record) record.errorCodes = [code];
  return reply
    .code(status)
    .type("application/json; charset=utf-8")
    .send(JSON.stringify({ errors: [{ message, extensions: { ...extensions, code } }] }));
}

function pathOf(request: FastifyRequest): string {
  return (request.url.split("?")[0] ?? "").slice(0, 100);
}

/** Only /graphql (and the operational paths) answer: everything else is a JSON 404. */
export function notFound(request: FastifyRequest, reply: FastifyReply): void {
  sendGraphQLError(
    request,
    reply,
    404,
    ErrorCode.BAD_REQUEST,
    `Nothing is served at ${pathOf(request)}: GraphQL is at /graphql.`,
  );
}

/**
 * Fastify's refusals of a body (its content-type parser, @fastify/compress's request decompression),
 * with the answer each gets and the name the request's log record gives the refusal.
 */
const BODY_ERRORS: Record<string, { status: number; message: string; refused: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    message: "The request body is not valid JSON.",
    refused: "body.invalid_json",
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    message: "The request body is empty: send a JSON object with a query.",
    refused: "body.empty",
  },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    message: "The request body is larger than this gateway accepts.",
    refused: "body.too_large",
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    message: "The request body must be JSON: send Content-Type: application/json.",
    refused: "body.media_type",
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    message: "The request body's length does not match Content-Length.",
    refused: "body.length",
  },
  FST_CP_ERR_INVALID_CONTENT_ENCODING: {
    status: 415,
    message: "The request body's content encoding is not supported (use gzip, br or deflate).",
    refused: "body.content_encoding",
  },
  FST_CP_ERR_INVALID_CONTENT: {
    status: 400,
    message: "The request body could not be decompressed with its content encoding.",
    refused: "body.content_encoding",
  },
};

/**
 * The last handler: the framework's refusals of a body become BAD_REQUEST answers; anything else is
 * masked. Each is one log line through the project's logger, without the body (a newline in it could
 * forge a record): a refusal is said once, in the request's own record (src/http/observe.ts).
 */
export function errorHandler(logger: Logger, maxBodyBytes: number) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined => {
    const known =
      (typeof error.code === "string" ? BODY_ERRORS[error.code] : undefined) ??
      // Any other refusal the framework marks as the client's is a 400 too; its own message is never
      // passed on (it may quote the body).
      (typeof error.statusCode === "number" && error.statusCode >= 400 && error.statusCode < 500
        ? { status: 400, message: "The request body could not be read.", refused: "body.unreadable" }
        : undefined);
    if (known) {
      const { record } = request.edge;
      if (record) record.refused = known.refused;
      const extra = known.status === 413 ? { maxBytes: maxBodyBytes } : {};
      return sendGraphQLError(request, reply, known.status, ErrorCode.BAD_REQUEST, known.message, extra);
    }
    logger.error(
      { requestId: request.id, path: pathOf(request), err: error },
      "unexpected error at the HTTP edge",
    );
    if (reply.sent || reply.raw.headersSent) {
      reply.raw.end();
      return undefined;
    }
    return sendGraphQLError(request, reply, 500, ErrorCode.INTERNAL_SERVER_ERROR, "Internal server error.");
  };
}
