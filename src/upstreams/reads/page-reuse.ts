import { LRUCache } from "lru-cache";
import { systemClock, type Clock } from "./clock";

/** How much answered pages one source may keep: a number of rows (records), or of bytes (estimated). */
export type CacheBudget = { records: number } | { bytes: number };

/** "50000", "50000 records", "64MB", "512 KiB", "1000000 bytes" → a budget; null when unreadable. */
export function parseCacheBudget(text: string): CacheBudget | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(records?|rows?|b|bytes?|kb|kib|mb|mib|gb|gib)?\s*$/i.exec(text);
  if (!m) return null;
  const amount = Number(m[1]);
  const unit = (m[2] ?? "records").toLowerCase();
  if (/^(records?|rows?)$/.test(unit)) return Number.isSafeInteger(amount) ? { records: amount } : null;
  const scale: Record<string, number> = {
    b: 1,
    byte: 1,
    bytes: 1,
    kb: 1e3,
    kib: 1024,
    mb: 1e6,
    mib: 2 ** 20,
  };
  Object.assign(scale, { gb: 1e9, gib: 2 ** 30 });
  return { bytes: Math.floor(amount * (scale[unit] ?? 1)) };
}

export function describeCacheBudget(budget: CacheBudget): string {
  return "records" in budget ? `${budget.records} records` : `${budget.bytes} bytes`;
}

/**
 * Rough heap bytes of one value: 2 bytes a character of strings, 8 a number, 16 per object, array and
 * property. Used on a page's first row and multiplied by its rows, which is close enough for a budget.
 */
export function estimateBytes(value: unknown, depth = 0): number {
  if (typeof value === "string") return 16 + 2 * value.length;
  if (typeof value !== "object" || value === null || depth > 3) return 8;
  let bytes = 16;
  for (const [key, v] of Object.entries(value)) bytes += 16 + 2 * key.length + estimateBytes(v, depth + 1);
  return bytes;
}

/** A read in flight: shared by every caller of the same key until it settles. */
interface Flight<T> {
  promise: Promise<T>;
  /** Cancels the call; null when a caller that cannot cancel (no signal) started it. */
  controller: AbortController | null;
  /** Callers with a signal still waiting; the call is cancelled when the last of them goes. */
  waiting: number;
  /** A caller without a signal (an index build, background work) waits: never cancelled. */
  pinned: boolean;
  cleanups: (() => void)[];
}

/**
 * Identical reads are made once: while one is in flight every later caller with the same key shares its
 * promise; once answered, it is served again while younger than `maxAgeMs` (counted from the call's
 * start), within the cache budget (least recently used first out; lru-cache keeps the accounts). Only
 * for reads: mutations never pass here.
 *
 * A read in flight is cancelled only when every caller that waits for it has gone (each caller's
 * signal aborted: its client disconnected); a caller without a signal keeps it going to the end.
 *
 * Stale if error (API.md §6): answers are kept until `staleMs` (when longer than `maxAgeMs`), within the
 * same budget, so that a failed read of the same page can be answered with the last good one (`stale`).
 */
export class PageReuse<T> {
  private readonly inFlight = new Map<string, Flight<T>>();
  private readonly answered: LRUCache<string, { value: T; at: number }> | null;
  private readonly keepMs: number;
  private generation = 0;

  constructor(
    private readonly maxAgeMs: number,
    budget: CacheBudget,
    /** Rows of one answer. */
    rowsOf: (value: T) => readonly unknown[],
    private readonly clock: Clock = systemClock,
    private readonly staleMs = 0,
    /**
     * `at`: when an answer's data was read, when not by this call (a page another replica read: it is
     * as old as that replica's call); `kept`: what of an answer is kept for reuse (not its body text).
     */
    private readonly answers: { at?: (value: T) => number | undefined; kept?: (value: T) => T } = {},
  ) {
    const maxSize = "records" in budget ? budget.records : budget.bytes;
    const weigh =
      "records" in budget
        ? (value: T) => rowsOf(value).length
        : (value: T) => {
            const rows = rowsOf(value);
            return 64 + (rows.length === 0 ? 0 : rows.length * estimateBytes(rows[0]));
          };
    this.keepMs = Math.max(maxAgeMs, staleMs);
    this.answered =
      this.keepMs > 0 && maxSize > 0
        ? new LRUCache({
            maxSize,
            sizeCalculation: (entry) => Math.max(1, weigh(entry.value)),
            ttl: this.keepMs,
            ttlResolution: 0,
            perf: { now: () => clock.now() },
          })
        : null;
  }

