import { UpstreamError } from "../errors";
import { systemClock, type Clock } from "../reads/clock";
import type { BudgetView } from "../reads/planner";

/**
 * Bridge's rate rules (bridge-api.md B.8): 100 calls a minute per key, counted in a 60-second window;
 * a call after a 429 earns a 418, which bans the key for 5 minutes at first (then longer).
 */
export const BRIDGE_RATE = {
  windowMs: 60_000,
  firstBanMs: 5 * 60_000,
  upstreamPerMinute: 100,
} as const;

/**
 * Where the budget's counts live. In memory for one process (InMemoryBudgetStore); a shared store (Redis,
 * issue #11) lets several gateway replicas spend one key's budget together. Every method is one atomic
 * step of the store (for Redis: one script), so that two replicas never take the same last slot.
 */
/** What an answer said about the upstream's limit (the client reads it from statuses and headers). */
export interface RateLimitAnswer {
  httpStatus: number;
  /** Retry-After, ms from now. */
  retryAfterMs?: number;
  /** x-ratelimit-reset, ms from now. */
  resetMs?: number;
  /** HTTP 418: the key is banned. */
  banned: boolean;
}

export interface BudgetStore {
  /**
   * Takes a slot at `at` when fewer than `limit` calls started in (at - windowMs, at] and the gate is
   * open; otherwise says when the next slot frees (the gate's end included).
   */
  take(
    at: number,
    limit: number,
    windowMs: number,
  ): Promise<{ taken: true } | { taken: false; nextAt: number }>;
  /** Start times of the calls still counted at `at`, oldest first, and when the gate opens (0: open). */
  usage(at: number, windowMs: number): Promise<{ starts: readonly number[]; gateUntil: number }>;
  /** No call before `until` (absolute); a gate already closed for longer stays so. */
  closeGate(until: number): Promise<void>;
  /** Forgets every call and the gate (tests, operators). */
  clear(): Promise<void>;
}

/** The budget's counts in this process. */
export class InMemoryBudgetStore implements BudgetStore {
  private readonly starts: number[] = [];
  private gateUntil = 0;

  private prune(at: number, windowMs: number): void {
    while (this.starts.length > 0 && (this.starts[0] as number) <= at - windowMs) this.starts.shift();
  }

  take(at: number, limit: number, windowMs: number) {
    this.prune(at, windowMs);
    const bySlots =
      this.starts.length < limit ? at : (this.starts[this.starts.length - limit] as number) + windowMs;
    const nextAt = Math.max(bySlots, this.gateUntil);
    if (nextAt <= at) {
      this.starts.push(at);
      return Promise.resolve({ taken: true } as const);
    }
    return Promise.resolve({ taken: false, nextAt } as const);
  }

  usage(at: number, windowMs: number) {
    this.prune(at, windowMs);
    return Promise.resolve({ starts: [...this.starts], gateUntil: this.gateUntil });
  }

  closeGate(until: number): Promise<void> {
    this.gateUntil = Math.max(this.gateUntil, until);
    return Promise.resolve();
  }

  clear(): Promise<void> {
    this.starts.length = 0;
    this.gateUntil = 0;
    return Promise.resolve();
  }
}

export interface BridgeBudgetOptions {
  /** Calls a minute the gateway allows itself (BRIDGE_RATE_LIMIT_PER_MIN), below the upstream's 100. */
  perMinute: number;
  store?: BudgetStore;
  clock?: Clock;
}

/**
 * The whole Bridge budget policy in one place: the sliding window the gateway keeps below the upstream's
 * limit (so that the key never sees 429, and so never 418), the reserve background work leaves for
 * requests, the gate a 429 or 418 closes (for Retry-After, the reset header, or the window or the ban
 * length when the answer does not say), and which failed calls may be retried. A call that cannot get a
 * slot before its deadline fails at once with `rate_limited` instead of waiting past it.
 */
export class BridgeBudget {
  private readonly store: BudgetStore;
  private readonly clock: Clock;
  /** What the store said last: for the gauges and the health page, which cannot wait for a store. */
  private seen = { available: 0, gateUntil: 0 };

