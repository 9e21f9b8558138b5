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

  /** Until the agent list's index is built (the scan of a cold lookup goes on after early answers). */
  async function indexBuilt(): Promise<void> {
    await stack.gateway.services.agentSource.indexBuilt();
    expect(stack.gateway.services.agentSource.indexAgeMs()).not.toBeNull();
  }

  it("a lookup whose keys are on the scan's first page is answered from it; the scan goes on for the index", async () => {
    // 400 ms a call: page 1 is answered at ~0.4 s, pages 2 and 3 (asked for once page 1 told the total)
    // at ~0.8 s.
    stack.sims.agent.latencyMs = 400;
    try {
      const ids = stack.sims.agent.customers.slice(0, 3).map((c) => c.customerId);
      const res = await stack.gql(
        `{ ${ids.map((id, i) => `c${i}: customer(id: "${id}") { id }`).join(" ")} }`,
      );
      expect(res.data).toEqual({ c0: { id: ids[0] }, c1: { id: ids[1] }, c2: { id: ids[2] } });
      // Answered when only page 1 was: no index yet.
      expect(stack.sims.agent.log.calls).toHaveLength(1);
      expect(stack.gateway.services.agentSource.indexAgeMs()).toBeNull();
      // The same scan, at the same calls, goes on and builds the index, which then answers.
      await indexBuilt();
      expect(stack.calls()).toEqual({ agent: { "customer.list": 3 }, bridge: {} });
      const last = stack.sims.agent.customers[2499]?.customerId as string;
      expect((await stack.gql(`{ customer(id: "${last}") { id } }`)).data.customer).toEqual({ id: last });
      expect(stack.calls()).toEqual({ agent: { "customer.list": 3 }, bridge: {} });
    } finally {
      stack.sims.agent.latencyMs = 0;
    }
  });

  it("a scan that fails after an early answer fails only the index, as its own failure, never unhandled", async () => {
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", record);
    stack.sims.agent.latencyMs = 300;
    try {
      const id = stack.sims.agent.customers[0]?.customerId as string;
      const answer = stack.gql(`{ customer(id: "${id}") { id } }`);
      // Page 1 is answered at ~0.3 s; pages 2 and 3, asked for then, get a malformed body at ~0.6 s (a
      // fault is taken when the simulator answers).
      await new Promise((resolve) => setTimeout(resolve, 450));
      stack.sims.agent.faults.set("customer.list", { kind: "malformed" });
      expect((await answer).data.customer).toEqual({ id });
      await stack.gateway.services.agentSource.indexBuilt();
      await new Promise((resolve) => setImmediate(resolve));
      expect(stack.gateway.services.agentSource.indexAgeMs()).toBeNull();
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", record);
      stack.sims.agent.faults.clear();
      stack.sims.agent.latencyMs = 0;
    }
  });

  it("a key on the last page, or on none, waits for the scan's last page", async () => {
    stack.sims.agent.latencyMs = 200;
    try {
      const first = stack.sims.agent.customers[0]?.customerId as string;
      const last = stack.sims.agent.customers[2499]?.customerId as string;
      const res = await stack.gql(
        `{ a: customer(id: "${first}") { id } b: customer(id: "${last}") { id } c: customer(id: "999999999") { id } }`,
      );
      expect(res.data).toEqual({ a: { id: first }, b: { id: last }, c: null });
      expect(stack.calls()).toEqual({ agent: { "customer.list": 3 }, bridge: {} });
    } finally {
      stack.sims.agent.latencyMs = 0;
    }
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
      // Each request woken by the scan (its page 1 holds all 30) took a slot of its own.
      expect(queued).toHaveBeenCalledTimes(30);
      // One scan for all 30 (2500 rows, 1000 a page), finished for the index after they were answered.
      await indexBuilt();
      expect(stack.calls()).toEqual({ agent: { "customer.list": 3 }, bridge: {} });
    } finally {
      stack.sims.agent.latencyMs = 0;
      queued.mockRestore();
    }
  });
});
