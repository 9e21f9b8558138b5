import { redisStates, useFleet } from "../support/replicas";

/**
 * Three real gateway processes, one Redis, one Bridge simulator (API.md §8): towards Bridge they behave
 * like one gateway. The simulator enforces Bridge's own 100 calls a minute per key.
 */

const profileQuery = (n: number) =>
  JSON.stringify({ query: `{ bridgeProfiles(customerNo: "${80000000 + n}") { totalCount } }` });

async function burst(urls: string[], count: number): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  // 30 requests in flight at a time, spread over the replicas in turn.
  await Promise.all(
    Array.from({ length: 30 }, async () => {
      while (next < count) {
        const n = next++;
        const res = await fetch(urls[n % urls.length] as string, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: profileQuery(n),
        });
        await res.arrayBuffer();
        statuses.push(res.status);
      }
    }),
  );
  return statuses;
}

describe("three gateway processes in front of one Bridge key", () => {
  const fleet = useFleet({ env: { BRIDGE_FALLBACK_RATE_LIMIT_PER_MIN: "10" } });

  it("600 distinct profile queries over 3 replicas: at most the budget (90) of Bridge calls, no 429 or 418", async () => {
    const { urls, sims } = fleet;
    const statuses = await burst(urls, 600);
    const calls = sims.bridge.log.arrivals();
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThanOrEqual(90);
    expect(sims.bridge.rateLimitStats).toEqual({ tooMany429: 0, banned418: 0 });
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
  }, 120_000);

  it("Redis stopped mid-burst: no 5xx, no 418, each replica on its fallback; sharing again once it returns", async () => {
    const { urls, sims, redis, replicas } = fleet;
    // A minute later, for the simulator's window (the shared one goes with the Redis that stops).
    sims.bridge.resetRateLimit();
    sims.bridge.log.reset();
    const during = burst(urls, 300);
    await redis.stop();
    const statuses = await during;
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(sims.bridge.rateLimitStats).toEqual({ tooMany429: 0, banned418: 0 });
    expect((await redisStates(urls)).every((s) => s === "unavailable")).toBe(true);
    await redis.start();
    const until = Date.now() + 15_000;
    let states = await redisStates(urls);
    while (!states.every((s) => s === "available") && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 200));
      states = await redisStates(urls);
    }
    expect(states).toEqual(["available", "available", "available"]);
    // What the replicas spent on their own meanwhile joins the shared window: still under the key's limit.
    const more = await burst(urls, 300);
    expect(more.filter((s) => s >= 500)).toEqual([]);
    expect(sims.bridge.rateLimitStats).toEqual({ tooMany429: 0, banned418: 0 });
    const lost = replicas.map((r) => r.records().filter((x) => /Redis is unavailable/.test(x.msg)).length);
    expect(lost).toEqual([1, 1, 1]);
  }, 120_000);
});
