import type { ErrorRequestHandler, RequestHandler, Response } from "express";
import { ErrorCode } from "../errors/codes";
import type { Logger } from "../logger";
import { edgeLocals } from "./locals";

/**
 * Everything the edge refuses before GraphQL runs is still answered in the GraphQL response shape, as
 * JSON, never HTML, never a stack or a file path; the x-request-id header is set before any of these.
 */
export function sendGraphQLError(
  res: Response,
  status: number,
  code: ErrorCode,
  message: string,
  extensions: Record<string, unknown> = {},
): void {
  const { record } = edgeLocals(res);
  if (record) record.errorCodes = [code];
  res
    .status(status)
    .type("application/json")
    .send(JSON.stringify({ errors: [{ message, extensions: { ...extensions, code } }] }));
}

/** Only /graphql (and the operational paths mounted before this) answer: everything else is a JSON 404. */
export const notFound: RequestHandler = (req, res) => {
  sendGraphQLError(
    res,
    404,
    ErrorCode.BAD_REQUEST,
    `Nothing is served at ${(req.originalUrl.split("?")[0] ?? "").slice(0, 100)}: GraphQL is at /graphql.`,
  );
};

/** body-parser's error types, with the answer each gets. */
const BODY_ERRORS: Record<string, { status: number; message: string }> = {
  "entity.parse.failed": { status: 400, message: "The request body is not valid JSON." },
  "entity.too.large": { status: 413, message: "The request body is larger than this gateway accepts." },
  "encoding.unsupported": { status: 415, message: "The request body's content encoding is not supported." },
  "charset.unsupported": { status: 415, message: "The request body's charset is not supported (use utf-8)." },
  "request.aborted": { status: 400, message: "The request body was not received completely." },
  "request.size.invalid": {
    status: 400,
    message: "The request body's length does not match Content-Length.",
  },
};

interface BodyParserError {
  type?: unknown;
  status?: unknown;
  limit?: unknown;
}

/**
 * The last handler: body-parser's errors become BAD_REQUEST answers; anything else is masked. Each is
 * one log line through the project's logger, without the body (a newline in it could forge a record).
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const type = (error as BodyParserError | null)?.type;
    const status = (error as BodyParserError | null)?.status;
    // Any other refusal body-parser marks as the client's (a corrupt gzip or br stream, say) is a 400 too;
    // its own message is never passed on (it may quote the body).
    const known =
      (typeof type === "string" ? BODY_ERRORS[type] : undefined) ??
      (typeof status === "number" && status >= 400 && status < 500
        ? { status: 400, message: "The request body could not be read." }
        : undefined);
    const requestId = res.getHeader("x-request-id");
    if (known && known.status < 500) {
      // Said once, in the request's own record (src/http/observe.ts), which notes why.
      const { record } = edgeLocals(res);
      if (record) record.refused = typeof type === "string" ? type : "body.unreadable";
      const extra =
        type === "entity.too.large"
          ? { maxBytes: (error as BodyParserError).limit }
          : ({} as Record<string, unknown>);
      sendGraphQLError(res, known.status, ErrorCode.BAD_REQUEST, known.message, extra);
      return;
    }
    logger.error({ requestId, path: req.path, err: error }, "unexpected error at the HTTP edge");
    if (res.headersSent) {
      res.end();
      return;
    }
    sendGraphQLError(res, 500, ErrorCode.INTERNAL_SERVER_ERROR, "Internal server error.");
  };
}
