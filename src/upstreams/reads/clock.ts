import { setTimeout as sleep } from "node:timers/promises";

/**
 * The time the read path's policies are measured in: freshness bounds of reused pages and of the shared
 * index, and the Bridge budget's window. Injected, so that tests move time on instead of sleeping to it.
 * Request deadlines stay on the wall clock (Date.now), as the HTTP clients measure them.
 */
export interface Clock {
  /** Milliseconds, monotonic for the purpose (Date.now() for the system clock). */
  now(): number;
  /** Resolves after `ms` of this clock's time (at once for ms <= 0). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => (ms <= 0 ? Promise.resolve() : sleep(ms, undefined, { signal })),
};
