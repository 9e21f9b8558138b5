import { UpstreamError } from "../errors";

/**
 * The gateway's own Bridge budget: at most `perMinute` calls in any sliding 60-second window, below the
 * upstream's 100 per key so that the key never sees 429 (and so never 418). A 429 or Retry-After from
 * the upstream closes the gate until the time it names. A call that cannot get a slot before its
 * deadline fails at once with `rate_limited` instead of waiting past it.
 */
export class SlidingWindowRateLimiter {
  private readonly windowMs = 60_000;
  /** Start times of the calls in the current window, oldest first. */
  private readonly starts: number[] = [];
  private blockedUntil = 0;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  private prune(at: number): void {
    while (this.starts.length > 0 && (this.starts[0] as number) <= at - this.windowMs) this.starts.shift();
  }

  /** Slots free right now. */
  available(): number {
    const at = this.now();
    if (at < this.blockedUntil) return 0;
    this.prune(at);
    return this.perMinute - this.starts.length;
  }

  /** Slots that will be free at `at` (absolute) if nothing else is spent before then. */
  slotsFreeBy(at: number): number {
    if (at < this.blockedUntil) return 0;
    this.prune(this.now());
    const stillCounted = this.starts.filter((start) => start > at - this.windowMs).length;
    return this.perMinute - stillCounted;
  }

  get limitPerMinute(): number {
    return this.perMinute;
  }

  /** When the next slot frees, as an absolute time. */
  private nextSlotAt(at: number): number {
    this.prune(at);
    const bySlots =
      this.starts.length < this.perMinute
        ? at
        : (this.starts[this.starts.length - this.perMinute] as number) + this.windowMs;
    return Math.max(bySlots, this.blockedUntil);
  }

  /** Takes one slot, waiting for it only if it frees before `deadline`. */
  async acquire(deadline: number, endpoint: string): Promise<void> {
    for (;;) {
      const at = this.now();
      const slotAt = this.nextSlotAt(at);
      if (slotAt <= at) {
        this.starts.push(at);
        return;
      }
      if (slotAt > deadline) {
        throw new UpstreamError("The gateway's Bridge call budget is spent for now.", {
          upstream: "bridge",
          kind: "rate_limited",
          endpoint,
          retryAfterMs: slotAt - at,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, slotAt - at));
    }
  }

  /** Forgets every call and block: for tests and operators, never called on a hot path. */
  /** A 429/418 closed the gate: no call may go out until the time it named. */
  isBlocked(): boolean {
    return Date.now() < this.blockedUntil;
  }

  reset(): void {
    this.starts.length = 0;
    this.blockedUntil = 0;
  }

  /** The upstream said 429 / Retry-After: no call before `untilMs` (absolute). */
  blockUntil(untilMs: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, untilMs);
  }
}
