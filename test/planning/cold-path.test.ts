import * as cooperate from "../../src/lib/cooperate";
import { coldStart, startStack, type TestStack } from "../support/gateway";

/**
 * Cold queries whose second upstream read needs a whole list (no filter on the key) start that list's
 * scan beside the first read instead of after it: the order of the simulators' answers shows it, with
 * the first read made slow on purpose. Calls stay at the optimum (2500 + 2500 rows, agent cap 1000).
 */
describe("the cold path starts a needed scan beside the read before it", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({
      sims: {
        dataset: { agentCustomers: 2500, bridgeProfiles: 2500, seed: 3 },
        agent: { pageSizeCap: 1000 },
      },
    });
  });
  afterAll(() => stack.close());
  beforeEach(() => coldStart(stack));

  /** Runs `query` with `slow`'s answers held back by a second; the calls each simulator answered, in order. */
  async function withSlow(slow: "agent" | "bridge", query: string) {
    stack.sims[slow].latencyMs = 1000;
    try {
      expect((await stack.gql(query)).errors).toBeUndefined();
    } finally {
      stack.sims[slow].latencyMs = 0;
    }
    return { agent: stack.sims.agent.log.calls, bridge: stack.sims.bridge.log.calls };
  }

  it("customers with profiles: the Bridge scan runs while the agent page is on its way", async () => {
    const { agent, bridge } = await withSlow(
      "agent",
      `{ customers(first: 50) { nodes { id profile { id } } } }`,
    );
    expect([agent.length, bridge.length]).toEqual([1, 2]);
    expect(Math.max(...bridge.map((c) => c.at))).toBeLessThan(agent[0]?.at ?? 0);
  });

  it("Bridge profiles with their customers: the agent scan runs while the Bridge page is on its way", async () => {
    const slow = await withSlow("bridge", `{ bridgeProfiles(first: 50) { nodes { id customer { id } } } }`);
    expect([slow.agent.length, slow.bridge.length]).toEqual([3, 1]);
    expect(Math.max(...slow.agent.map((c) => c.at))).toBeLessThan(slow.bridge[0]?.at ?? 0);
  });

  it("nothing is started for a field the caller did not ask for", async () => {
    expect((await stack.gql(`{ customers(first: 50) { nodes { id } } }`)).errors).toBeUndefined();
    expect(stack.calls()).toEqual({ agent: { "customer.list": 1 }, bridge: {} });
  });

  it("requests that waited for one scan go on one at a time when it ends, not all in one stretch", async () => {
    const queued = jest.spyOn(cooperate, "queueForTurn");
    // A slow list, so that all 30 requests arrive while its scan is on its way, however busy the machine.
    stack.sims.agent.latencyMs = 500;
    try {
      const ids = stack.sims.agent.customers.slice(0, 30).map((c) => c.customerId);
      const results = await Promise.all(ids.map((id) => stack.gql(`{ customer(id: "${id}") { id } }`)));
      results.forEach((res, i) => expect(res.data.customer).toEqual({ id: ids[i] }));
      // One scan for all 30 (2500 rows, 1000 a page), and each request woken by it took a slot of its own.
      expect(stack.calls()).toEqual({ agent: { "customer.list": 3 }, bridge: {} });
      expect(queued).toHaveBeenCalledTimes(30);
    } finally {
      stack.sims.agent.latencyMs = 0;
      queued.mockRestore();
    }
  });
});
