import { startStack, type TestStack } from "../support/gateway";

const PAGE = `{ customers(first: 5) { totalCount nodes { id traffic { usedMb } profile { id } } } }`;
const SECRETS = (stack: TestStack) => [
  stack.sims.agent.token,
  stack.sims.bridge.apiKey,
  stack.sims.bridge.secretKey.slice(0, 40),
  "127.0.0.1",
  "/prod-api",
  "/webhook",
  "signature",
];

describe("upstream failures: the right code, the other upstream's data intact, nothing leaked", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({
      env: {
        GATEWAY_TRAFFIC_MAX_AGE_MS: "0",
        GATEWAY_PROFILE_MAX_AGE_MS: "0",
        // These cases are about the errors themselves: no kept data answers in their place.
        GATEWAY_STALE_IF_ERROR_MS: "0",
        GATEWAY_REQUEST_TIMEOUT_MS: "1500",
      },
    });
  });
  afterAll(() => stack.close());
  beforeEach(async () => {
    stack.resetCalls();
    stack.sims.agent.faults.clear();
    stack.sims.bridge.faults.clear();
    await stack.gateway.budget.reset();
    // Each case on closed circuit breakers: a case's failures would otherwise stop the next case's calls.
    stack.gateway.circuits.reset();
  });

  const bridgeCases: [string, Parameters<TestStack["sims"]["bridge"]["faults"]["set"]>[1], string][] = [
    ["HTTP 503", { kind: "http", status: 503 }, "UPSTREAM_UNAVAILABLE"],
    ["WAF 403", { kind: "http", status: 403 }, "UPSTREAM_UNAVAILABLE"],
    [
      "signature refused inside HTTP 200",
      { kind: "envelope", code: "00012001", msg: "签名错误" },
      "UPSTREAM_AUTH_FAILED",
    ],
    ["HTTP 401", { kind: "http", status: 401 }, "UPSTREAM_AUTH_FAILED"],
    ["malformed body", { kind: "malformed" }, "UPSTREAM_BAD_RESPONSE"],
    ["connection reset", { kind: "reset" }, "UPSTREAM_UNAVAILABLE"],
    ["hang", { kind: "hang" }, "UPSTREAM_TIMEOUT"],
    ["HTTP 429", { kind: "http", status: 429, headers: { "retry-after": "30" } }, "UPSTREAM_RATE_LIMITED"],
  ];

  it.each(bridgeCases)(
    "Bridge %s: every customer keeps its traffic, profile is null with one error per path",
    async (_name, fault, code) => {
      stack.sims.bridge.faults.set("*", fault);
      const res = await stack.gql(PAGE);
      expect(res.data.customers.totalCount).toBeGreaterThan(0);
      expect(res.data.customers.nodes).toHaveLength(5);
      for (const node of res.data.customers.nodes) {
        expect(node.traffic.usedMb).toMatch(/^-?\d+(\.\d+)?$/);
        expect(node.profile).toBeNull();
      }
      expect(res.errors).toHaveLength(5);
      res.errors?.forEach((error, i) => {
        expect(error.path).toEqual(["customers", "nodes", i, "profile"]);
        expect(error.extensions).toMatchObject({ code, upstream: "bridge" });
      });
      const text = JSON.stringify(res);
      for (const secret of SECRETS(stack)) expect(text).not.toContain(secret);
    },
  );

  it("a 429 from Bridge is not retried past the budget and closes the gate", async () => {
    stack.sims.bridge.faults.set("*", { kind: "http", status: 429, headers: { "retry-after": "30" } }, 1);
    await stack.gql(PAGE);
    const afterFirst = stack.calls().bridge["customer.page"] ?? 0;
    expect(afterFirst).toBe(1);
    // The gate stays closed for Retry-After: the next request does not call Bridge at all.
    const res = await stack.gql(PAGE);
    expect(stack.calls().bridge["customer.page"]).toBe(1);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: "UPSTREAM_RATE_LIMITED", upstream: "bridge" });
  });

  it("a 418 ban without headers closes the gate for the ban's length: no further Bridge call", async () => {
    stack.sims.bridge.faults.set("*", { kind: "http", status: 418 }, 1);
    const first = await stack.gql(PAGE);
    expect(first.errors?.[0]?.extensions).toMatchObject({
      code: "UPSTREAM_RATE_LIMITED",
      upstream: "bridge",
    });
    const second = await stack.gql(PAGE);
    expect(second.errors?.[0]?.extensions).toMatchObject({
      code: "UPSTREAM_RATE_LIMITED",
      upstream: "bridge",
    });
    expect(stack.calls().bridge["customer.page"]).toBe(1);
    expect(await stack.gateway.budget.available()).toBe(0);
  });

  const agentCases: [string, Parameters<TestStack["sims"]["agent"]["faults"]["set"]>[1], string][] = [
    [
      "invalid token inside HTTP 200",
      { kind: "envelope", code: "200", msg: "无效的认证令牌" },
      "UPSTREAM_AUTH_FAILED",
    ],
    [
      "code 500 inside HTTP 200",
      { kind: "envelope", code: "500", msg: "系统内部错误" },
      "UPSTREAM_UNAVAILABLE",
    ],
    ["HTTP 502", { kind: "http", status: 502 }, "UPSTREAM_UNAVAILABLE"],
    ["malformed body", { kind: "malformed" }, "UPSTREAM_BAD_RESPONSE"],
    ["hang", { kind: "hang" }, "UPSTREAM_TIMEOUT"],
  ];

  it.each(agentCases)(
    "agent %s: a coded error naming the agent, nothing leaked",
    async (_name, fault, code) => {
      stack.sims.agent.faults.set("customer.list", fault);
      const res = await stack.gql(PAGE);
      expect(res.data).toBeNull();
      expect(res.errors?.[0]?.extensions).toMatchObject({ code, upstream: "agent" });
      const text = JSON.stringify(res);
      for (const secret of SECRETS(stack)) expect(text).not.toContain(secret);
    },
  );

  it("retries a transient agent read failure and then succeeds", async () => {
    stack.sims.agent.faults.set("customer.list", { kind: "http", status: 502 }, 1);
    const res = await stack.gql(PAGE);
    expect(res.errors).toBeUndefined();
    expect(stack.calls().agent["customer.list"]).toBe(2);
  });

  it("an agent failure under BridgeProfile.customer keeps the Bridge data", async () => {
    stack.sims.agent.faults.set("customer.list", { kind: "http", status: 503 });
    const res = await stack.gql(`{ bridgeProfiles(first: 3) { nodes { id customer { id } } } }`);
    expect(res.data.bridgeProfiles.nodes).toHaveLength(3);
    for (const node of res.data.bridgeProfiles.nodes)
      expect(node).toMatchObject({ id: expect.any(String), customer: null });
    expect(res.errors).toHaveLength(3);
    for (const error of res.errors ?? [])
      expect(error.extensions).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", upstream: "agent" });
  });
});
