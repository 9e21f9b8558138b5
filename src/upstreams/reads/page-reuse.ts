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

/**
 * Identical reads are made once: while one is in flight every later caller with the same key shares its
 * promise; once answered, it is served again while younger than `maxAgeMs` (counted from the call's
 * start), within the cache budget (least recently used first out; lru-cache keeps the accounts). Only
 * for reads: mutations never pass here.
 */
export class PageReuse<T> {
  private readonly inFlight = new Map<string, Promise<T>>();
  private readonly answered: LRUCache<string, { value: T }> | null;
  private generation = 0;

  constructor(
    private readonly maxAgeMs: number,
    budget: CacheBudget,
    /** Rows of one answer. */
    rowsOf: (value: T) => readonly unknown[],
    private readonly clock: Clock = systemClock,
  ) {
    const maxSize = "records" in budget ? budget.records : budget.bytes;
    const weigh =
      "records" in budget
        ? (value: T) => rowsOf(value).length
        : (value: T) => {
            const rows = rowsOf(value);
            return 64 + (rows.length === 0 ? 0 : rows.length * estimateBytes(rows[0]));
          };
    this.answered =
      maxAgeMs > 0 && maxSize > 0
        ? new LRUCache({
            maxSize,
            sizeCalculation: (entry) => Math.max(1, weigh(entry.value)),
            ttl: maxAgeMs,
            ttlResolution: 0,
            perf: { now: () => clock.now() },
          })
        : null;
  }

  /**
   * `joined`: shared a read in flight; `hit`: served an answered read without any call.
   * `forIndex`: a page of an index build. Only a read in flight may be shared (an index must not start
   * from answers that are already old, or it would outlive the freshness bound), and its answer is not
   * kept (the index holds its rows; keeping the page too would keep the previous generation of rows
   * alive after every rebuild).
   */
  run(
    key: string,
    start: () => Promise<T>,
    forIndex = false,
  ): { promise: Promise<T>; joined: boolean; hit: boolean } {
    const answered = forIndex ? undefined : this.answered?.get(key);
    if (answered) return { promise: Promise.resolve(answered.value), joined: false, hit: true };
    const existing = this.inFlight.get(key);
    if (existing) return { promise: existing, joined: true, hit: false };
    const startedAt = this.clock.now();
    const generation = this.generation;
    const promise = start().then(
      (value) => {
        this.settle(key, promise);
        // A read that started before an invalidation may predate the change: serve it, don't keep it.
        const ttl = this.maxAgeMs - (this.clock.now() - startedAt);
        if (!forIndex && generation === this.generation && ttl > 0)
          this.answered?.set(key, { value }, { ttl });
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
