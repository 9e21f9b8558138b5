import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..");
const ENTRY = join(ROOT, "dist", "src", "index.js");

/** What `npm start` runs (after its `prestart` build), with a clean environment plus `env`. */
function startGatewayProcess(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [ENTRY], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

function collect(child: ChildProcess): { out: () => string } {
  let text = "";
  child.stdout?.on("data", (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (text += chunk.toString()));
  return { out: () => text };
}

async function waitFor(predicate: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > until) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("starting the gateway the way npm start does", () => {
  beforeAll(() => {
    execFileSync(
      process.execPath,
      [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"],
      {
        cwd: ROOT,
      },
    );
  }, 120_000);

  it("starts on the embedded simulators, says so first, and answers on /graphql", async () => {
    const child = startGatewayProcess({ PORT: "0" });
    const log = collect(child);
    try {
      await waitFor(() => /ready at (\S+)/.test(log.out()), 30_000);
      const lines = log.out().split("\n");
      expect(lines[0]).toMatch(/embedded simulators/);
      const url = (/ready at (\S+)/.exec(log.out()) as RegExpExecArray)[1] as string;
      expect(url).toMatch(/\/graphql$/);
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          query: "{ customers(first: 2) { totalCount nodes { id profile { customerNo } } } }",
        }),
      });
      const body = (await res.json()) as { data: { customers: { totalCount: number; nodes: unknown[] } } };
      expect(res.status).toBe(200);
      expect(body.data.customers.nodes).toHaveLength(2);
      expect(body.data.customers.totalCount).toBeGreaterThan(1000);
    } finally {
      child.kill("SIGTERM");
    }
  }, 60_000);

  it.each([
    [{ AGENT_BASE_URL: "http://127.0.0.1:9/prod-api" }, "AGENT_TOKEN"],
    [{ AGENT_BASE_URL: "http://127.0.0.1:9/prod-api", AGENT_TOKEN: "t" }, "BRIDGE_BASE_URL"],
    [
      { BRIDGE_BASE_URL: "http://127.0.0.1:9/webhook", BRIDGE_COMPANY_ID: "1", BRIDGE_API_KEY: "k" },
      "BRIDGE_SECRET_KEY",
    ],
    [{ PORT: "eighty" }, "PORT"],
  ])(
    "refuses to start half-configured (%o) and names %s",
    async (env, variable) => {
      const child = startGatewayProcess(env);
      const log = collect(child);
      const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
      expect(code).toBe(78);
      expect(log.out()).toContain(variable);
    },
    30_000,
  );
});
