import { startStack, type TestStack } from "../support/gateway";

/**
 * Cold queries whose second upstream read needs a whole list (no filter on the key) start that list's
 * scan beside the first read instead of after it: the order of the simulators' answers shows it, with
 * the first read made slow on purpose. Calls stay at the optimum.
 */
describe("the cold path starts a needed scan beside the read before it", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({
      sims: {
        dataset: { agentCustomers: 2500, bridgeProfiles: 2500, seed: 11 },
        agent: { pageSizeCap: 1000 },
      },
      env: { GATEWAY_REQUEST_TIMEOUT_MS: "10000", GATEWAY_TRAFFIC_MAX_AGE_MS: "30000" },
    });
  });
  afterAll(() => stack.close());
  beforeEach(() => {
    stack.gateway.services.agentSource.invalidate();
    stack.gateway.services.bridgeSource.invalidate();
    stack.resetCalls();
  });

  it("customers with profiles: the Bridge scan runs while the agent page is on its way", async () => {
    stack.sims.agent.latencyMs = 1000;
    try {
      const res = await stack.gql(`{ customers(first: 50) { nodes { id profile { id } } } }`);
      expect(res.errors).toBeUndefined();
    } finally {
      stack.sims.agent.latencyMs = 0;
    }
    const agent = stack.sims.agent.log.calls;
    const bridge = stack.sims.bridge.log.calls;
    expect([agent.length, bridge.length]).toEqual([1, 2]);
    for (const call of bridge) expect(call.at).toBeLessThan(agent[0]?.at ?? 0);
  });

  it("Bridge profiles with their customers: the agent scan runs while the Bridge page is on its way", async () => {
    stack.sims.bridge.latencyMs = 1000;
    try {
      const res = await stack.gql(`{ bridgeProfiles(first: 50) { nodes { id customer { id } } } }`);
      expect(res.errors).toBeUndefined();
    } finally {
      stack.sims.bridge.latencyMs = 0;
    }
    const agent = stack.sims.agent.log.calls;
    const bridge = stack.sims.bridge.log.calls;
    expect([agent.length, bridge.length]).toEqual([3, 1]);
    for (const call of agent) expect(call.at).toBeLessThan(bridge[0]?.at ?? 0);
  });

  it("nothing is started for a field the caller did not ask for", async () => {
    const res = await stack.gql(`{ customers(first: 50) { nodes { id } } }`);
    expect(res.errors).toBeUndefined();
    expect(stack.calls()).toEqual({ agent: { "customer.list": 1 }, bridge: {} });
  });
});
