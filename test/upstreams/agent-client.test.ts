import { AgentClient } from "../../src/upstreams/agent/client";
import type { AgentCustomer } from "../../src/upstreams/agent/types";
import { fetchRange, type FetchPage } from "../../src/upstreams/reads/page-scan";
import { formatDecimal, decimalFromJsonText } from "../../src/lib/decimal";
import { startSimulators, type Simulators } from "../../src/simulators";
import { FailureCollector } from "../support/failures";

/** The Agent client against the real simulator over loopback HTTP. */
let sims: Simulators;
let client: AgentClient;
const collector = new FailureCollector();
const errors = collector.errors;
const failure = (p: Promise<unknown>) => collector.failure(p);

const fast = { connectMs: 500, headersMs: 300, bodyMs: 300, totalMs: 3000 };

beforeAll(async () => {
  sims = await startSimulators({
    dataset: { agentCustomers: 120, seed: 7 },
    agent: { separateAdminHost: true },
  });
  client = new AgentClient({
    listBaseUrl: sims.agent.listBaseUrl,
    adminBaseUrl: sims.agent.adminBaseUrl,
    token: sims.agent.token,
    timeouts: fast,
    retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
  });
});

afterAll(async () => {
  await client.close();
  await sims.close();
});

beforeEach(() => {
  sims.agent.faults.clear();
  sims.agent.log.reset();
  sims.agent.pageSizeCap = 1000;
});

