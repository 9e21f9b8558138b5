import { execFileSync } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { ROOT, parseRecords as records, startGatewayProcess as start, waitFor } from "../support/process";

/** The child and a reader of everything it printed (the shape these tests grew up with). */
function startGatewayProcess(env: Record<string, string>) {
  return start(env).child;
}

function collect(child: ReturnType<typeof startGatewayProcess>): { out: () => string } {
  let text = "";
  child.stdout?.on("data", (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (text += chunk.toString()));
  return { out: () => text };
}

async function exitOf(child: ReturnType<typeof startGatewayProcess>): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  return new Promise<number | null>((resolve) => child.on("exit", resolve));
}

const REAL_UPSTREAMS = {
  AGENT_BASE_URL: "http://127.0.0.1:9/prod-api",
  AGENT_TOKEN: "agent-token",
  BRIDGE_BASE_URL: "http://127.0.0.1:9/webhook",
  BRIDGE_COMPANY_ID: "1",
  BRIDGE_API_KEY: "bridge-key",
  BRIDGE_SECRET_KEY: "bridge-secret",
  BRIDGE_SIGN_SCHEME: "hmac-sha256",
};

describe("starting the gateway the way npm start does", () => {
  it("starts on the embedded simulators, says so first, and answers on /graphql", async () => {
    const child = startGatewayProcess({ PORT: "0" });
    const log = collect(child);
    try {
      await waitFor(() => /ready at/.test(log.out()), 30_000);
      const lines = records(log.out());
      expect(lines[0]?.msg).toMatch(/embedded simulators/);
      expect(lines.some((l) => /Authentication is off/.test(l.msg))).toBe(true);
      const ready = lines.find((l) => /ready at/.test(l.msg)) as { msg: string };
      const url = (/ready at (\S+)/.exec(ready.msg) as RegExpExecArray)[1] as string;
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
      const code = await exitOf(child);
      expect(code).toBe(78);
      expect(log.out()).toContain(variable);
    },
    30_000,
  );

  /** A start-up failure is exactly one log line (the last) naming the cause, no stack, and exit 78. */
  async function expectOneLineFailure(env: Record<string, string>, ...mentions: string[]): Promise<string> {
    const child = startGatewayProcess(env);
    const log = collect(child);
    expect(await exitOf(child)).toBe(78);
    const lines = records(log.out());
    const failures = lines.filter((l) => l.level === "fatal" || l.level === "error");
    expect(failures).toHaveLength(1);
    expect(lines[lines.length - 1]).toBe(failures[0]);
    for (const mention of mentions) expect(failures[0]?.msg).toContain(mention);
    expect(log.out()).not.toMatch(/\n\s+at |\.js:\d+/);
    return failures[0]?.msg ?? "";
  }

  it("refuses a port in use in one line naming PORT", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "0.0.0.0", resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expectOneLineFailure({ PORT: String(port) }, "PORT", "in use");
    } finally {
      blocker.close();
    }
  }, 30_000);

  it("refuses an unreadable BRIDGE_SECRET_KEY in one line, without echoing it", async () => {
    const msg = await expectOneLineFailure(
      {
        ...REAL_UPSTREAMS,
        BRIDGE_SIGN_SCHEME: "rsa-sha1",
        BRIDGE_SECRET_KEY: "definitely-not-a-key",
        GATEWAY_AUTH: "none",
      },
      "BRIDGE_SECRET_KEY",
    );
    expect(msg).not.toContain("definitely-not-a-key");
  }, 30_000);

  it("refuses to serve invented data in production unless GATEWAY_ALLOW_SIMULATORS says so", async () => {
    await expectOneLineFailure(
      { NODE_ENV: "production" },
      "AGENT_BASE_URL",
      "BRIDGE_BASE_URL",
      "GATEWAY_ALLOW_SIMULATORS",
    );
  }, 30_000);

  it("refuses real upstreams without a decision about callers, naming GATEWAY_AUTH", async () => {
    await expectOneLineFailure({ ...REAL_UPSTREAMS }, "GATEWAY_AUTH");
  }, 30_000);

  it("refuses a GATEWAY_JWT_PUBLIC_KEY that is not a key", async () => {
    await expectOneLineFailure(
      {
        GATEWAY_JWT_PUBLIC_KEY: "-----BEGIN PUBLIC KEY-----\\nnope\\n-----END PUBLIC KEY-----",
        GATEWAY_JWT_ISSUER: "i",
        GATEWAY_JWT_AUDIENCE: "a",
      },
      "GATEWAY_JWT_PUBLIC_KEY",
    );
  }, 30_000);

  it("warns at every start when GATEWAY_AUTH=none is set with real upstreams", async () => {
    const child = startGatewayProcess({ ...REAL_UPSTREAMS, GATEWAY_AUTH: "none", PORT: "0" });
    const log = collect(child);
    try {
      await waitFor(() => /ready at/.test(log.out()), 30_000);
      const warning = records(log.out()).find((l) => l.level === "warn");
      expect(warning?.msg).toMatch(
        /GATEWAY_AUTH=none.*anyone who reaches this port can change customer accounts/,
      );
      expect(log.out()).not.toContain("agent-token");
      expect(log.out()).not.toContain("bridge-secret");
    } finally {
      child.kill("SIGTERM");
      await exitOf(child);
    }
  }, 30_000);

  it("trusts the development issuer of `npm run dev-token` and enforces its scopes", async () => {
    const printed = execFileSync(
      process.execPath,
      [join(ROOT, "dist", "scripts", "dev-token.js"), "--scopes", "customers:read", "--sub", "e2e"],
      {
        cwd: ROOT,
      },
    ).toString();
    const publicKey = (/GATEWAY_JWT_PUBLIC_KEY="([^"]+)"/.exec(printed) as RegExpExecArray)[1] as string;
    const issuer = (/GATEWAY_JWT_ISSUER=(\S+)/.exec(printed) as RegExpExecArray)[1] as string;
    const audience = (/GATEWAY_JWT_AUDIENCE=(\S+)/.exec(printed) as RegExpExecArray)[1] as string;
    const token = (/Authorization: Bearer (\S+)/.exec(printed) as RegExpExecArray)[1] as string;
    const child = startGatewayProcess({
      PORT: "0",
      GATEWAY_JWT_PUBLIC_KEY: publicKey,
      GATEWAY_JWT_ISSUER: issuer,
      GATEWAY_JWT_AUDIENCE: audience,
    });
    const log = collect(child);
    try {
      await waitFor(() => /ready at/.test(log.out()), 30_000);
      const url = (/ready at (http\S+?)"/.exec(log.out()) as RegExpExecArray)[1] as string;
      const ask = (query: string, headers: Record<string, string>) =>
        fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: JSON.stringify({ query }),
        });
      expect((await ask('{ customer(id: "1001") { id } }', {})).status).toBe(401);
      const allowed = await ask('{ customer(id: "1001") { id } }', { authorization: `Bearer ${token}` });
      expect(await allowed.json()).toEqual({ data: { customer: { id: "1001" } } });
      const refused = (await (
        await ask(`mutation { changeStatus(customerId: "1001", state: ACTIVE) { customerId } }`, {
          authorization: `Bearer ${token}`,
        })
      ).json()) as { errors: { extensions: { code: string } }[] };
      expect(refused.errors[0]?.extensions.code).toBe("FORBIDDEN");
      expect(log.out()).not.toContain(token);
    } finally {
      child.kill("SIGTERM");
      await exitOf(child);
    }
  }, 60_000);
});
