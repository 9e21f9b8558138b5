import express, { type RequestHandler, type Router } from "express";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ErrorCode } from "../errors/codes";
import { sendGraphQLError } from "../http/json-errors";
import { EXPLORER_SCRIPT, EXPLORER_STYLESHEET } from "./assets";

export interface ExplorerOptions {
  /** The built bundle (scripts/build-explorer.ts). */
  assetsDir: string;
  /** "jwt": the headers editor starts with an Authorization header to fill in. */
  auth: "jwt" | "none";
}

/**
 * Everything the page loads comes from this gateway: scripts, styles, fonts and the GraphQL endpoint.
 * Nothing inline, no other origin, and no framing (the page runs operations with the user's token).
 */
export const EXPLORER_CSP = [
  "default-src 'self'",
  "base-uri 'none'",
  "object-src 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const securityHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader("content-security-policy", EXPLORER_CSP);
  res.setHeader("x-content-type-options", "nosniff");
  res.setHeader("referrer-policy", "no-referrer");
  next();
};

function page(auth: ExplorerOptions["auth"]): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Gateway explorer</title>
    <link rel="stylesheet" href="/explorer/assets/${EXPLORER_STYLESHEET}" />
  </head>
  <body>
    <div id="explorer" data-endpoint="/graphql" data-auth="${auth}"></div>
    <script src="/explorer/assets/${EXPLORER_SCRIPT}"></script>
  </body>
</html>
`;
}

/**
 * GET /explorer: GraphiQL bundled with the gateway, for developers without internet (Sandbox at
 * GET /graphql loads from Apollo's CDN). Mounted only when the explorers are on (API.md §9).
 */
export function explorerRoutes(options: ExplorerOptions): Router {
  const router = express.Router({ strict: true });
  const built = existsSync(join(options.assetsDir, EXPLORER_SCRIPT));
  const html = page(options.auth);
  router.use(securityHeaders);
  router.get("/", (_req, res) => {
    if (!built) {
      sendGraphQLError(
        res,
        503,
        ErrorCode.INTERNAL_SERVER_ERROR,
        "The explorer bundle has not been built: run `npm run build`.",
      );
      return;
    }
    res.setHeader("cache-control", "no-cache");
    res.type("html").send(html);
  });
  // Unhashed file names, so each load revalidates (ETag) instead of trusting a stale cached bundle.
  router.use(
    "/assets",
    express.static(options.assetsDir, {
      index: false,
      fallthrough: true,
      setHeaders: (res) => res.setHeader("cache-control", "no-cache"),
    }),
  );
  return router;
}
