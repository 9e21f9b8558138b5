import { BridgeClient } from "../../src/upstreams/bridge/client";
import { startSimulators, type Simulators } from "../../src/simulators";

/**
 * A request signed and then left waiting for a pooled connection can reach the platform after its
 * recvWindow (00012002). The client signs only once a connection is free.
 *
 * Asserted on counts, not on the machine's clock: the client and the simulator share a clock that moves
 * by one call's length (250 ms) each time the simulator answers a call, so that "how long a signed
 * request waited" is "how many answers went out meanwhile". With 2 connections, a call signed when a
 * connection is free reaches the simulator's check after at most one other answer (250 ms < the 400 ms
 * window); a call signed when it was queued (the 10th of 10) is checked after four answers or more
 * (1,000 ms) and refused. However slow the machine, the counts are the same.
 */
describe("Bridge calls queued behind a small pool", () => {
  const CALL_MS = 250;
  let sims: Simulators;
  /** The shared clock: answers sent so far × one call's length. */
  const now = () => (sims ? sims.bridge.log.count() * CALL_MS : 0);
  beforeAll(async () => {
    sims = await startSimulators({
      dataset: { agentCustomers: 30, seed: 4 },
      bridge: { rateLimitPerMinute: 0 },
      now,
    });
  });
  afterAll(() => sims.close());

  it("are all inside the time window although they wait longer than recvWindow in total", async () => {
    // Real time only orders the calls; the clock above is what the window is checked against.
    sims.bridge.latencyMs = 20;
    sims.bridge.log.reset();
    /** Calls signed and not yet answered, each time the client signs one (reads the clock). */
    const outstandingAtSigning: number[] = [];
    let signed = 0;
    const client = new BridgeClient({
      baseUrl: sims.bridge.baseUrl,
      companyId: sims.bridge.companyId,
      apiKey: sims.bridge.apiKey,
      secretKey: sims.bridge.secretKey,
      recvWindowMs: 400,
      pool: { connections: 2 },
      retry: { maxAttempts: 1 },
      now: () => {
        signed += 1;
        outstandingAtSigning.push(signed - sims.bridge.log.count());
        return now();
      },
    });
    try {
      // 10 calls over 2 connections: the last ones wait 4 answers (1,000 ms on the clock), past the window.
      const pages = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          client.pageCustomers({ current: i + 1, size: 1 }, { deadline: Date.now() + 30_000 }),
        ),
      );
      expect(pages.every((p) => p.total > 0)).toBe(true);
      expect(sims.bridge.log.calls.filter((c) => c.code !== "0")).toEqual([]);
      expect(sims.bridge.log.count()).toBe(10);
      // Signed only with a connection free: never more than the pool's 2 signed calls unanswered.
      expect(outstandingAtSigning).toHaveLength(10);
      expect(Math.max(...outstandingAtSigning)).toBeLessThanOrEqual(2);
      // The calls did wait past the window in total: the clock moved 10 answers' worth.
      expect(now()).toBe(10 * CALL_MS);
    } finally {
      sims.bridge.latencyMs = 0;
      await client.close();
    }
  });
});