  constructor(private readonly options: BridgeBudgetOptions) {
    this.store = options.store ?? new InMemoryBudgetStore();
    this.clock = options.clock ?? systemClock;
    this.seen.available = options.perMinute;
  }

  get limitPerMinute(): number {
    return this.options.perMinute;
  }

  /** Calls kept for requests' own reads: a refresh ahead of time may not spend them. */
  get reserve(): number {
    return Math.ceil(this.options.perMinute / 4);
  }

  /** The budget as the planner sees it, for a read that must finish by `deadline`. */
  async view(deadline: number): Promise<BudgetView> {
    const at = this.clock.now();
    const { starts, gateUntil } = await this.store.usage(at, BRIDGE_RATE.windowMs);
    const limit = this.options.perMinute;
    const available = at < gateUntil ? 0 : limit - starts.length;
    this.seen = { available, gateUntil };
    const freeByDeadline =
      deadline < gateUntil ? 0 : limit - starts.filter((s) => s > deadline - BRIDGE_RATE.windowMs).length;
    return { available, freeByDeadline, reserve: this.reserve };
  }

  /** Calls allowed right now. */
  async available(): Promise<number> {
    return (await this.view(this.clock.now())).available;
  }

  /**
   * Calls allowed as last seen (the metrics gauge and the health page, which cannot wait for a store):
   * every call of it also asks the store again, so that the value after a quiet spell is one read old.
   */
  lastKnownAvailable(): number {
    this.view(this.clock.now()).catch(() => undefined);
    return this.seen.available;
  }

  /** A 429/418 closed the gate: no call may go out until the time it named (health page). */
  isBlocked(): boolean {
    return this.clock.now() < this.seen.gateUntil;
  }

  /** Takes one slot for a call (retries included), waiting for it only if it frees before `deadline`. */
  async acquire(deadline: number, endpoint: string, signal?: AbortSignal): Promise<void> {
    for (;;) {
      // A call whose callers have all gone takes no slot (and stops waiting for one).
      if (signal?.aborted) {
        throw new UpstreamError("Bridge call cancelled by the caller.", {
          upstream: "bridge",
          kind: "timeout",
          endpoint,
          gatewaySide: true,
          cancelled: true,
        });
      }
      const at = this.clock.now();
      const slot = await this.store.take(at, this.options.perMinute, BRIDGE_RATE.windowMs);
      if (slot.taken) {
        this.seen.available = Math.max(0, this.seen.available - 1);
        return;
      }
      if (slot.nextAt > deadline) {
        throw new UpstreamError("The gateway's Bridge call budget is spent for now.", {
          upstream: "bridge",
          kind: "rate_limited",
          endpoint,
          retryAfterMs: slot.nextAt - at,
        });
      }
      await this.clock.sleep(slot.nextAt - at, signal).catch(() => undefined);
    }
  }

  /**
   * What an answer said about the upstream's limit. After a 429 no call may go out before the upstream's
   * window frees (another call then is what earns a 418 ban); after a 418, none before the ban ends.
   */
  observe(info: RateLimitAnswer): Promise<void> {
    if (info.httpStatus !== 429 && !info.banned) return Promise.resolve();
    const wait =
      info.retryAfterMs ?? info.resetMs ?? (info.banned ? BRIDGE_RATE.firstBanMs : BRIDGE_RATE.windowMs);
    const until = this.clock.now() + wait;
    this.seen.gateUntil = Math.max(this.seen.gateUntil, until);
    this.seen.available = 0;
    return this.store.closeGate(until);
  }

  /** Forgets every call and the gate: for tests and operators, never on a hot path. */
  async reset(): Promise<void> {
    await this.store.clear();
    this.seen = { available: this.options.perMinute, gateUntil: 0 };
  }
}

/**
 * Which failed Bridge reads may be tried again (the retry loop asks after every transient failure). Never
 * after a 418 (the key is banned), nor a WAF refusal (403: asking again at once is not a cure and only
 * spends the budget), nor a 429 without a known wait (continuing after it is what gets the key banned).
 */
export function bridgeMayRetry(err: UpstreamError): boolean {
  return (
    err.httpStatus !== 418 &&
    err.httpStatus !== 403 &&
    (err.kind !== "rate_limited" || err.retryAfterMs !== undefined)
  );
}
