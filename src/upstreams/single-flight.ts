import type { UpstreamName } from "./errors";
import type { RequestScope } from "./request-scope";

/**
 * Identical reads are made once: while one is in flight, every later caller with the same key shares
 * its promise; once it has answered, its result is served for `maxAgeMs` (the source's freshness bound),
 * keeping at most `maxWeight` in all (rows, by `weigh`). Only for reads: mutations never pass here.
 */
export class SharedReads<T> {
  private readonly inFlight = new Map<string, Promise<T>>();
  /** Answered reads, oldest first (Map keeps insertion order), for eviction. */
  private readonly answered = new Map<string, { value: T; at: number; weight: number }>();
  private weight = 0;
  private generation = 0;

  constructor(
    private readonly maxAgeMs: number,
    private readonly weigh: (value: T) => number,
    private readonly maxWeight: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * `joined`: shared a read in flight; `hit`: served an answered read without any call.
   * `acceptAnswered` false: only a read in flight may be shared (an index build must not start from
   * answers that are already old, or the index would outlive the freshness bound).
   */
  run(
    key: string,
    start: () => Promise<T>,
    acceptAnswered = true,
  ): { promise: Promise<T>; joined: boolean; hit: boolean } {
    const answered = acceptAnswered ? this.answered.get(key) : undefined;
    if (answered && this.now() - answered.at <= this.maxAgeMs) {
      return { promise: Promise.resolve(answered.value), joined: false, hit: true };
    }
    const existing = this.inFlight.get(key);
    if (existing) return { promise: existing, joined: true, hit: false };
    const startedAt = this.now();
    const generation = this.generation;
    const promise = start().then(
      (value) => {
        this.settle(key, promise);
        // A read that started before an invalidation may predate the change: serve it, don't keep it.
        if (generation === this.generation && this.maxAgeMs > 0) this.remember(key, value, startedAt);
        return value;
      },
      (error: unknown) => {
        this.settle(key, promise);
        throw error;
      },
    );
    this.inFlight.set(key, promise);
    return { promise, joined: false, hit: false };
  }

  private settle(key: string, promise: Promise<T>): void {
    if (this.inFlight.get(key) === promise) this.inFlight.delete(key);
  }

  private remember(key: string, value: T, at: number): void {
    this.forget(key);
    const weight = this.weigh(value);
    if (weight > this.maxWeight) return;
    this.answered.set(key, { value, at, weight });
    this.weight += weight;
    while (this.weight > this.maxWeight) this.forget(this.answered.keys().next().value as string);
  }

  private forget(key: string): void {
    const entry = this.answered.get(key);
    if (!entry) return;
    this.answered.delete(key);
    this.weight -= entry.weight;
  }

  /** Forgets every answered read (a mutation changed what they show). Reads in flight finish. */
  clear(): void {
    this.generation += 1;
    this.answered.clear();
    this.weight = 0;
  }
}

/**
 * One upstream read made for a request: shared with an identical read in flight or recently answered
 * when `reads` is given (null: the naive baseline, every read its own call), and counted either way.
 */
export function sharedRead<T>(
  reads: SharedReads<T> | null,
  key: string,
  scope: RequestScope,
  call: { upstream: UpstreamName; endpoint: string; start: () => Promise<T>; acceptAnswered?: boolean },
): Promise<T> {
  if (reads === null) {
    scope.accounting.recordCall(call.upstream, call.endpoint);
    return call.start();
  }
  const { promise, joined, hit } = reads.run(key, call.start, call.acceptAnswered);
  if (hit) scope.accounting.recordIndexHit(`${call.upstream}:${call.endpoint}`);
  else scope.accounting.recordCall(call.upstream, call.endpoint, joined);
  return promise;
}
