import { BREAKER_SETTINGS } from "../../src/upstreams/breaker";
import { startStack, type GqlResponse, type GqlData, type TestStack } from "../support/gateway";

/**
 * API.md §6 "Failing upstreams", over real HTTP against the simulators: while an endpoint fails, the
 * gateway stops calling it and sends one probe per open period; a refused credential stops its upstream
 * at once. Time is the breakers' injected clock, moved by the test: counts are asserted, never wall time.
 */

const CLIENTS = 16;
const TOKEN_REFUSED = { kind: "envelope", code: "200", msg: "无效的认证令牌" } as const;
const SIGNATURE_REFUSED = { kind: "envelope", code: "00012001", msg: "签名错误" } as const;

/** Reads that each need the agent list, on distinct keys so that no coalescing hides a call. */
function agentRead(i: number): string {
  switch (i % 3) {
    case 0:
      return `{ customers(first: 5) { nodes { id traffic { usedMb } } } }`;
    case 1:
      return `{ customer(id: "${900_000 + i}") { id } }`;
    default:
      return `{ customerByUserName(userName: "nobody-${i}@example.com") { id } }`;
  }
}

const ADD_USER = `mutation($u: String!) { addUser(userName: $u) {
  credentials { customerId } userErrors { code message } } }`;
const CHANGE_STATUS = `mutation($id: ID!, $s: CustomerState!) { changeStatus(customerId: $id, state: $s) {
  userErrors { code message } } }`;
const PAGE_WITH_PROFILES = `{ customers(first: 5) { nodes { id traffic { usedMb } profile { id } } } }`;

