/**
 * The edge the gateway had before issue 7: Apollo Server's `startStandaloneServer` request handler
 * (@apollo/server 5.5.1, dist/cjs/standalone/index.js), line for line — `cors()` answering `*`,
 * body-parser's JSON parser with its charset check and 50 MB limit, `finalhandler` for what fails before
 * GraphQL — serving the gateway's own Apollo server, schema, plugins and services. The library's function
 * cannot be used as it is: it starts the Apollo server itself and listens on a server of its own, while
 * the comparison needs everything else (the started server, the warm-up, the timeouts) to be the
 * gateway's. Only for the bench's edge comparison (run.ts, `edgePhase`, through `edgeComparison` below);
 * never a product edge: no routing, no authentication, no caller limit, no CORS allow-list.
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
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { parse as parseUrl } from "node:url";
import { anonymousCaller } from "../../src/auth/scopes";
import { createContext, requestIdFrom } from "../../src/context";
import { createHttpApp, type EdgeDependencies, type HttpEdgeFactory } from "../../src/http/app";
import type { EdgeLocals } from "../../src/http/locals";
import { observeExchange } from "../../src/http/observe";
import { requestLogger } from "../../src/logger";

const validCharset = /^utf-(8|((16|32)(le|be)?))$/i;

/** The standalone handler as a `request` listener over the gateway's started Apollo server and services. */
function standaloneHandler(
  deps: EdgeDependencies,
  options: { books: boolean },
): (req: IncomingMessage & { body?: unknown }, res: ServerResponse) => void {
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
  return (req, res) => {
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
  };
}

/** The standalone handlers a comparison process serves beside the gateway's edge, by name. */
export type ComparisonEdges = Record<"standalone" | "standalone-books", string>;

/**
 * All three edges in one process (BENCH_EDGE=all): the gateway's Fastify edge on the gateway's server,
 * and the standalone handler, bare and with the edge's books, each on a server of its own on loopback
 * (a free port, the gateway server's timeouts), all over the same Apollo server, services and warm-up.
 * The bench then alternates its load between them in one process, whose state (JIT, heap, the machine's
 * speed for it) they share. `urls()` gives the two standalone servers' GraphQL URLs once listening.
 */
export function edgeComparison(): { factory: HttpEdgeFactory; urls: () => ComparisonEdges } {
  let urls: ComparisonEdges | null = null;
  const factory: HttpEdgeFactory = async (deps, server) => {
    const fastify = await createHttpApp(deps, server);
    const servers: Server[] = [];
    const listening = async (books: boolean): Promise<string> => {
      const extra = createServer(standaloneHandler(deps, { books }));
      extra.headersTimeout = server.headersTimeout;
      extra.requestTimeout = server.requestTimeout;
      extra.keepAliveTimeout = server.keepAliveTimeout;
      extra.timeout = server.timeout;
      servers.push(extra);
      await new Promise<void>((resolve, reject) => {
        extra.once("error", reject);
        extra.listen(0, "127.0.0.1", () => resolve());
      });
      return `http://127.0.0.1:${(extra.address() as AddressInfo).port}/graphql`;
    };
    urls = { standalone: await listening(false), "standalone-books": await listening(true) };
    return {
      close: async () => {
        for (const extra of servers) {
          extra.closeAllConnections();
          await new Promise((resolve) => extra.close(resolve));
        }
        await fastify.close();
      },
    };
  };
  return {
    factory,
    urls: () => {
      if (urls === null) throw new Error("the comparison's edges are not listening yet");
      return urls;
    },
  };
}
