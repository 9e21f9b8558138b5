import { startSimulators, type Simulators } from "../../src/simulators";
import { startStack, type TestStack } from "../support/gateway";
import { startRedis, type TestRedis } from "../support/redis";

/**
 * Bridge allows 100 calls a minute per key, not per process (API.md §8): replicas sharing one Redis
 * spend one budget between them. The budget here is 6 a minute so that a burst overruns it at once.
 */

const BUDGET = 6;
const query = (n: number) =>
  `{ bridgeProfiles(customerNo: "${70000001 + n}") { totalCount nodes { customerNo } } }`;

async function burst(replicas: TestStack[], count: number): Promise<{ codes: string[]; statuses: number[] }> {
  const answers = await Promise.all(
    Array.from({ length: count }, (_, i) => (replicas[i % replicas.length] as TestStack).gql(query(i))),
  );
  return {
    statuses: answers.map((a) => a.status),
    codes: answers.flatMap((a) => (a.errors ?? []).map((e) => String(e.extensions?.code))),
  };
}

describe("three replicas and one Bridge key", () => {
  let redis: TestRedis;
  let sims: Simulators;
  let replicas: TestStack[];
  beforeAll(async () => {
    redis = await startRedis();
    sims = await startSimulators({ dataset: { agentCustomers: 300, seed: 7 } });
    const env = {
      REDIS_URL: redis.url,
      BRIDGE_RATE_LIMIT_PER_MIN: String(BUDGET),
      BRIDGE_FALLBACK_RATE_LIMIT_PER_MIN: "2",
      GATEWAY_CALLER_RATE_LIMIT_PER_MIN: "0",
    };
    replicas = await Promise.all([1, 2, 3].map(() => startStack({ env, simulators: sims })));
  });
  afterAll(async () => {
    await Promise.all((replicas ?? []).map((r) => r.close()));
    await sims?.close();
    await redis?.close();
  });
  beforeEach(async () => {
    await replicas[0]?.gateway.budget.reset();
    sims.bridge.resetRateLimit();
    sims.bridge.log.reset();
  });

  it("spend one budget between them: 30 distinct profile queries make at most 6 Bridge calls", async () => {
    const { statuses, codes } = await burst(replicas, 30);
    const calls = sims.bridge.log.arrivals();
    // Alone, each replica would allow itself 6: up to 18 calls.
    expect(calls).toBeLessThanOrEqual(BUDGET);
    expect(calls).toBeGreaterThan(0);
    expect(sims.bridge.rateLimitStats).toEqual({ tooMany429: 0, banned418: 0 });
    expect(statuses.every((s) => s < 500)).toBe(true);
    // The rest are refused by the shared budget before any call, with the documented code.
    expect(codes.length).toBeGreaterThanOrEqual(30 - BUDGET);
    expect(new Set(codes)).toEqual(new Set(["UPSTREAM_RATE_LIMITED"]));
  });

  it("fall back to a small budget each while Redis is gone, and share again when it is back", async () => {
    await redis.stop();
    try {
      await burst(replicas, 30);
      // BRIDGE_FALLBACK_RATE_LIMIT_PER_MIN=2 on each of the 3 replicas.
      expect(sims.bridge.log.arrivals()).toBeLessThanOrEqual(3 * 2);
      expect(sims.bridge.rateLimitStats).toEqual({ tooMany429: 0, banned418: 0 });
    } finally {
      await redis.start();
    }
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      const states = await Promise.all(
        replicas.map(
          async (r) =>
            ((await (await fetch(new URL("/health/ready", r.url))).json()) as { redis?: string }).redis,
        ),
      );
      if (states.every((s) => s === "available")) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // Redis came back empty: the shared window starts again, and the replicas share it.
    sims.bridge.log.reset();
    await burst(replicas, 30);
    expect(sims.bridge.log.arrivals()).toBeLessThanOrEqual(BUDGET);
  });

  it("keep apart from a deployment with another Bridge key on the same Redis", async () => {
    // Another simulator set: another API key, whose 100 calls a minute are its own.
    const other = await startSimulators({ dataset: { agentCustomers: 300, seed: 7 } });
    expect(other.bridge.apiKey).not.toBe(sims.bridge.apiKey);
    const env = {
      REDIS_URL: redis.url,
      BRIDGE_RATE_LIMIT_PER_MIN: String(BUDGET),
      GATEWAY_CALLER_RATE_LIMIT_PER_MIN: "0",
    };
    const stranger = await startStack({ env, simulators: other });
    try {
      await burst(replicas, 30);
      expect(sims.bridge.log.arrivals()).toBe(BUDGET);
      // This key's budget is spent; the other key's is untouched.
      const { codes } = await burst([stranger], BUDGET);
      expect(codes).toEqual([]);
      expect(other.bridge.log.arrivals()).toBe(BUDGET);
    } finally {
      await stranger.close();
      await other.close();
    }
  });
});
