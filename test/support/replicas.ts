import { startSimulators, upstreamEnv, type Simulators } from "../../src/simulators";
import type { SimulatorOptions } from "../../src/simulators/types";
import { readyUrl, startGatewayProcess, type GatewayProcess } from "./process";
import { startRedis, type TestRedis } from "./redis";

/** Real gateway processes sharing one real Redis, in front of one pair of simulators (API.md §8). */
export interface Fleet {
  redis: TestRedis;
  sims: Simulators;
  replicas: GatewayProcess[];
  /** Each replica's GraphQL URL, in replica order. */
  urls: string[];
}

/**
 * Starts a fleet before the describe block's tests and kills it after them: `count` processes (3), no
 * authentication, no caller rate limit, plus `env`. The fields are set once beforeAll has run.
 */
export function useFleet(
  options: { count?: number; env?: Record<string, string>; sims?: SimulatorOptions } = {},
): Fleet {
  const fleet = {} as Fleet;
  beforeAll(async () => {
    fleet.redis = await startRedis();
    fleet.sims = await startSimulators(options.sims ?? { dataset: { agentCustomers: 300, seed: 7 } });
    fleet.replicas = Array.from({ length: options.count ?? 3 }, () =>
      startGatewayProcess({
        ...upstreamEnv(fleet.sims),
        GATEWAY_AUTH: "none",
        PORT: "0",
        REDIS_URL: fleet.redis.url,
        GATEWAY_CALLER_RATE_LIMIT_PER_MIN: "0",
        ...options.env,
      }),
    );
    fleet.urls = await Promise.all(fleet.replicas.map((r) => readyUrl(r)));
  }, 60_000);
  afterAll(async () => {
    for (const r of fleet.replicas ?? []) r.child.kill("SIGKILL");
    await fleet.sims?.close();
    await fleet.redis?.close();
  });
  return fleet;
}

/** What each replica's readiness says of Redis ("available" / "unavailable"). */
export async function redisStates(urls: string[]): Promise<(string | undefined)[]> {
  return Promise.all(
    urls.map(async (url) => {
      const res = await fetch(new URL("/health/ready", url));
      return ((await res.json()) as { redis?: string }).redis;
    }),
  );
}

/** Waits (up to 15 s) until every replica's readiness says `state` of Redis. */
export async function waitForRedis(urls: string[], state: "available" | "unavailable"): Promise<void> {
  const until = Date.now() + 15_000;
  while ((await redisStates(urls)).some((s) => s !== state)) {
    if (Date.now() > until) throw new Error(`the replicas did not see Redis ${state}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
