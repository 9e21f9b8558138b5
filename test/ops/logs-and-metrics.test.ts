import { startStack, type TestStack } from "../support/gateway";

type Sample = { name: string; labels: Record<string, string>; value: number };

/** Parses the Prometheus text format into samples. */
function samples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      labels[pair[1] as string] = pair[2] as string;
    out.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return out;
}

describe("operations: logs and metrics", () => {
  let stack: TestStack;
  let scrape: () => Promise<{ text: string; samples: Sample[] }>;

  beforeAll(async () => {
    stack = await startStack();
    scrape = async () => {
      const text = await (await fetch(`http://127.0.0.1:${stack.gateway.metricsPort}/metrics`)).text();
      return { text, samples: samples(text) };
    };
  });
  afterAll(async () => {
    // A whole run's log: no credential of either upstream and no password sent is anywhere in it.
    const log = stack.logText();
    for (const secret of [
      stack.sims.agent.token,
      stack.sims.bridge.apiKey,
      stack.sims.bridge.secretKey,
      "Acc0unted-pw",
    ]) {
      expect(log).not.toContain(secret);
    }
    await stack.close();
  });
  beforeEach(() => {
    stack.sims.agent.faults.clear();
    stack.sims.bridge.faults.clear();
    stack.gateway.circuits.reset();
  });

  it("writes one info record per GraphQL request with the fields of API.md §6", async () => {
    const res = await stack.gql(
      `query TwoCustomers { customers(first: 2) { nodes { id profile { id } } } }`,
      undefined,
      { "x-request-id": "ops-log-1" },
    );
    expect(res.errors).toBeUndefined();
    const records = stack.logs().filter((r) => r.requestId === "ops-log-1");
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      level: "info",
      msg: "graphql request",
      operationName: "TwoCustomers",
      operationType: "query",
      status: 200,
      errorCodes: [],
      sub: null,
      durationMs: expect.any(Number),
    });
    expect(records[0]?.calls).toEqual(expect.any(Object));
  });

  it("writes a request record for requests refused at the edge too, saying why", async () => {
    await fetch(stack.url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "ops-log-2" },
      body: "{ not json",
    });
    const records = stack.logs().filter((r) => r.requestId === "ops-log-2");
    expect(records).toEqual([
      expect.objectContaining({ status: 400, errorCodes: ["BAD_REQUEST"], refused: "body.invalid_json" }),
    ]);
  });

  it("writes one warn record per failed upstream attempt: upstream, endpoint, kind, status, attempt", async () => {
    stack.gateway.services.agentSource.invalidate();
    stack.sims.agent.faults.set("customer.list", { kind: "http", status: 503 }, 2);
    const res = await stack.gql(`{ customers(first: 1) { totalCount } }`, undefined, {
      "x-request-id": "ops-warn-1",
    });
    expect(res.errors).toBeUndefined(); // the third attempt succeeded
    const warns = stack.logs().filter((r) => r.level === "warn" && r.requestId === "ops-warn-1");
    expect(warns).toEqual([
      expect.objectContaining({
        upstream: "agent",
        endpoint: "customer.list",
        errorKind: "unavailable",
        httpStatus: 503,
        attempt: 1,
      }),
      expect.objectContaining({
        upstream: "agent",
        endpoint: "customer.list",
        errorKind: "unavailable",
        httpStatus: 503,
        attempt: 2,
      }),
    ]);
    const request = stack.logs().find((r) => r.requestId === "ops-warn-1" && r.msg === "graphql request");
    // The request's record counts logical calls (a call and its retries once); the warn records and the
    // metrics count every attempt.
    expect(request?.calls).toEqual({ agent: 1 });
  });

  it("counts in gateway_upstream_calls_total exactly the calls the simulators saw", async () => {
    const before = await scrape();
    stack.resetCalls();
    stack.gateway.services.agentSource.invalidate();
    stack.gateway.services.bridgeSource.invalidate();
    stack.sims.bridge.faults.set("customer.page", { kind: "envelope", code: "G500" }, 1);
    await stack.gql(`{ customers(first: 30) { nodes { profile { id } } } }`);
    await stack.gql(`mutation { changeStatus(customerId: "1001", state: ACTIVE) { customerId } }`);
    await stack.gql(`{ customerByUserName(userName: "nobody-here@example.com") { id } }`);
    const after = await scrape();
    const simulated = stack.calls();

    const delta = (upstream: string, endpoint: string) => {
      const sum = (s: Sample[]) =>
        s
          .filter(
            (x) =>
              x.name === "gateway_upstream_calls_total" &&
              x.labels.upstream === upstream &&
              x.labels.endpoint === endpoint,
          )
          .reduce((a, x) => a + x.value, 0);
      return sum(after.samples) - sum(before.samples);
    };
    for (const upstream of ["agent", "bridge"] as const) {
      for (const [endpoint, count] of Object.entries(simulated[upstream])) {
        expect([upstream, endpoint, delta(upstream, endpoint)]).toEqual([upstream, endpoint, count]);
      }
    }
    expect(simulated.agent.changeStatus).toBe(1);
    expect(simulated.bridge["customer.page"]).toBeGreaterThan(1);
    // The envelope error is counted under its kind.
    const failed = after.samples.find(
      (x) =>
        x.name === "gateway_upstream_calls_total" &&
        x.labels.upstream === "bridge" &&
        x.labels.outcome === "unavailable",
    );
    expect(failed?.value).toBeGreaterThanOrEqual(1);
  });

  it("moves the Bridge budget gauge with Bridge calls and exposes index ages and request counts", async () => {
    const gauge = (s: Sample[]) => s.find((x) => x.name === "gateway_bridge_budget_remaining")?.value;
    const before = gauge((await scrape()).samples) as number;
    stack.gateway.services.bridgeSource.invalidate();
    stack.resetCalls();
    await stack.gql(`{ bridgeProfile(customerNo: "does-not-exist-1") { id } }`);
    const bridgeCalls = Object.values(stack.calls().bridge).reduce((a, n) => a + n, 0);
    expect(bridgeCalls).toBeGreaterThan(0);
    const { samples: s, text } = await scrape();
    expect(gauge(s)).toBe(before - bridgeCalls);
    expect(
      s.find((x) => x.name === "gateway_index_age_seconds" && x.labels.index === "agent.customers")?.value,
    ).toBeGreaterThanOrEqual(0);
    expect(
      s.some(
        (x) =>
          x.name === "gateway_graphql_requests_total" &&
          x.labels.operation_type === "query" &&
          x.labels.outcome === "ok",
      ),
    ).toBe(true);
    expect(
      s.some((x) => x.name === "gateway_graphql_requests_total" && x.labels.operation_type === "mutation"),
    ).toBe(true);
    expect(s.some((x) => x.name === "gateway_graphql_request_duration_seconds_bucket")).toBe(true);
    expect(s.some((x) => x.name === "gateway_upstream_call_duration_seconds_count")).toBe(true);
    expect(s.some((x) => x.name === "gateway_upstream_circuit_open")).toBe(true);
    expect(text).toContain("process_cpu_user_seconds_total");
    expect(text).toContain("nodejs_eventloop_lag_seconds");
  });

  it("puts no caller data in any label, and serves metrics only on the metrics port", async () => {
    await stack.gql(
      `{ customerByUserName(userName: "label-probe@example.com") { id } customer(id: "4242") { id } }`,
      undefined,
      {
        "x-request-id": "label-probe-request",
      },
    );
    const { samples: s } = await scrape();
    const values = new Set(s.flatMap((x) => Object.values(x.labels)));
    for (const v of values) expect(v).toMatch(/^[\w.:+-]*$/);
    expect([...values]).not.toEqual(expect.arrayContaining(["label-probe@example.com"]));
    expect([...values]).not.toContain("4242");
    expect([...values]).not.toContain("label-probe-request");
    const labelNames = new Set(s.flatMap((x) => Object.keys(x.labels)));
    for (const name of labelNames) {
      expect([
        "operation_type",
        "outcome",
        "upstream",
        "endpoint",
        "index",
        "le",
        "version",
        "major",
        "minor",
        "patch",
        "type",
        "space",
        "kind",
      ]).toContain(name);
    }
    const onPublicPort = await fetch(new URL("/metrics", stack.url));
    expect(onPublicPort.status).toBe(404);
  });

  it("counts mutations in the debug accounting too", async () => {
    const res = await stack.gql(
      `mutation { updatePwd(customerId: "1001", password: "Acc0unted-pw") { customerId } }`,
      undefined,
      {
        "x-gateway-debug": "1",
      },
    );
    expect(res.extensions?.gateway).toMatchObject({ calls: { "agent:updatePwd": 1 } });
  });

  it("answers the probes: live, and ready with each upstream's state", async () => {
    const live = await fetch(new URL("/health/live", stack.url));
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: "ok" });
    const ready = await fetch(new URL("/health/ready", stack.url));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready", upstreams: { agent: "ok", bridge: "ok" } });
  });

  it("reports a refused agent token in readiness without failing it", async () => {
    stack.gateway.services.agentSource.invalidate();
    stack.sims.agent.faults.set("customer.list", { kind: "envelope", code: "200", msg: "无效的认证令牌" });
    const res = await stack.gql(`{ customers(first: 1) { totalCount } }`);
    expect(res.errors?.[0]?.extensions.code).toBe("UPSTREAM_AUTH_FAILED");
    const ready = await fetch(new URL("/health/ready", stack.url));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: "ready",
      upstreams: { agent: "auth_failed", bridge: "ok" },
    });
    stack.sims.agent.faults.clear();
    stack.gateway.services.agentSource.invalidate();
    // The refusal stopped agent calls for a minute (test/graphql/circuit-breaker.test.ts moves a clock
    // through that wait); here the token is simply accepted again.
    stack.gateway.circuits.reset();
    await stack.gql(`{ customers(first: 1) { totalCount } }`);
    expect(
      ((await (await fetch(new URL("/health/ready", stack.url))).json()) as { upstreams: unknown }).upstreams,
    ).toEqual({
      agent: "ok",
      bridge: "ok",
    });
  });
});
