import type { ApolloServer } from "@apollo/server";
import { expressMiddleware } from "@as-integrations/express5";
import compression from "compression";
import cors from "cors";
import express, { type NextFunction, type Request, type RequestHandler, type Response } from "express";
import { AuthenticationError, type TokenVerifier } from "../auth/jwt";
import { anonymousCaller, hasScope, Scope, unprovenCaller, type Caller } from "../auth/scopes";
import type { GatewayConfig } from "../config";
import { createContext, requestIdFrom, type GatewayContext, type GatewayServices } from "../context";
import { ErrorCode } from "../errors/codes";
import type { Tracer } from "@opentelemetry/api";
import type { Logger } from "../logger";
import type { UpstreamHealth } from "../observability/health";
import type { GatewayMetrics } from "../observability/metrics";
import { explorerRoutes } from "../explorer/explorer";
import {
  enforcePersistedDocuments,
  resolvePersistedDocument,
  type PersistedDocumentPolicy,
} from "../persisted-documents/edge";
import { auditRefusedAtEdge } from "../plugins/audit";
import type { CallerRateLimit } from "./caller-rate-limit";
import { healthRoutes } from "./health";
import { edgeLocals as locals } from "./locals";
import { pipeline } from "./pipeline";
import { errorHandler, notFound, sendGraphQLError } from "./json-errors";
import type { Lifecycle } from "./lifecycle";
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

function header(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Every answer, from any path and any refusal, carries the request id (API.md §1, §5). */
const requestId: RequestHandler = (req, res, next) => {
  const id = requestIdFrom(header(req, "x-request-id"));
  locals(res).requestId = id;
  res.setHeader("x-request-id", id);
  next();
};

function corsFor(config: GatewayConfig): RequestHandler {
  const allowed = config.corsOrigins;
  return cors({
    // "*" only when configured so; otherwise the allow-list, reflected per origin (with Vary: Origin).
    origin:
      allowed === "*" ? "*" : (origin, done) => done(null, origin !== undefined && allowed.includes(origin)),
    methods: ["GET", "POST"],
    exposedHeaders: ["x-request-id"],
    maxAge: 600,
  });
}

/** GraphQL is GET (queries) or POST with a JSON body; preflights are answered by CORS before this. */
const methodAndContentType: RequestHandler = (req, res, next) => {
  if (req.method !== "GET" && req.method !== "POST") {
    res.setHeader("allow", "GET, POST");
    sendGraphQLError(
      res,
      405,
      ErrorCode.BAD_REQUEST,
      `${req.method.slice(0, 16)} is not allowed here: use POST (or GET for queries).`,
    );
    return;
  }
  if (req.method === "POST" && !req.is("application/json")) {
    sendGraphQLError(
      res,
      415,
      ErrorCode.BAD_REQUEST,
      "The request body must be JSON: send Content-Type: application/json.",
    );
    return;
  }
  next();
};

/** A batched request (a JSON array) is refused: one operation per request keeps limits and costs honest. */
const singleOperation: RequestHandler = (req, res, next) => {
  if (Array.isArray(req.body)) {
    sendGraphQLError(
      res,
      400,
      ErrorCode.BAD_REQUEST,
      "Batched requests are not accepted: send one operation per request.",
    );
    return;
  }
  // Apollo's integration needs a body, also for GET.
  if (req.body === undefined) req.body = {};
  next();
};

/** A browser asking /graphql for a page gets the landing page (Sandbox in development): no operation runs. */
function isLandingPageRequest(req: Request): boolean {
  return (
    req.method === "GET" && req.query.query === undefined && (req.headers.accept ?? "").includes("text/html")
  );
}

/** The caller authentication established; should a step ever run without it, one that holds nothing. */
function callerOf(req: Request, res: Response): Caller {
  return locals(res).caller ?? unprovenCaller(req.socket.remoteAddress ?? "unknown");
}

function authenticate(deps: EdgeDependencies) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const address = req.socket.remoteAddress ?? "unknown";
    if (deps.verifyToken === null) {
      locals(res).caller = anonymousCaller(address);
      next();
      return;
    }
    if (isLandingPageRequest(req)) {
      // A browser opening /graphql: the page needs no token, and whatever else the request carries
      // (a persisted-query hash, say) runs with no scope at all.
      locals(res).caller = unprovenCaller(address);
      next();
      return;
    }
    try {
      locals(res).caller = await deps.verifyToken(header(req, "authorization"), address);
      next();
    } catch (error) {
      if (!(error instanceof AuthenticationError)) throw error;
      const outcome = error.callerFault ? ErrorCode.UNAUTHENTICATED : ErrorCode.INTERNAL_SERVER_ERROR;
      const { record } = locals(res);
      if (record) record.refused = `${outcome}: ${error.message}`;
      auditRefusedAtEdge(deps.logger, req.body, {
        requestId: locals(res).requestId,
        caller: null,
        outcome,
        maxTokens: deps.config.maxTokens,
      });
      if (!error.callerFault) {
        sendGraphQLError(res, 503, ErrorCode.INTERNAL_SERVER_ERROR, error.message);
        return;
      }
      res.setHeader(
        "www-authenticate",
        header(req, "authorization") === undefined
          ? 'Bearer realm="graphql"'
          : 'Bearer realm="graphql", error="invalid_token"',
      );
      sendGraphQLError(res, 401, ErrorCode.UNAUTHENTICATED, error.message);
    }
  };
}