describe("circuit breakers (API.md §6 Failing upstreams)", () => {
  let stack: TestStack;
  let now = 1_700_000_000_000;
  const advance = (ms: number) => {
    now += ms;
  };
  let requestNo = 0;

  /** `CLIENTS` clients, each sending `perClient` requests one after another; returns every answer. */
  async function clients(perClient: number, query: (i: number) => string): Promise<GqlResponse<GqlData>[]> {
    const answers: GqlResponse<GqlData>[] = [];
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        for (let k = 0; k < perClient; k++) answers.push(await stack.gql(query(requestNo++)));
      }),
    );
    return answers;
  }

  const agentCalls = () => stack.sims.agent.log.arrivals();
  const bridgeCalls = () => stack.sims.bridge.log.arrivals();
  async function circuitGauge(upstream: string, endpoint: string): Promise<number | undefined> {
    const text = await (await fetch(`http://127.0.0.1:${stack.gateway.metricsPort}/metrics`)).text();
    const line = text
      .split("\n")
      .find((l) =>
        l.startsWith(`gateway_upstream_circuit_open{upstream="${upstream}",endpoint="${endpoint}"}`),
      );
    return line === undefined ? undefined : Number(line.split(" ").at(-1));
  }
  async function readiness(): Promise<unknown> {
    const res = await fetch(new URL("/health/ready", stack.url));
    expect(res.status).toBe(200);
    return ((await res.json()) as { upstreams: unknown }).upstreams;
  }
  /** The breakers' log records of the running test. */
  let logsBefore = 0;
  const circuitLogs = () =>
    stack
      .logs()
      .slice(logsBefore)
      .filter((r) => typeof r.msg === "string" && r.msg.startsWith("upstream circuit"));

  beforeAll(async () => {
    stack = await startStack({
      env: {
        // Every read goes to the upstream (no reuse within a freshness bound), and one client address
        // may send as much as it likes: only the breaker may hold calls back.
        GATEWAY_TRAFFIC_MAX_AGE_MS: "0",
        GATEWAY_PROFILE_MAX_AGE_MS: "0",
        // These cases are about the errors themselves: no kept data answers in their place.
        GATEWAY_STALE_IF_ERROR_MS: "0",
        GATEWAY_CALLER_RATE_LIMIT_PER_MIN: "0",
        GATEWAY_REQUEST_TIMEOUT_MS: "3000",
      },
      start: { circuits: { now: () => now } },
    });
  });
  afterAll(() => stack.close());
  beforeEach(async () => {
    stack.sims.agent.faults.clear();
    stack.sims.bridge.faults.clear();
    stack.gateway.circuits.reset();
    await stack.gateway.budget.reset();
    stack.resetCalls();
    advance(3_600_000);
    logsBefore = stack.logs().length;
  });

  it("16 clients against an agent answering malformed bodies: calls stop after a few failures, then one probe per open period", async () => {
    stack.sims.agent.faults.set("*", { kind: "malformed" });
    // Ten simulated seconds: a round of 16 clients × 2 requests, then the clock moves by one second.
    const answers: GqlResponse<GqlData>[] = [];
    answers.push(...(await clients(2, agentRead)));
    const openedAfter = agentCalls();
    // It opened after 5 consecutive failures; the requests already in flight then could still finish.
    expect(openedAfter).toBeGreaterThanOrEqual(BREAKER_SETTINGS.endpointFailuresToOpen);
    expect(openedAfter).toBeLessThanOrEqual(BREAKER_SETTINGS.endpointFailuresToOpen + 2 * CLIENTS);
    const perSecond: number[] = [];
    for (let second = 1; second <= 10; second++) {
      advance(1000);
      const before = agentCalls();
      answers.push(...(await clients(2, agentRead)));
      perSecond.push(agentCalls() - before);
    }
    // One probe each time the 5 s period ends (seconds 5 and 10), nothing in between.
    expect({ openedAfter, perSecond }).toEqual({ openedAfter, perSecond: [0, 0, 0, 0, 1, 0, 0, 0, 0, 1] });
    expect(answers).toHaveLength(11 * CLIENTS * 2);
    expect(agentCalls()).toBe(openedAfter + 2);

    // Fast failures say UPSTREAM_UNAVAILABLE with the circuit named; the real ones said why.
    const codes = new Set(answers.flatMap((a) => (a.errors ?? []).map((e) => e.extensions.code)));
    expect([...codes].sort()).toEqual(["UPSTREAM_BAD_RESPONSE", "UPSTREAM_UNAVAILABLE"]);
    const fast = answers.flatMap((a) => a.errors ?? []).filter((e) => e.extensions.circuitOpen === true);
    expect(fast.length).toBeGreaterThan(300);
    for (const e of fast) {
      expect(e.extensions).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", upstream: "agent" });
      expect(e.extensions.retryAfterSeconds).toEqual(expect.any(Number));
    }
    expect(await circuitGauge("agent", "customer.list")).toBe(1);
    expect(await circuitGauge("agent", "addUser")).toBe(0);
    expect(await readiness()).toEqual({ agent: "circuit_open", bridge: "ok" });
    // One warn for the whole outage, whatever the number of failed probes.
    expect(circuitLogs()).toEqual([
      expect.objectContaining({
        level: "warn",
        upstream: "agent",
        endpoint: "customer.list",
        errorKind: "bad_response",
        openForMs: BREAKER_SETTINGS.endpointOpenMs,
      }),
    ]);

    // Recovery: the next probe succeeds, the circuit closes, every read is served again.
    stack.sims.agent.faults.clear();
    advance(BREAKER_SETTINGS.endpointOpenMs);
    const recovered = await clients(2, agentRead);
    for (const res of recovered) expect(res.errors).toBeUndefined();
    expect(await circuitGauge("agent", "customer.list")).toBe(0);
    expect(await readiness()).toEqual({ agent: "ok", bridge: "ok" });
    expect(circuitLogs().map((r) => [r.level, r.endpoint])).toEqual([
      ["warn", "customer.list"],
      ["info", "customer.list"],
    ]);
  });

  it("a refused agent token stops every agent call at once; one probe per (longer) period; recovery closes it", async () => {
    stack.sims.agent.faults.set("*", TOKEN_REFUSED);
    // The first refusal opens it: the request that met it is the last one to reach the agent.
    const first = await stack.gql(agentRead(0));
    expect(first.errors?.[0]?.extensions).toMatchObject({ code: "UPSTREAM_AUTH_FAILED", upstream: "agent" });
    expect(first.errors?.[0]?.extensions.circuitOpen).toBeUndefined();
    expect(agentCalls()).toBe(1);

    const hammered = await clients(5, agentRead);
    expect(agentCalls()).toBe(1);
    for (const res of hammered) {
      expect(res.errors?.[0]?.extensions).toMatchObject({
        code: "UPSTREAM_AUTH_FAILED",
        upstream: "agent",
        circuitOpen: true,
        retryAfterSeconds: BREAKER_SETTINGS.credentialsOpenMs / 1000,
      });
    }
    expect(await readiness()).toEqual({ agent: "auth_failed", bridge: "ok" });
    for (const endpoint of ["customer.list", "addUser", "updatePwd", "changeStatus"]) {
      expect(await circuitGauge("agent", endpoint)).toBe(1);
    }
    expect(await circuitGauge("bridge", "customer.page")).toBe(0);

    // An endpoint's short period changes nothing: the credentials' period is the longer one.
    advance(BREAKER_SETTINGS.endpointOpenMs);
    await clients(2, agentRead);
    expect(agentCalls()).toBe(1);

    // When it ends, 16 clients at once send one probe between them; refused again, the wait doubles.
    advance(BREAKER_SETTINGS.credentialsOpenMs - BREAKER_SETTINGS.endpointOpenMs);
    await clients(2, agentRead);
    expect(agentCalls()).toBe(2);
    advance(BREAKER_SETTINGS.credentialsOpenMs);
    await clients(2, agentRead);
    expect(agentCalls()).toBe(2);
    advance(BREAKER_SETTINGS.credentialsOpenMs);

    // The vendor accepts the token again: the probe succeeds and everything flows.
    stack.sims.agent.faults.clear();
    const recovered = await clients(2, agentRead);
    for (const res of recovered) expect(res.errors).toBeUndefined();
    expect(agentCalls()).toBeGreaterThan(3);
    expect(await readiness()).toEqual({ agent: "ok", bridge: "ok" });
    expect(await circuitGauge("agent", "addUser")).toBe(0);
    expect(circuitLogs().map((r) => [r.level, r.upstream, r.circuit])).toEqual([
      ["warn", "agent", "credentials"],
      ["info", "agent", "credentials"],
    ]);
    // Not the token, not a URL.
    const logText = stack.logText();
    expect(logText).not.toContain(stack.sims.agent.token);
    expect(logText).not.toContain("/prod-api");
  });

  it("a mutation while the agent's credentials circuit is open fails at once: nothing is sent", async () => {
    stack.sims.agent.faults.set("*", TOKEN_REFUSED);
    await stack.gql(agentRead(0));
    stack.resetCalls();
    const res = await stack.gql(ADD_USER, { u: "new-customer@example.com" });
    expect(res.data).toBeNull();
    expect(res.errors?.[0]?.extensions).toMatchObject({
      code: "UPSTREAM_AUTH_FAILED",
      upstream: "agent",
      circuitOpen: true,
    });
    expect(agentCalls()).toBe(0);
  });

  it("a mutation while its endpoint's circuit is open fails at once with UPSTREAM_UNAVAILABLE, never OUTCOME_UNKNOWN", async () => {
    stack.sims.agent.faults.set("changeStatus", { kind: "http", status: 503 });
    // 5xx after sending: the outcome of each of these is unknown, and each one counts against the endpoint.
    for (let i = 0; i < BREAKER_SETTINGS.endpointFailuresToOpen; i++) {
      const res = await stack.gql(CHANGE_STATUS, { id: "1", s: "DISABLED" });
      expect(res.errors?.[0]?.extensions.code).toBe("OUTCOME_UNKNOWN");
    }
    expect(stack.sims.agent.log.arrivals("changeStatus")).toBe(BREAKER_SETTINGS.endpointFailuresToOpen);
    stack.resetCalls();
    const refused = await stack.gql(CHANGE_STATUS, { id: "1", s: "DISABLED" });
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: "UPSTREAM_UNAVAILABLE",
      upstream: "agent",
      circuitOpen: true,
    });
    expect(agentCalls()).toBe(0);
    // Only that endpoint: reads and the other mutations still reach the agent.
    const read = await stack.gql(agentRead(0));
    expect(read.errors).toBeUndefined();
    expect(stack.sims.agent.log.arrivals("customer.list")).toBeGreaterThan(0);
    expect(await circuitGauge("agent", "changeStatus")).toBe(1);
    expect(await circuitGauge("agent", "updatePwd")).toBe(0);
  });

  it("business refusals inside HTTP 200 never open a circuit", async () => {
    const taken = stack.sims.agent.customers[0]?.userName as string;
    for (let i = 0; i < 3 * BREAKER_SETTINGS.endpointFailuresToOpen; i++) {
      const res = await stack.gql(ADD_USER, { u: taken });
      expect(res.data.addUser.userErrors[0].code).toBe("USERNAME_TAKEN");
    }
    for (let i = 0; i < 3 * BREAKER_SETTINGS.endpointFailuresToOpen; i++) {
      const res = await stack.gql(CHANGE_STATUS, { id: "987654321987", s: "ACTIVE" });
      expect(res.data.changeStatus.userErrors[0].code).toBe("REJECTED");
    }
    expect(stack.sims.agent.log.arrivals("addUser")).toBe(15);
    expect(stack.sims.agent.log.arrivals("changeStatus")).toBe(15);
    expect(stack.gateway.circuits.status().every((s) => !s.open)).toBe(true);
  });

  it("a Bridge signature refusal opens Bridge's circuit at once: traffic still served, profiles get their error, no budget spent", async () => {
    stack.sims.bridge.faults.set("*", SIGNATURE_REFUSED);
    const first = await stack.gql(PAGE_WITH_PROFILES);
    expect(bridgeCalls()).toBe(1);
    expect(first.errors?.[0]?.extensions).toMatchObject({ code: "UPSTREAM_AUTH_FAILED", upstream: "bridge" });
    const budget = await stack.gateway.budget.available();

    const answers = await clients(3, () => PAGE_WITH_PROFILES);
    expect(bridgeCalls()).toBe(1);
    expect(await stack.gateway.budget.available()).toBe(budget);
    for (const res of answers) {
      expect(res.data.customers.nodes).toHaveLength(5);
      res.data.customers.nodes.forEach((node: GqlData, i: number) => {
        expect(node.traffic.usedMb).toMatch(/^-?\d+(\.\d+)?$/);
        expect(node.profile).toBeNull();
        expect(res.errors?.[i]).toMatchObject({
          path: ["customers", "nodes", i, "profile"],
          extensions: { code: "UPSTREAM_AUTH_FAILED", upstream: "bridge", circuitOpen: true },
        });
      });
    }
    expect(await readiness()).toEqual({ agent: "ok", bridge: "auth_failed" });
    expect(await circuitGauge("bridge", "customer.page")).toBe(1);
    expect(await circuitGauge("agent", "customer.list")).toBe(0);
    expect(JSON.stringify(answers)).not.toContain(stack.sims.bridge.apiKey);
  });

  it("Bridge rate limiting (429) does not open the circuit: the budget's gate owns it", async () => {
    stack.sims.bridge.faults.set("*", { kind: "http", status: 429 });
    for (let i = 0; i < 2 * BREAKER_SETTINGS.endpointFailuresToOpen; i++) {
      // Each 429 closes the budget's gate for a minute; reopened here to reach the upstream again.
      await stack.gateway.budget.reset();
      const res = await stack.gql(PAGE_WITH_PROFILES);
      expect(res.errors?.[0]?.extensions).toMatchObject({
        code: "UPSTREAM_RATE_LIMITED",
        upstream: "bridge",
      });
    }
    expect(bridgeCalls()).toBe(2 * BREAKER_SETTINGS.endpointFailuresToOpen);
    expect(stack.gateway.circuits.status().every((s) => !s.open)).toBe(true);
  });
});