  /** An answer still fresh (within `maxAgeMs` of its call's start), else undefined. */
  private fresh(key: string): T | undefined {
    if (this.maxAgeMs <= 0) return undefined;
    const entry = this.answered?.get(key);
    return entry !== undefined && this.clock.now() - entry.at <= this.maxAgeMs ? entry.value : undefined;
  }

  /** The last good answer of `key` and its age, when younger than the stale bound; else null. */
  stale(key: string): { value: T; ageMs: number } | null {
    const entry = this.answered?.get(key);
    if (entry === undefined) return null;
    const ageMs = this.clock.now() - entry.at;
    return ageMs < this.staleMs ? { value: entry.value, ageMs } : null;
  }

  /**
   * `joined`: shared a read in flight; `hit`: served an answered read without any call.
   * `forIndex`: a page of an index build. Only a read in flight may be shared (an index must not start
   * from answers that are already old, or it would outlive the freshness bound), and its answer is not
   * kept (the index holds its rows; keeping the page too would keep the previous generation of rows
   * alive after every rebuild).
   * `callerSignal`: gives the caller's signal (asked only when the read is not answered from reuse);
   * absent or giving none, the read is never cancelled while this caller waits. `start` gets the signal
   * the call must honour (aborted once every waiting caller has gone).
   */
  run(
    key: string,
    start: (signal?: AbortSignal) => Promise<T>,
    forIndex = false,
    callerSignal?: () => AbortSignal | undefined,
  ): { promise: Promise<T>; joined: boolean; hit: boolean } {
    const answered = forIndex ? undefined : this.fresh(key);
    if (answered !== undefined) return { promise: Promise.resolve(answered), joined: false, hit: true };
    const signal = callerSignal?.();
    const existing = this.inFlight.get(key);
    if (existing) {
      this.wait(key, existing, signal);
      return { promise: existing.promise, joined: true, hit: false };
    }
    const startedAt = this.clock.now();
    const generation = this.generation;
    const controller = signal === undefined ? null : new AbortController();
    const flight: Flight<T> = {
      promise: undefined as unknown as Promise<T>,
      controller,
      waiting: 0,
      pinned: false,
      cleanups: [],
    };
    flight.promise = start(controller?.signal).then(
      (value) => {
        this.settle(key, flight);
        const at = this.answers.at?.(value) ?? startedAt;
        // A read that started before an invalidation may predate the change: serve it, don't keep it.
        const ttl = this.keepMs - (this.clock.now() - at);
        if (!forIndex && generation === this.generation && ttl > 0) {
          const kept = this.answers.kept?.(value) ?? value;
          this.answered?.set(key, { value: kept, at }, { ttl });
        }
        return value;
      },
      (error: unknown) => {
        this.settle(key, flight);
        throw error;
      },
    );
    this.inFlight.set(key, flight);
    this.wait(key, flight, signal);
    return { promise: flight.promise, joined: false, hit: false };
  }

  /** One more caller waits for `flight`: counted, and uncounted when its signal aborts. */
  private wait(key: string, flight: Flight<T>, signal: AbortSignal | undefined): void {
    const controller = flight.controller;
    if (controller === null) return;
    if (signal === undefined) {
      flight.pinned = true;
      return;
    }
    flight.waiting += 1;
    const gone = () => {
      flight.waiting -= 1;
      if (flight.waiting > 0 || flight.pinned) return;
      // Nobody waits any more: the call stops, and a later caller of the same key starts its own.
      if (this.inFlight.get(key) === flight) this.inFlight.delete(key);
      controller.abort();
    };
    signal.addEventListener("abort", gone, { once: true });
    flight.cleanups.push(() => signal.removeEventListener("abort", gone));
  }

  private settle(key: string, flight: Flight<T>): void {
    if (this.inFlight.get(key) === flight) this.inFlight.delete(key);
    for (const cleanup of flight.cleanups) cleanup();
    flight.cleanups.length = 0;
  }
  /** Rows or bytes held now (tests, operators). */
  get size(): number {
    return this.answered?.calculatedSize ?? 0;
  }

  /** Forgets every answered read (a mutation changed what they show). Reads in flight finish. */
  clear(): void {
    this.generation += 1;
    this.answered?.clear();
  }
}
