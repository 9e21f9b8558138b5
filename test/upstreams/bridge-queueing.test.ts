import { BridgeClient } from "../../src/upstreams/bridge/client";
import { startSimulators, type Simulators } from "../../src/simulators";

/**
 * A request signed and then left waiting for a pooled connection can reach the platform after its
 * recvWindow (00012002). The client signs only once a connection is free.
 */
describe("Bridge calls queued behind a small pool", () => {
  let sims: Simulators;
  beforeAll(async () => {
    sims = await startSimulators({
      dataset: { agentCustomers: 30, seed: 4 },
      bridge: { rateLimitPerMinute: 0 },
    });
  });
  afterAll(() => sims.close());

  it("are all inside the time window although they wait longer than recvWindow in total", async () => {
    sims.bridge.latencyMs = 250;
    const client = new BridgeClient({
      baseUrl: sims.bridge.baseUrl,
      companyId: sims.bridge.companyId,
      apiKey: sims.bridge.apiKey,
      secretKey: sims.bridge.secretKey,
      recvWindowMs: 400,
      pool: { connections: 2 },
      retry: { maxAttempts: 1 },
    });
    try {
      // 10 calls over 2 connections: the last ones wait about 1 s, well past the 400 ms window.
      const pages = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          client.pageCustomers({ current: i + 1, size: 1 }, { deadline: Date.now() + 10_000 }),
        ),
      );
      expect(pages.every((p) => p.total > 0)).toBe(true);
      expect(sims.bridge.log.calls.filter((c) => c.code !== "0")).toEqual([]);
      expect(sims.bridge.log.count()).toBe(10);
    } finally {
      sims.bridge.latencyMs = 0;
      await client.close();
    }
  });
});
