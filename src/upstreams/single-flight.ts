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
