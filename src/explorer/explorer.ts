import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";
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
 * GET /graphql loads from Apollo's CDN). Registered only when the explorers are on (API.md §9), as an
 * encapsulated plugin: its security headers apply to its own routes only.
 */
export async function explorerRoutes(app: FastifyInstance, options: ExplorerOptions): Promise<void> {
  const built = existsSync(join(options.assetsDir, EXPLORER_SCRIPT));
  const html = page(options.auth);
  app.addHook("onRequest", (_request, reply, done) => {
    reply.header("content-security-policy", EXPLORER_CSP);
    reply.header("x-content-type-options", "nosniff");
    reply.header("referrer-policy", "no-referrer");
    done();
  });
  app.get("/explorer", (request, reply) => {
    if (!built) {
      return sendGraphQLError(
        request,
        reply,
        503,
        ErrorCode.INTERNAL_SERVER_ERROR,
        "The explorer bundle has not been built: run `npm run build`.",
      );
    }
    return reply.header("cache-control", "no-cache").type("text/html; charset=utf-8").send(html);
  });
  // Unhashed file names, so each load revalidates (ETag) instead of trusting a stale cached bundle.
  // A file that is not there falls through to the gateway's JSON 404.
  await app.register(fastifyStatic, {
    root: options.assetsDir,
    prefix: "/explorer/assets/",
    index: false,
    list: false,
    wildcard: true,
    cacheControl: false,
    decorateReply: false,
    setHeaders: (res) => res.setHeader("cache-control", "no-cache"),
  });
}
