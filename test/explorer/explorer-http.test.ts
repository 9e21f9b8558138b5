import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startStack, type TestStack } from "../support/gateway";

/** A stand-in bundle: these tests are about routing and headers, the browser test runs the real one. */
const assets = mkdtempSync(join(tmpdir(), "explorer-http-"));
writeFileSync(join(assets, "explorer.js"), "/* bundle */");
writeFileSync(join(assets, "explorer.css"), "/* styles */");
afterAll(() => rmSync(assets, { recursive: true, force: true }));

const PRODUCTION = { NODE_ENV: "production", GATEWAY_ALLOW_SIMULATORS: "1" };
const html = { accept: "text/html" };

async function withStack(
  env: Record<string, string>,
  run: (stack: TestStack, origin: string) => Promise<void>,
) {
  const stack = await startStack({ env, start: { explorerAssetsDir: assets } });
  try {
    await run(stack, new URL(stack.url).origin);
  } finally {
    await stack.close();
  }
}

describe("/explorer and Sandbox by environment (API.md §9)", () => {
  it("development: /explorer is the page with a CSP of 'self' and its bundle; /graphql shows Sandbox", () =>
    withStack({}, async (_stack, origin) => {
      const page = await fetch(`${origin}/explorer`, { headers: html });
      expect(page.status).toBe(200);
      expect(page.headers.get("content-security-policy")).toBe(
        "default-src 'self'; base-uri 'none'; object-src 'none'; form-action 'none'; frame-ancestors 'none'",
      );
      const text = await page.text();
      expect(text).toContain('<script src="/explorer/assets/explorer.js"></script>');
      expect(text).not.toMatch(/<script>|style=|https?:\/\//);
      const bundle = await fetch(`${origin}/explorer/assets/explorer.js`);
      expect([bundle.status, bundle.headers.get("content-type")]).toEqual([
        200,
        expect.stringMatching(/^(text|application)\/javascript; charset=utf-8$/),
      ]);
      const missing = await fetch(`${origin}/explorer/assets/nothing.js`);
      expect([missing.status, missing.headers.get("content-type")]).toEqual([
        404,
        "application/json; charset=utf-8",
      ]);
      const sandbox = await fetch(`${origin}/graphql`, { headers: html });
      expect(await sandbox.text()).toContain("embeddable-sandbox");
    }));

  it("production: /explorer and Sandbox are JSON 404 / JSON errors, introspection is off", () =>
    withStack(PRODUCTION, async (stack, origin) => {
      const page = await fetch(`${origin}/explorer`, { headers: html });
      expect([page.status, page.headers.get("content-type")]).toEqual([
        404,
        "application/json; charset=utf-8",
      ]);
      const landing = await fetch(`${origin}/graphql`, { headers: html });
      expect(landing.headers.get("content-type")).toMatch(/^application\/json/);
      const introspection = await stack.gql("{ __schema { queryType { name } } }");
      expect(introspection.errors?.[0]?.extensions.code).toBe("BAD_USER_INPUT");
    }));

  it("production with GATEWAY_EXPLORER=1: both explorers, and the introspection they need", () =>
    withStack({ ...PRODUCTION, GATEWAY_EXPLORER: "1" }, async (stack, origin) => {
      expect((await fetch(`${origin}/explorer`, { headers: html })).status).toBe(200);
      expect(await (await fetch(`${origin}/graphql`, { headers: html })).text()).toContain(
        "embeddable-sandbox",
      );
      const introspection = await stack.gql("{ __schema { queryType { name } } }");
      expect(introspection.data).toEqual({ __schema: { queryType: { name: "Query" } } });
    }));
});
