/**
 * The edge the gateway had before issue 7: Apollo Server's `startStandaloneServer` request handler
 * (@apollo/server 5.5.1, dist/cjs/standalone/index.js), line for line — `cors()` answering `*`,
 * body-parser's JSON parser with its charset check and 50 MB limit, `finalhandler` for what fails before
 * GraphQL — serving the gateway's own Apollo server, schema, plugins and services. The library's function
 * cannot be used as it is: it starts the Apollo server itself and listens on a server of its own, while
 * the comparison needs everything else (the started server, the warm-up, the timeouts) to be the
 * gateway's. Only for the bench's edge comparison (run.ts, `edgePhase`); never a product edge: no
 * routing, no authentication, no caller limit, no CORS allow-list.
 *
 * `books`: the handler also keeps the books the gateway's edge keeps for every request — the request id
 * (the caller's x-request-id or a new one, sent back), the request record and metrics, the `graphql
 * request` log record at LOG_LEVEL=info — through the same code (src/http/observe.ts), so that the two
 * edges can be compared doing the same work as well as bare.
 */
import { HeaderMap, type HTTPGraphQLRequest } from "@apollo/server";
import bodyParser from "body-parser";
import { parse as parseContentType } from "content-type";
import cors from "cors";
import finalhandler from "finalhandler";
import { randomUUID } from "node:crypto";
import type { IncomingMessage, Server } from "node:http";
import { parse as parseUrl } from "node:url";
import { anonymousCaller } from "../../src/auth/scopes";
import { createContext, requestIdFrom } from "../../src/context";
import type { HttpEdgeFactory } from "../../src/http/app";
import type { EdgeLocals } from "../../src/http/locals";
import { observeExchange } from "../../src/http/observe";
import { requestLogger } from "../../src/logger";

const validCharset = /^utf-(8|((16|32)(le|be)?))$/i;

export const standaloneEdge =
  (options: { books: boolean }): HttpEdgeFactory =>
  async (deps, server: Server) => {
    const { apollo, services } = deps;
    const log = requestLogger(deps.logger);
    const corsHandler = cors();
    const jsonHandler = bodyParser.json({
      verify(req: IncomingMessage) {
        const charset = parseContentType(req).parameters.charset || "utf-8";
        if (!validCharset.test(charset)) {
          throw Object.assign(new Error(`unsupported charset "${charset.toUpperCase()}"`), {
            status: 415,
            name: "UnsupportedMediaTypeError",
            charset,
            type: "charset.unsupported",
          });
        }
      },
      limit: "50mb",
    });
    server.on("request", (req: IncomingMessage & { body?: unknown }, res) => {
      const errorHandler = finalhandler(req, res, { onerror: () => undefined });
      const caller = anonymousCaller(req.socket.remoteAddress ?? "unknown");
      let requestId: string;
      const locals: EdgeLocals = { caller };
      if (options.books) {
        const sent = req.headers["x-request-id"];
        requestId = requestIdFrom(Array.isArray(sent) ? sent[0] : sent);
        res.setHeader("x-request-id", requestId);
        if (observeExchange(deps, log, requestId, locals, res)) res.setHeader("connection", "close");
      } else {
        requestId = randomUUID();
      }
      corsHandler(req, res, (corsError?: unknown) => {
        if (corsError) {
          errorHandler(corsError);
          return;
        }
        jsonHandler(req, res, (jsonError?: unknown) => {
          if (jsonError) {
            errorHandler(jsonError);
            return;
          }
          const headers = new HeaderMap();
          for (const [key, value] of Object.entries(req.headers)) {
            if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
          }
          const httpGraphQLRequest: HTTPGraphQLRequest = {
            method: (req.method ?? "GET").toUpperCase(),
            headers,
            // The deprecated url.parse, as Apollo's handler does (its `search` is "" for none).
            search: parseUrl(req.url ?? "").search ?? "",
            body: "body" in req ? req.body : undefined,
          };
          apollo
            .executeHTTPGraphQLRequest({
              httpGraphQLRequest,
              // What a standalone gateway's context function did: a request id and a caller per request.
              context: async () =>
                createContext(services, {
                  requestId,
                  caller,
                  debug: false,
                  ...(locals.record === undefined ? {} : { record: locals.record }),
                }),
            })
            .then(async (answer) => {
              for (const [key, value] of answer.headers) res.setHeader(key, value);
              res.statusCode = answer.status || 200;
              if (answer.body.kind === "complete") {
                res.end(answer.body.string);
                return;
              }
              for await (const chunk of answer.body.asyncIterator) res.write(chunk);
              res.end();
            })
            .catch((error: unknown) => errorHandler(error));
        });
      });
    });
    return { close: async () => undefined };
  };
