import type { UpstreamName } from "./errors";
import type { RequestScope } from "./request-scope";

/**
 * Identical reads in flight at the same time are made once: the first caller starts the call, every
 * later caller with the same key shares its promise until it settles. Only for reads: mutations never
 * pass through here.
 */
export class SingleFlight<T> {
  private readonly inFlight = new Map<string, Promise<T>>();

  /** `joined` tells the caller whether it shared a call another caller had started. */
  run(key: string, start: () => Promise<T>): { promise: Promise<T>; joined: boolean } {
    const existing = this.inFlight.get(key);
    if (existing) return { promise: existing, joined: true };
    const promise = start().finally(() => {
      if (this.inFlight.get(key) === promise) this.inFlight.delete(key);
    });
    this.inFlight.set(key, promise);
    return { promise, joined: false };
  }

  get size(): number {
    return this.inFlight.size;
  }
}

/**
 * One upstream read made for a request: coalesced with an identical read in flight when `flights` is
 * given (null: the naive baseline, every read its own call), and counted for the request either way.
 */
export function sharedRead<T>(
  flights: SingleFlight<T> | null,
  key: string,
  scope: RequestScope,
  call: { upstream: UpstreamName; endpoint: string; start: () => Promise<T> },
): Promise<T> {
  if (flights === null) {
    scope.accounting.recordCall(call.upstream, call.endpoint);
    return call.start();
  }
  const { promise, joined } = flights.run(key, call.start);
  scope.accounting.recordCall(call.upstream, call.endpoint, joined);
  return promise;
}
