import { startStack, type TestStack } from "../support/gateway";

/**
 * The canonical query shapes and the fewest upstream calls the upstream APIs allow for each: 2500 agent
 * customers behind a hidden page cap of 1000 (a scan costs 3 calls), 2500 Bridge profiles at the
 * documented page maximum of 2000 (a scan costs 2 calls, and the link field has no upstream filter).
 */
const AGENT_SCAN = 3;
const BRIDGE_SCAN = 2;
const DEBUG = { "x-gateway-debug": "1" };

interface Accounting {
  calls: Record<string, number>;
  sharedCalls: Record<string, number>;
  indexHits: Record<string, number>;
  plans: string[];
}

describe("planned upstream calls per canonical query shape", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({
      sims: {
        dataset: { agentCustomers: 2500, bridgeProfiles: 2500, seed: 11 },
        agent: { pageSizeCap: 1000 },
      },
      // Each test starts cold (beforeEach invalidates); a 30 s traffic bound keeps a burst's counts
      // independent of how long a loaded machine takes to serve it (at 2 s, a refresh-ahead scan
      // could start mid-burst on a busy CI box).
      env: { GATEWAY_REQUEST_TIMEOUT_MS: "10000", GATEWAY_TRAFFIC_MAX_AGE_MS: "30000" },
    });
  });
  afterAll(() => stack.close());
  beforeEach(() => {
    stack.gateway.services.agentSource.invalidate();
    stack.gateway.services.bridgeSource.invalidate();
    stack.resetCalls();
  });

  async function run(query: string): Promise<Accounting> {
    const res = await stack.gql(query, undefined, DEBUG);
    expect(res.errors).toBeUndefined();
    return res.extensions?.gateway as Accounting;
  }

  it("first 50 customers with traffic only: one agent call, no Bridge call", async () => {
    const acc = await run(`{ customers(first: 50) { nodes { id traffic { usedMb } } } }`);
    expect(stack.calls()).toEqual({ agent: { "customer.list": 1 }, bridge: {} });
    expect(acc.calls).toEqual({ "agent:customer.list": 1 });
  });

  it("first 50 customers with profiles: cold one agent call + one Bridge scan; warm (within both freshness bounds) none", async () => {
    const q = `{ customers(first: 50) { nodes { id profile { id } profiles { id } } } }`;
    await run(q);
    expect(stack.calls()).toEqual({
      agent: { "customer.list": 1 },
      bridge: { "customer.page": BRIDGE_SCAN },
    });
    stack.resetCalls();
    const warm = await run(q);
    expect(stack.calls()).toEqual({ agent: {}, bridge: {} });
    expect(warm.indexHits["bridge.profiles"]).toBeGreaterThan(0);
    expect(warm.indexHits["agent:customer.list"]).toBe(1);
  });

  it("20 aliased user-name lookups: min(20 filtered calls, one scan), batched into one plan", async () => {
    const names = stack.sims.agent.customers.slice(100, 120).map((c) => c.userName.toUpperCase());
    const q = `{ ${names.map((n, i) => `c${i}: customerByUserName(userName: "${n}") { id userName }`).join(" ")} }`;
    const res = await stack.gql(q, undefined, DEBUG);
    expect(res.errors).toBeUndefined();
    names.forEach((n, i) => expect(res.data[`c${i}`].userName.toUpperCase()).toBe(n));
    // Issue 8 §3 allows per-key lookups up to the number of keys when they are sooner: cold (total
    // unknown), 20 filtered calls in parallel take one round trip, a probe and the scan's rest two.
    expect(stack.calls().agent["customer.list"]).toBe(20);
    // With the total known, 2 names cost 2 filtered calls, not a 3-call scan.
    stack.gateway.services.agentSource.invalidate();
    stack.resetCalls();
    const two = await stack.gql(
      `{ a: customerByUserName(userName: "${names[0]}") { id } b: customerByUserName(userName: "${names[1]}") { id } }`,
    );
    expect(two.errors).toBeUndefined();
    expect(stack.calls().agent["customer.list"]).toBe(2);
  });

  it("50 Bridge profiles with their customers' traffic: one Bridge call + one agent scan", async () => {
    const acc = await run(
      `{ bridgeProfiles(first: 50) { nodes { id customer { id traffic { usedMb } } } } }`,
    );
    expect(stack.calls()).toEqual({ agent: { "customer.list": AGENT_SCAN }, bridge: { "customer.page": 1 } });
    expect(acc.plans.some((p) => p.startsWith("agent.byId: scan"))).toBe(true);
  });

  it("200 concurrent single-customer lookups share one agent scan", async () => {
    const ids = stack.sims.agent.customers.slice(0, 200).map((c) => c.customerId);
    const results = await Promise.all(ids.map((id) => stack.gql(`{ customer(id: "${id}") { id } }`)));
    results.forEach((res, i) => expect(res.data.customer).toEqual({ id: ids[i] }));
    expect(stack.calls().agent["customer.list"]).toBe(AGENT_SCAN);
  });

  it("identical reads in flight at once are made once (coalescing across requests)", async () => {
    const q = `{ customers(first: 10, after: "${Buffer.from("o:39").toString("base64url")}") { nodes { id } } }`;
    stack.sims.agent.latencyMs = 100;
    try {
      const results = await Promise.all(Array.from({ length: 25 }, () => stack.gql(q, undefined, DEBUG)));
      for (const res of results) expect(res.data.customers.nodes).toHaveLength(10);
      expect(stack.calls().agent["customer.list"]).toBe(1);
      const shared = results.filter(
        (r) => (r.extensions?.gateway as Accounting).sharedCalls["agent:customer.list"] === 1,
      );
      expect(shared).toHaveLength(24);
    } finally {
      stack.sims.agent.latencyMs = 0;
    }
  });

  it("mutations are never coalesced: two identical concurrent updatePwd calls reach the upstream twice", async () => {
    const id = stack.sims.agent.customers[0]?.customerId;
    const m = `mutation { updatePwd(customerId: "${id}", password: "Same-Pass-1") { customerId userErrors { code } } }`;
    stack.sims.agent.latencyMs = 50;
    try {
      await Promise.all([stack.gql(m), stack.gql(m)]);
    } finally {
      stack.sims.agent.latencyMs = 0;
    }
    expect(stack.calls().agent.updatePwd).toBe(2);
  });

  it("the accounting stays out of responses unless the caller asks", async () => {
    const res = await stack.gql(`{ customers(first: 1) { totalCount } }`);
    expect(res.extensions).toBeUndefined();
  });
});
