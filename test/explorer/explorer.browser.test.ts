import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { buildExplorer } from "../../scripts/build-explorer";
import { CHROMIUM_ARGS, ensureChromium } from "../support/chromium";
import { startStack, type TestStack } from "../support/gateway";
import { startIssuer, trustIssuer, type TestIssuer } from "../support/issuer";

const ARTIFACTS = join(__dirname, "..", "..", ".artifacts");

/**
 * In-page code is written as strings: the test runs under Node's types, not the DOM's. GraphiQL 4's
 * editors are CodeMirror 5 instances, reachable from their wrapper element.
 */
const editorValue = (selector: string) =>
  `document.querySelector(${JSON.stringify(selector)})?.CodeMirror.getValue() ?? null`;
const RECORD_CSP_VIOLATIONS = `
  window.cspViolations = [];
  document.addEventListener("securitypolicyviolation", (e) =>
    window.cspViolations.push(e.violatedDirective + " " + e.blockedURI));`;

/**
 * A frontend developer without internet: Chromium may reach the gateway and nothing else. The page
 * must load (script, styles, fonts) from the gateway alone, run the example query with a bearer token
 * typed into the headers editor, and show the answer.
 */
describe("the offline explorer in a real browser", () => {
  let issuer: TestIssuer;
  let stack: TestStack;
  let browser: Browser;
  let assets: string;

  beforeAll(async () => {
    const executablePath = ensureChromium();
    // Built from the current sources, so the test never runs against a stale dist/.
    assets = mkdtempSync(join(tmpdir(), "explorer-test-"));
    await buildExplorer(assets);
    issuer = await startIssuer();
    stack = await startStack({
      env: {
        ...trustIssuer(issuer),
      },
      start: { explorerAssetsDir: assets },
    });
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
  }, 20 * 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    await issuer?.close();
    rmSync(assets, { recursive: true, force: true });
  });

  it("loads with only the gateway reachable, sends the token from the headers editor and shows the answer", async () => {
    const gateway = new URL(stack.url).origin;
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const blocked: string[] = [];
    // The network as without internet: anything but the gateway is refused, and remembered.
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (new URL(url).origin === gateway) return route.continue();
      blocked.push(url);
      return route.abort("internetdisconnected");
    });
    await context.addInitScript(RECORD_CSP_VIOLATIONS);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));

    const response = await page.goto(`${gateway}/explorer`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()["content-security-policy"]).toContain("default-src 'self'");
    await page.waitForSelector(".graphiql-query-editor .CodeMirror");

    const editorText = (selector: string) => page.evaluate<string | null>(editorValue(selector));
    // Polled from here: waitForFunction would evaluate its predicate with eval, which the CSP forbids.
    const showsText = async (selector: string, text: string) => {
      for (let attempt = 0; attempt < 300; attempt += 1) {
        if ((await editorText(selector))?.includes(text)) return;
        await page.waitForTimeout(100);
      }
      throw new Error(`${selector} never showed ${text}: ${await editorText(selector)}`);
    };
    const headers = ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror";
    const result = ".result-window .CodeMirror";
    expect(await editorText(".graphiql-query-editor .CodeMirror")).toContain("query ExampleCustomers");
    // The headers editor is open and asks for the token.
    expect(await editorText(headers)).toContain("Bearer <paste your access token here>");

    // Run with the placeholder: the gateway refuses it, so the header really travels.
    await page.click(".graphiql-execute-button");
    await showsText(result, "UNAUTHENTICATED");

    const token = await issuer.mint({ scope: "customers:read profiles:read" }, { subject: "frontend-dev" });
    const typed = JSON.stringify({ Authorization: `Bearer ${token}` }, null, 2);
    await page.evaluate(
      `document.querySelector(${JSON.stringify(headers)}).CodeMirror.setValue(${JSON.stringify(typed)})`,
    );
    await page.click(".graphiql-execute-button");
    await showsText(result, "totalCount");
    const answer = JSON.parse((await editorText(result)) ?? "null") as {
      data: { customers: { totalCount: number; nodes: { id: string; userName: string }[] } };
      errors?: unknown;
    };
    expect(answer.errors).toBeUndefined();
    expect(answer.data.customers.totalCount).toBe(stack.sims.agent.customers.length);
    expect(answer.data.customers.nodes.map((n) => n.userName)).toEqual(
      stack.sims.agent.customers.slice(0, 5).map((c) => c.userName),
    );
    // Authentication is on (the placeholder was refused): this answer came for the token in the editor.

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "explorer.png") });

    expect(blocked).toEqual([]);
    expect(await page.evaluate<string[]>("window.cspViolations")).toEqual([]);
    expect(pageErrors).toEqual([]);
    await context.close();
  });
});
