import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from "rate-limiter-flexible";
import type { Caller } from "../auth/scopes";
import type { SharedStore } from "../replicas/redis";

/**
 * GraphQL requests a minute per caller (API.md §4): by `sub`, or by client address without one. The
 * counting is rate-limiter-flexible's, so that a shared store (Redis) can replace the in-process one
 * without touching the edge.
 */
export class CallerRateLimit {
  constructor(private readonly limiter: RateLimiterAbstract) {}

  static inMemory(perMinute: number): CallerRateLimit {
    return new CallerRateLimit(new RateLimiterMemory({ points: perMinute, duration: 60 }));
  }

  /**
   * One count per caller across every replica (API.md §8). While Redis cannot be reached, each replica
   * counts alone in memory (rate-limiter-flexible's insurance limiter): a caller may then get up to the
   * limit from each replica, never an error.
   */
  static shared(store: SharedStore, perMinute: number): CallerRateLimit {
    return new CallerRateLimit(
      new RateLimiterRedis({
        storeClient: store.client,
        keyPrefix: "gateway:caller",
        points: perMinute,
        duration: 60,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory({ points: perMinute, duration: 60 }),
      }),
    );
  }

  static keyOf(caller: Caller): string {
    return caller.sub !== null ? `sub:${caller.sub}` : `addr:${caller.address}`;
  }

  /** null when the request may go on; otherwise the seconds until the caller may try again. */
  async retryAfterSeconds(caller: Caller): Promise<number | null> {
    try {
      await this.limiter.consume(CallerRateLimit.keyOf(caller));
      return null;
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      throw rejection;
    }
  }
}
