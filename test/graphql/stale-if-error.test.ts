import { ManualClock } from "../support/clock";
import { startStack, type TestStack } from "../support/gateway";

/**
 * Stale if error (API.md §6): a read whose upstream fails, or whose circuit is open, is answered from
 * the last good data younger than GATEWAY_STALE_IF_ERROR_MS, listed in `extensions.stale` with its age in
 * whole seconds (rounded down), without an error. Time is a manual clock: the freshness bounds are 1 s,
 * the stale bound 10 s.
 */
const FRESH_MS = 1000;
const STALE_MS = 10_000;

function env(staleMs: number): Record<string, string> {
  return {
    GATEWAY_TRAFFIC_MAX_AGE_MS: String(FRESH_MS),
    GATEWAY_PROFILE_MAX_AGE_MS: String(FRESH_MS),
    GATEWAY_STALE_IF_ERROR_MS: String(staleMs),
    GATEWAY_REQUEST_TIMEOUT_MS: "1500",
    GATEWAY_CALLER_RATE_LIMIT_PER_MIN: "0",
  };
}

async function freshStart(stack: TestStack): Promise<void> {
  stack.gateway.services.agentSource.invalidate();
  stack.gateway.services.bridgeSource.invalidate();
  stack.sims.agent.faults.clear();
  stack.sims.bridge.faults.clear();
  stack.gateway.circuits.reset();
  await stack.gateway.budget.reset();
  stack.resetCalls();
}

const agentArrivals = (stack: TestStack) => stack.sims.agent.log.arrivals("customer.list");
const bridgeArrivals = (stack: TestStack) => stack.sims.bridge.log.arrivals("customer.page");

