import { createHash, randomUUID } from "node:crypto";
import { InMemoryBudgetStore, type BudgetStore } from "../upstreams/bridge/budget";
import type { SharedStore } from "./redis";

/** The budget's keys, per Bridge API key (the key the 100 calls a minute belong to), never the key itself. */
function budgetKeys(apiKey: string): { calls: string; gate: string } {
  const owner = createHash("sha256").update(`bridge-budget ${apiKey}`).digest("hex").slice(0, 16);
  return { calls: `gateway:bridge:${owner}:calls`, gate: `gateway:bridge:${owner}:gate` };
}

/**
 * The sliding window in one atomic step: drop calls older than the window, then take a slot when fewer
 * than `limit` calls are counted and the gate is open, else answer when the next slot frees. The same
 * arithmetic as InMemoryBudgetStore.take, so that one replica with Redis behaves as one without.
 */
const TAKE = `
local at, limit, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', at - window)
local gateUntil = tonumber(redis.call('GET', KEYS[2]) or '0')
local count = redis.call('ZCARD', KEYS[1])
local bySlots = at
if count >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
  bySlots = tonumber(oldest[2]) + window
end
local nextAt = math.max(bySlots, gateUntil)
if nextAt <= at then
  redis.call('ZADD', KEYS[1], at, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], window * 2)
  return {1, 0}
end
return {0, nextAt}
`;

/** A gate closed for longer stays so; it expires by itself a window after it opens again. */
const CLOSE_GATE = `
local untilAt, now, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if untilAt > current then
  redis.call('SET', KEYS[1], untilAt, 'PX', math.max(1, untilAt - now + window))
end
return 1
`;

/**
 * The Bridge budget shared by every replica (API.md §8): one key's 100 calls a minute are spent
 * together, and a 429/418 seen by one replica closes the gate for all. While Redis cannot be reached,
 * each replica falls back to a budget of its own of `fallbackPerMinute` (BRIDGE_FALLBACK_RATE_LIMIT_PER_MIN,
 * default 10): small enough that a handful of replicas stays under the key's limit between them. A gate
 * closed during the outage is kept locally and also written to Redis when it is back.
 */
export class RedisBudgetStore implements BudgetStore {
  private readonly local = new InMemoryBudgetStore();
  private readonly keys: { calls: string; gate: string };

  constructor(
    private readonly shared: SharedStore,
    /** The Bridge API key whose budget this is: deployments with other keys on the same Redis count apart. */
    apiKey: string,
    private readonly fallbackPerMinute: number,
    /** Wall time for the gate's expiry in Redis (the budget's own clock gives `at`). */
    private readonly now: () => number = Date.now,
  ) {
    this.keys = budgetKeys(apiKey);
  }

  private get reachable(): boolean {
    return this.shared.state === "available";
  }

  /**
   * Calls made on the fallback budget while Redis was away join the shared window once it is back, so
   * that the other replicas count them too (a gate closed meanwhile is written there as well).
   */
  private async mergeLocal(at: number, windowMs: number): Promise<void> {
    const { starts, gateUntil } = await this.local.usage(at, windowMs);
    if (starts.length === 0 && gateUntil <= at) return;
    const pipeline = this.shared.client.multi();
    for (const start of starts) pipeline.zadd(this.keys.calls, start, `${start}:${randomUUID()}`);
    pipeline.pexpire(this.keys.calls, windowMs * 2);
    await pipeline.exec();
    if (gateUntil > at) {
      await this.shared.client.eval(
        CLOSE_GATE,
        1,
        this.keys.gate,
        String(gateUntil),
        String(this.now()),
        String(windowMs),
      );
    }
    await this.local.clear();
  }

  async take(at: number, limit: number, windowMs: number) {
    if (this.reachable) {
      try {
        await this.mergeLocal(at, windowMs);
        const answer = (await this.shared.client.eval(
          TAKE,
          2,
          this.keys.calls,
          this.keys.gate,
          String(at),
          String(limit),
          String(windowMs),
          `${at}:${randomUUID()}`,
        )) as [number, number];
        // (Whatever this replica held locally, its gate included, is in Redis now: mergeLocal.)
        return answer[0] === 1 ? ({ taken: true } as const) : ({ taken: false, nextAt: answer[1] } as const);
      } catch {
        // Lost mid-call: this call is counted locally, like every call until Redis is back.
      }
    }
    return this.local.take(at, Math.min(limit, this.fallbackPerMinute), windowMs);
  }

  async usage(at: number, windowMs: number) {
    const local = await this.local.usage(at, windowMs);
    if (!this.reachable) return local;
    try {
      const results = await this.shared.client
        .multi()
        .zremrangebyscore(this.keys.calls, "-inf", at - windowMs)
        .zrange(this.keys.calls, 0, -1, "WITHSCORES")
        .get(this.keys.gate)
        .exec();
      if (results === null || results.some(([error]) => error !== null)) return local;
      const scores = (results[1]?.[1] as string[] | undefined) ?? [];
      const starts: number[] = [];
      for (let i = 1; i < scores.length; i += 2) starts.push(Number(scores[i]));
      const gateUntil = Math.max(Number((results[2]?.[1] as string | null) ?? 0), local.gateUntil);
      return { starts, gateUntil };
    } catch {
      return local;
    }
  }

  async closeGate(until: number): Promise<void> {
    await this.local.closeGate(until);
    if (!this.reachable) return;
    try {
      await this.shared.client.eval(
        CLOSE_GATE,
        1,
        this.keys.gate,
        String(until),
        String(this.now()),
        "60000",
      );
    } catch {
      // Kept locally; the upstream will say it again to whichever replica calls next.
    }
  }

  async clear(): Promise<void> {
    await this.local.clear();
    if (!this.reachable) return;
    await this.shared.client.del(this.keys.calls, this.keys.gate).catch(() => undefined);
  }
}
