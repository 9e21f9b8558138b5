import * as agentDecode from "../../src/upstreams/agent/decode";
import * as bridgeDecode from "../../src/upstreams/bridge/decode";
import { startStack, type TestStack } from "../support/gateway";

/**
 * The start-up warm-up (src/warm-up.ts) compiles the read path against simulators of its own: the
 * configured upstreams get no call from it, the gateway's own sources stay cold, and the first request
 * is still a cold read at the optimum (the call-count tests hold the rest of the contract).
 */
describe("the start-up warm-up", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({
      sims: {
        dataset: { agentCustomers: 2500, bridgeProfiles: 2500, seed: 5 },
        agent: { pageSizeCap: 1000 },
      },
      // Not a multiple of the warm-up's rounds of 100: the last round is a short one.
      env: { GATEWAY_WARM_UP_REQUESTS: "250" },
    });
  });
  afterAll(() => stack.close());

  it("ran every read shape without an error, calling none of the configured upstreams", async () => {
    const records = stack.logs().filter((r) => String(r.msg).includes("warm"));
    // Every one of its HTTP requests answered 200 without an error.
    expect(records).toEqual([
      expect.objectContaining({ level: "debug", msg: "Read path warmed up", httpRequests: 250 }),
    ]);
    expect(stack.calls()).toEqual({ agent: {}, bridge: {} });
    // Its calls and requests went through guards and an edge of their own: the gateway's metrics
    // counted none of them, and its log holds no request record of theirs.
    const counted = await stack.gateway.metrics.upstreamCalls.get();
    expect(counted.values).toEqual([]);
    expect((await stack.gateway.metrics.requests.get()).values).toEqual([]);
    expect(stack.logs().filter((r) => r.level === "info")).toEqual([]);
    expect(await stack.gateway.budget.available()).toBe(stack.gateway.budget.limitPerMinute);
  });

  it("left the gateway's sources cold: the first reads are made in full", async () => {
    expect(stack.gateway.services.agentSource.indexAgeMs()).toBeNull();
    expect(stack.gateway.services.bridgeSource.indexAgeMs()).toBeNull();
    const res = await stack.gql(`{ customers(first: 50) { nodes { id profile { id } } } }`);
    expect(res.errors).toBeUndefined();
    expect(stack.calls()).toEqual({ agent: { "customer.list": 1 }, bridge: { "customer.page": 2 } });
  });

  it("compiles the decoders on pages of a realistic size, not only on the read shapes' few records", async () => {
    const bridgePages = jest.spyOn(bridgeDecode, "decodePageAnswerInSlices");
    const agentPages = jest.spyOn(agentDecode, "decodeListAnswerInSlices");
    const again = await startStack({ simulators: stack.sims });
    try {
      const bridgeRecords = await Promise.all(bridgePages.mock.results.map((r) => r.value));
      const agentRows = await Promise.all(agentPages.mock.results.map((r) => r.value));
      expect(bridgeRecords.map((page) => page.records.length)).toEqual([1000, 1000, 1000]);
      expect(agentRows.map((page) => page.rows.length)).toEqual([1000, 1000, 1000]);
    } finally {
      bridgePages.mockRestore();
      agentPages.mockRestore();
      await again.close();
    }
  });

  it("is skipped with GATEWAY_WARM_UP=off", async () => {
    const off = await startStack({ simulators: stack.sims, env: { GATEWAY_WARM_UP: "off" } });
    try {
      expect(off.logs().filter((r) => String(r.msg).includes("warm"))).toEqual([]);
    } finally {
      await off.close();
    }
  });
});