describe("stale if error", () => {
  let stack: TestStack;
  const clock = new ManualClock();
  beforeAll(async () => {
    stack = await startStack({ env: env(STALE_MS), start: { clock } });
  });
  afterAll(() => stack.close());
  beforeEach(() => freshStart(stack));

  const byId = (id: string) => `{ customer(id: "${id}") { id userName traffic { usedMb } } }`;
  const someId = () => stack.sims.agent.customers[42]?.customerId ?? "";

  it("agent 5xx past the freshness bound: the index's last generation answers, extensions.stale says how old", async () => {
    const warm = await stack.gql(byId(someId()));
    expect(warm.errors).toBeUndefined();
    expect(warm.extensions?.stale).toBeUndefined();
    expect(agentArrivals(stack)).toBe(1);
    clock.advance(2500);
    stack.sims.agent.faults.set("customer.list", { kind: "http", status: 502 });
    stack.resetCalls();
    const res = await stack.gql(byId(someId()));
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual(warm.data);
    expect(res.extensions?.stale).toEqual([{ upstream: "agent", ageSeconds: 2 }]);
    // The scan's page was tried as a read is (three attempts), then the kept index answered.
    expect(agentArrivals(stack)).toBe(3);
  });

  it("a malformed agent page answers from the same page kept from before (a window), once per upstream", async () => {
    const q = `{ a: customers(first: 5) { nodes { id traffic { usedMb } } } b: customers(first: 5, after: null) { totalCount } }`;
    const warm = await stack.gql(q);
    expect(warm.errors).toBeUndefined();
    const callsWarm = agentArrivals(stack);
    clock.advance(3999);
    stack.sims.agent.faults.set("customer.list", { kind: "malformed" });
    stack.resetCalls();
    const res = await stack.gql(q);
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual(warm.data);
    // Both aliases were served stale: the upstream is listed once, its age rounded down (3.999 s: 3).
    expect(res.extensions?.stale).toEqual([{ upstream: "agent", ageSeconds: 3 }]);
    // A malformed answer is not retried: one call per distinct page the first answer made.
    expect(agentArrivals(stack)).toBe(callsWarm);
  });

  it("Bridge profiles: a failing Bridge past the freshness bound answers from the kept index; traffic is fresh", async () => {
    const q = `{ customers(first: 3) { nodes { id traffic { usedMb } profiles { id email } } } }`;
    const warm = await stack.gql(q);
    expect(warm.errors).toBeUndefined();
    expect(bridgeArrivals(stack)).toBeGreaterThan(0);
    clock.advance(5000);
    stack.sims.bridge.faults.set("*", { kind: "malformed" });
    stack.resetCalls();
    const res = await stack.gql(q);
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual(warm.data);
    expect(res.extensions?.stale).toEqual([{ upstream: "bridge", ageSeconds: 5 }]);
    // The agent answered afresh; Bridge was asked once (the scan's first page, not retried) for the rebuild.
    expect(agentArrivals(stack)).toBe(1);
    expect(bridgeArrivals(stack)).toBe(1);
  });

  it("a Bridge profile by customerNo: its filtered page kept from before answers a timeout", async () => {
    const customerNo = JSON.parse(stack.sims.bridge.records[7]?.customerNo ?? "null") as string;
    const q = `{ bridgeProfile(customerNo: "${customerNo}") { id customerNo email } }`;
    const warm = await stack.gql(q);
    expect(warm.errors).toBeUndefined();
    expect(warm.data.bridgeProfile.customerNo).toBe(customerNo);
    clock.advance(1500);
    stack.sims.bridge.faults.set("*", { kind: "hang" });
    stack.resetCalls();
    const res = await stack.gql(q);
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual(warm.data);
    expect(res.extensions?.stale).toEqual([{ upstream: "bridge", ageSeconds: 1 }]);
  });

  it("federation _entities goes through the same loaders: served stale too", async () => {
    const q = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id traffic { usedMb } } } }`;
    const variables = { r: [{ __typename: "Customer", id: someId() }] };
    const warm = await stack.gql(q, variables);
    expect(warm.errors).toBeUndefined();
    clock.advance(2000);
    stack.sims.agent.faults.set("customer.list", { kind: "malformed" });
    const res = await stack.gql(q, variables);
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual(warm.data);
    expect(res.extensions?.stale).toEqual([{ upstream: "agent", ageSeconds: 2 }]);
  });

  it("older than the stale bound: the normal UPSTREAM_* error, nothing stale", async () => {
    await stack.gql(byId(someId()));
    clock.advance(STALE_MS + 1);
    stack.sims.agent.faults.set("customer.list", { kind: "malformed" });
    const res = await stack.gql(byId(someId()));
    expect(res.data.customer).toBeNull();
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: "UPSTREAM_BAD_RESPONSE", upstream: "agent" });
    expect(res.extensions?.stale).toBeUndefined();
  });

  it("an open circuit answers stale at once: no call", async () => {
    await stack.gql(byId(someId()));
    clock.advance(2000);
    // A refused token opens the agent's circuit at once (for a minute).
    stack.sims.agent.faults.set("customer.list", { kind: "envelope", code: "200", msg: "无效的认证令牌" }, 1);
    stack.resetCalls();
    const refused = await stack.gql(byId(someId()));
    expect(refused.errors).toBeUndefined();
    expect(refused.extensions?.stale).toEqual([{ upstream: "agent", ageSeconds: 2 }]);
    expect(agentArrivals(stack)).toBe(1);
    const open = await stack.gql(byId(someId()));
    expect(open.errors).toBeUndefined();
    expect(open.data).toEqual(refused.data);
    expect(open.extensions?.stale).toEqual([{ upstream: "agent", ageSeconds: 2 }]);
    expect(agentArrivals(stack)).toBe(1);
  });

  it("a mutation never reads stale data: a lost addUser whose read-back fails is OUTCOME_UNKNOWN", async () => {
    await stack.gql(`{ customers(first: 5) { nodes { id } } customer(id: "${someId()}") { id } }`);
    clock.advance(2000);
    stack.sims.agent.faults.set("addUser", { kind: "createThenReset" }, 1);
    stack.sims.agent.faults.set("customer.list", { kind: "malformed" });
    const res = await stack.gql(
      `mutation { addUser(userName: "stale.readback@example.com") { customer { id } userErrors { code } } }`,
    );
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: "OUTCOME_UNKNOWN" });
    expect(res.extensions?.stale).toBeUndefined();
  });
});

describe("stale if error turned off (GATEWAY_STALE_IF_ERROR_MS=0)", () => {
  let stack: TestStack;
  const clock = new ManualClock();
  beforeAll(async () => {
    stack = await startStack({ env: env(0), start: { clock } });
  });
  afterAll(() => stack.close());
  beforeEach(() => freshStart(stack));

  it("a failing agent is the normal error although the index from 2 s ago is held", async () => {
    const id = stack.sims.agent.customers[42]?.customerId ?? "";
    const q = `{ customer(id: "${id}") { id } customers(first: 2) { nodes { id } } }`;
    expect((await stack.gql(q)).errors).toBeUndefined();
    clock.advance(2000);
    stack.sims.agent.faults.set("customer.list", { kind: "malformed" });
    const res = await stack.gql(q);
    expect(res.data).toBeNull();
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: "UPSTREAM_BAD_RESPONSE", upstream: "agent" });
    expect(res.extensions?.stale).toBeUndefined();
  });
});