describe("listCustomers", () => {
  it("decodes every row exactly as the simulator wrote it", async () => {
    const page = await client.listCustomers({ pageNum: 1, pageSize: 1000 });
    const self = sims.agent.customers.filter((c) => c.channel === "self");
    expect(page.total).toBe(self.length);
    expect(page.rows).toHaveLength(self.length);
    page.rows.forEach((row, i) => {
      expect(row.customerId).toBe(BigInt(self[i].customerId).toString());
      expect(formatDecimal(row.trafficCount)).toBe(formatDecimal(decimalFromJsonText(self[i].trafficCount)!));
      expect(formatDecimal(row.residualFlow)).toBe(formatDecimal(decimalFromJsonText(self[i].residualFlow)!));
    });
    expect(sims.agent.log.calls[0]).toMatchObject({
      endpoint: "customer.list",
      params: { pageNum: "1", pageSize: "1000" },
    });
  });

  it("keeps Longs beyond 2^53 and Jackson notations exact", async () => {
    sims.agent.addCustomer({
      userName: "big@x.com",
      customerId: "9007199254740993",
      trafficCount: "5.12E+8",
      residualFlow: "1E-10",
    });
    const page = await client.listCustomers({ pageNum: 1, pageSize: 10, userName: "big@x.com" });
    const row = page.rows.find((r) => r.userName === "big@x.com");
    expect(row?.customerId).toBe("9007199254740993");
    expect(row && formatDecimal(row.trafficCount)).toBe("512000000");
    expect(row && formatDecimal(row.residualFlow)).toBe("0.0000000001");
  });

  it("userName is a substring filter: the answer is a superset", async () => {
    sims.agent.addCustomer({ userName: "qqann@x.io" });
    sims.agent.addCustomer({ userName: "joqqann@x.io" });
    sims.agent.addCustomer({ userName: "QQANN@X.IO.CN" });
    const page = await client.listCustomers({ pageNum: 1, pageSize: 50, userName: "qqann@x.io" });
    expect(page.rows.map((r) => r.userName).sort()).toEqual(["QQANN@X.IO.CN", "joqqann@x.io", "qqann@x.io"]);
  });

  it("an invalid token inside HTTP 200 is auth_failed and is not retried", async () => {
    const bad = new AgentClient({
      listBaseUrl: sims.agent.listBaseUrl,
      token: "not-the-token",
      timeouts: fast,
    });
    const err = await failure(bad.listCustomers({ pageNum: 1, pageSize: 10 }));
    await bad.close();
    expect(err).toMatchObject({
      kind: "auth_failed",
      upstream: "agent",
      endpoint: "customer.list",
      upstreamMessage: "无效的认证令牌",
    });
    expect(sims.agent.log.count("customer.list")).toBe(1);
  });

  it("an incomplete account is rejected, never an empty list", async () => {
    sims.agent.faults.set("customer.list", { kind: "envelope", code: "200", msg: "账号信息不完整" });
    const err = await failure(client.listCustomers({ pageNum: 1, pageSize: 10 }));
    expect(err).toMatchObject({ kind: "rejected", upstreamCode: "200", upstreamMessage: "账号信息不完整" });
    expect(sims.agent.log.count("customer.list")).toBe(1);
  });

  it("code 200 without data is a bad_response", async () => {
    sims.agent.faults.set("customer.list", { kind: "envelope", code: "200", msg: "操作成功" });
    expect(await failure(client.listCustomers({ pageNum: 1, pageSize: 10 }))).toMatchObject({
      kind: "bad_response",
    });
    expect(sims.agent.log.count("customer.list")).toBe(1);
  });

  it("code 500 is unavailable and retried up to maxAttempts", async () => {
    sims.agent.faults.set("customer.list", { kind: "envelope", code: "500", msg: "系统内部错误" });
    expect(await failure(client.listCustomers({ pageNum: 1, pageSize: 10 }))).toMatchObject({
      kind: "unavailable",
      upstreamCode: "500",
    });
    expect(sims.agent.log.count("customer.list")).toBe(3);
  });

  it("a transient HTTP 502 is retried and the read succeeds", async () => {
    sims.agent.faults.set("customer.list", { kind: "http", status: 502 }, 1);
    const page = await client.listCustomers({ pageNum: 1, pageSize: 5 });
    expect(page.rows).toHaveLength(5);
    expect(sims.agent.log.calls.map((c) => c.status)).toEqual([502, 200]);
  });

  it("HTTP 429 is rate_limited with retryAfterMs, retried only when the wait fits the deadline", async () => {
    sims.agent.faults.set("customer.list", {
      kind: "http",
      status: 429,
      body: "{}",
      headers: { "retry-after": "30" },
    });
    const err = await failure(client.listCustomers({ pageNum: 1, pageSize: 5 }));
    expect(err).toMatchObject({ kind: "rate_limited", httpStatus: 429, retryAfterMs: 30_000 });
    expect(sims.agent.log.count("customer.list")).toBe(1);
  });

  it("a malformed body is bad_response, not retried", async () => {
    sims.agent.faults.set("customer.list", { kind: "malformed" });
    expect(await failure(client.listCustomers({ pageNum: 1, pageSize: 5 }))).toMatchObject({
      kind: "bad_response",
    });
    expect(sims.agent.log.count("customer.list")).toBe(1);
  });

  it("a reset connection is unavailable after maxAttempts tries", async () => {
    sims.agent.faults.set("customer.list", { kind: "reset" });
    const err = await failure(client.listCustomers({ pageNum: 1, pageSize: 5 }));
    expect(err).toMatchObject({ kind: "unavailable", ambiguous: false });
    expect(sims.agent.log.count("customer.list")).toBe(3);
  });

  it("a hanging upstream is a timeout that never outlives the caller's deadline", async () => {
    sims.agent.faults.set("customer.list", { kind: "hang" });
    const started = Date.now();
    const err = await failure(
      client.listCustomers({ pageNum: 1, pageSize: 5 }, { deadline: Date.now() + 700 }),
    );
    expect(err.kind).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("a hang is retried while the deadline allows (headersTimeout per attempt)", async () => {
    sims.agent.faults.set("customer.list", { kind: "hang" });
    const started = Date.now();
    const err = await failure(
      client.listCustomers({ pageNum: 1, pageSize: 5 }, { deadline: Date.now() + 2500 }),
    );
    expect(err.kind).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(2800);
    expect(sims.agent.log.count("customer.list")).toBeGreaterThanOrEqual(2);
  });

  it("a refused connection is unavailable", async () => {
    const gone = new AgentClient({
      listBaseUrl: "http://127.0.0.1:9/prod-api",
      token: "t",
      timeouts: fast,
      retry: { maxAttempts: 1 },
    });
    expect(await failure(gone.listCustomers({ pageNum: 1, pageSize: 5 }))).toMatchObject({
      kind: "unavailable",
      ambiguous: false,
    });
    await gone.close();
  });
});

describe("paging over the real list", () => {
  const fetcher =
    (userName?: string): FetchPage<AgentCustomer> =>
    async (pageNum, pageSize) => {
      const page = await client.listCustomers({ pageNum, pageSize, userName });
      return { rows: page.rows, total: page.total };
    };
  const opts = {
    upstream: "agent" as const,
    endpoint: "customer.list",
    maxPageSize: 2000,
    keyOf: (r: AgentCustomer) => r.customerId,
  };

  it("serves a window in one call and never reads the repeated last page as new rows", async () => {
    const all = (await client.listCustomers({ pageNum: 1, pageSize: 1000 })).rows;
    sims.agent.log.reset();
    const win = await fetchRange(fetcher(), 10, 20, opts);
    expect(win.rows.map((r) => r.customerId)).toEqual(all.slice(10, 30).map((r) => r.customerId));
    expect(sims.agent.log.count("customer.list")).toBe(1);
    const past = await fetchRange(fetcher(), all.length + 5, 20, opts);
    expect(past.rows).toEqual([]);
    expect(past.total).toBe(all.length);
  });

  it("learns the page size cap and still returns the exact window", async () => {
    const all = (await client.listCustomers({ pageNum: 1, pageSize: 1000 })).rows;
    sims.agent.pageSizeCap = 7;
    sims.agent.log.reset();
    const win = await fetchRange(fetcher(), 3, 40, opts);
    expect(win.rows.map((r) => r.customerId)).toEqual(all.slice(3, 43).map((r) => r.customerId));
    for (const call of sims.agent.log.calls) {
      const start = (Number(call.params.pageNum) - 1) * Number(call.params.pageSize);
      expect(start).toBeLessThan(all.length);
    }
  });
});

describe("mutations", () => {
  it("addUser creates, then answers taken (201), and taken_by_other_channel (202)", async () => {
    const created = await client.addUser("new.user@example.com");
    expect(created.outcome).toBe("created");
    if (created.outcome !== "created") return;
    expect(created.customerId).toMatch(/^\d+$/);
    expect(created.password.length).toBeGreaterThan(0);
    expect(created.token.length).toBeGreaterThan(0);
    expect(await client.addUser("new.user@example.com")).toEqual({ outcome: "taken" });
    expect(await client.addUser("lisi@q.com")).toEqual({ outcome: "taken_by_other_channel" });
    expect(sims.agent.log.count("addUser")).toBe(3);
  });

  it("updatePwd and changeStatus change the simulator's customer", async () => {
    const target = sims.agent.customers.find((c) => c.channel === "self")!;
    await client.updatePwd(target.customerId, "n3w-Secret!");
    expect(target.password).toBe("n3w-Secret!");
    await client.changeStatus(target.customerId, sims.agent.stateValues.disabled);
    expect(target.state).toBe(sims.agent.stateValues.disabled);
    expect(sims.agent.log.calls.find((c) => c.endpoint === "updatePwd")?.params.password).toBe("***");
  });

  it("a business refusal is rejected with the upstream's code and message", async () => {
    const err = await failure(client.changeStatus("999999999999", 1));
    expect(err).toMatchObject({ kind: "rejected", upstreamCode: "500", ambiguous: false });
    expect(err.upstreamMessage).toBeTruthy();
  });

  it("an invalid token is auth_failed for mutations too", async () => {
    const bad = new AgentClient({
      listBaseUrl: sims.agent.listBaseUrl,
      adminBaseUrl: sims.agent.adminBaseUrl,
      token: "wrong",
      timeouts: fast,
    });
    expect(await failure(bad.updatePwd("1", "x"))).toMatchObject({ kind: "auth_failed", ambiguous: false });
    await bad.close();
  });

  it("addUser without customerId in a code-200 answer is an ambiguous bad_response", async () => {
    sims.agent.faults.set("addUser", { kind: "envelope", code: "200", msg: "操作成功" });
    expect(await failure(client.addUser("x1@example.com"))).toMatchObject({
      kind: "bad_response",
      ambiguous: true,
    });
  });

  it("is sent exactly once on reset, with ambiguous set", async () => {
    sims.agent.faults.set("addUser", { kind: "createThenReset" });
    const err = await failure(client.addUser("reset.user@example.com"));
    expect(err).toMatchObject({ kind: "unavailable", ambiguous: true });
    expect(sims.agent.log.count("addUser")).toBe(1);
    expect(sims.agent.customers.some((c) => c.userName === "reset.user@example.com")).toBe(true);
  });

  it("is sent exactly once on a hang: timeout, ambiguous", async () => {
    sims.agent.faults.set("addUser", { kind: "createThenHang" });
    const err = await failure(client.addUser("hang.user@example.com", { deadline: Date.now() + 1000 }));
    expect(err).toMatchObject({ kind: "timeout", ambiguous: true });
    expect(sims.agent.log.count("addUser")).toBe(1);
  });

  it("HTTP 5xx on a mutation is unavailable, ambiguous, not retried", async () => {
    sims.agent.faults.set("changeStatus", { kind: "http", status: 502 });
    expect(await failure(client.changeStatus("1", 0))).toMatchObject({
      kind: "unavailable",
      ambiguous: true,
      httpStatus: 502,
    });
    sims.agent.faults.set("updatePwd", { kind: "reset" });
    expect(await failure(client.updatePwd("1", "abc"))).toMatchObject({
      kind: "unavailable",
      ambiguous: true,
    });
    expect(sims.agent.log.count("changeStatus")).toBe(1);
    expect(sims.agent.log.count("updatePwd")).toBe(1);
  });
});

describe("secrets", () => {
  it("no error carries the token, a password, or a URL", async () => {
    sims.agent.faults.set("updatePwd", { kind: "hang" });
    errors.push(await failure(client.updatePwd("1", "pw-SECRET-123", { deadline: Date.now() + 400 })));
    expect(errors.length).toBeGreaterThan(10);
    const secrets = [
      sims.agent.token,
      "pw-SECRET-123",
      "n3w-Secret!",
      "127.0.0.1",
      "http://",
      "prod-api",
      "token=",
      "password=",
    ];
    for (const err of errors) {
      const shown = [
        err.message,
        String(err),
        err.stack ?? "",
        JSON.stringify(err),
        err.upstreamMessage ?? "",
      ].join("\n");
      for (const s of secrets) expect(shown).not.toContain(s);
    }
  });
});