function rateLimit(deps: EdgeDependencies) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const { requestId: id } = locals(res);
    const caller = callerOf(req, res);
    const retryAfter =
      deps.callerRateLimit === null ? null : await deps.callerRateLimit.retryAfterSeconds(caller);
    if (retryAfter === null) {
      next();
      return;
    }
    const { record } = locals(res);
    if (record) record.refused = ErrorCode.RATE_LIMITED;
    auditRefusedAtEdge(deps.logger, req.body, {
      requestId: id,
      caller,
      outcome: ErrorCode.RATE_LIMITED,
      maxTokens: deps.config.maxTokens,
    });
    res.setHeader("retry-after", String(retryAfter));
    sendGraphQLError(
      res,
      429,
      ErrorCode.RATE_LIMITED,
      `Too many requests from this caller: try again in ${retryAfter} s.`,
      {
        retryAfterSeconds: retryAfter,
      },
    );
  };
}

/**
 * The HTTP edge: routing, CORS, body limits, authentication and the caller's rate, all decided before
 * GraphQL runs (and so before any upstream call); then Apollo Server for /graphql.
 */
export function createHttpApp(deps: EdgeDependencies): express.Express {
  const { config, services, apollo } = deps;
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.set("query parser", "simple");
  app.use(requestId);
  healthRoutes(app, deps.lifecycle, deps.health);
  // A 500-row page with every profile field is ~330 KB of JSON; gzip makes it ~50 KB. Below 1 KiB the
  // saving is not worth the CPU; brotli runs at quality 4 (the middleware's default: 11 would cost far
  // more CPU per request for a few percent). No BREACH exposure worth the name: callers authenticate
  // with a bearer header, which a cross-site page cannot make a browser send.
  const compress = compression({ threshold: 1024 });
  // Engaged only for clients that accept an encoding: the middleware's response hooks are not free.
  app.use((req, res, next) => (req.headers["accept-encoding"] ? compress(req, res, next) : next()));

  if (config.explorer) {
    app.use("/explorer", explorerRoutes({ assetsDir: deps.explorerAssetsDir, auth: config.auth.mode }));
  }

  app.use(
    "/graphql",
    pipeline(
      // Exactly /graphql: a mount also matches /graphql/anything, which is a 404 like any other path.
      (req, res, next) => (req.originalUrl.split("?")[0] === "/graphql" ? next() : notFound(req, res, next)),
      observeRequests(deps),
      corsFor(config),
      methodAndContentType,
      express.json({ limit: config.maxBodyBytes, strict: true, type: () => true }),
      singleOperation,
      traceContext(deps.tracer),
      resolvePersistedDocument(deps.persistedDocuments),
      authenticate(deps),
      rateLimit(deps),
      enforcePersistedDocuments(deps.persistedDocuments),
      expressMiddleware(apollo, {
        context: async ({ req, res }) => {
          const { requestId: id, record } = locals(res);
          const caller = callerOf(req, res);
          // In production the accounting shows internals: only callers holding gateway:debug may ask.
          const mayDebug = !config.production || hasScope(caller, Scope.GatewayDebug);
          return createContext(services, {
            requestId: id,
            caller,
            record,
            debug: config.debugExtensions && mayDebug && header(req, "x-gateway-debug") === "1",
          });
        },
      }),
    ),
  );
  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
