/**
 * A shared, read-only index built from a full scan of an upstream list, with explicit freshness: it is
 * served only while younger than `maxAgeMs`, rebuilt single-flight (concurrent requests share one scan),
 * and dropped by `invalidate()` when a mutation changes what it holds. Under steady demand it is rebuilt
 * ahead of time (from `refreshAheadRatio` of its age bound), so that requests rarely wait for a scan.
 * Past its bound the last good generation is kept until `staleMs` (stale if error, API.md §6): a read
 * whose upstream fails may still be answered from it. It is the same snapshot that is kept anyway until
 * the next build replaces it, so this costs no memory beyond what a rebuild already holds; once older
 * than both bounds it is dropped.
 */
import { systemClock, type Clock } from "./clock";

const noop = (): void => undefined;

export interface IndexState {
  /** Served now without any call. */
  fresh: boolean;
  /** A build is in flight: joining it costs nothing. */
  building: boolean;
  /** Fresh, past `refreshAheadRatio` of its bound, and no build under way. */
  dueForRefresh: boolean;
}

export class SharedIndex<T> {
  private value: { data: T; builtAt: number } | null = null;
  private building: Promise<T> | null = null;
  private generation = 0;

  constructor(
    private readonly maxAgeMs: number,
    private readonly clock: Clock = systemClock,
    private readonly refreshAheadRatio = 0.8,
    /** Stale if error: how old the held snapshot may be when answering for a failed read; 0: never. */
    private readonly staleMs = 0,
  ) {}

  private now(): number {
    return this.clock.now();
  }

  /** What the planner needs to know of the index. */
  state(): IndexState {
    return { fresh: this.fresh() !== null, building: this.isBuilding(), dueForRefresh: this.dueForRefresh() };
  }

  /** The snapshot if fresh, else null. */
  fresh(): T | null {
    if (this.value && this.now() - this.value.builtAt <= this.maxAgeMs) return this.value.data;
    return null;
  }

  /**
   * The held snapshot and its age when it may answer for a failed read (younger than the stale bound),
   * else null. A snapshot older than both bounds is dropped here: nothing may serve it any more.
   */
  stale(): { data: T; ageMs: number } | null {
    if (this.value === null) return null;
    const ageMs = this.now() - this.value.builtAt;
    if (ageMs < this.staleMs) return { data: this.value.data, ageMs };
    if (ageMs > this.maxAgeMs) this.value = null;
    return null;
  }

  /** The held snapshot, fresh or not; null when none is held (never built, dropped or invalidated). */
  held(): T | null {
    return this.value?.data ?? null;
  }

  /** Age of the held index in ms (fresh or not), or null when none has been built (operators' gauge). */
  ageMs(): number | null {
    return this.value === null ? null : this.now() - this.value.builtAt;
  }

  /** When the held snapshot's data was read (its oldest call's start), or null when none is held. */
  dataTime(): number | null {
    return this.value?.builtAt ?? null;
  }

  /** Once no build is in flight (whether it succeeds or fails). */
  async whenBuilt(): Promise<void> {
    while (this.building !== null) await this.building.then(noop, noop);
  }

  /** A build is in flight: joining it costs nothing. */
  isBuilding(): boolean {
    return this.building !== null;
  }

  /** Fresh, old enough to rebuild ahead of time, and no build under way. */
  dueForRefresh(): boolean {
    if (this.building !== null || this.value === null) return false;
    const age = this.now() - this.value.builtAt;
    return age <= this.maxAgeMs && age >= this.maxAgeMs * this.refreshAheadRatio;
  }

  /**
   * A fresh snapshot, building one when needed. `joined` is true when this caller shares a build
   * another caller started. The build's start time is the snapshot's time: data can only be newer.
   * `rebuild`: build even though the held snapshot is fresh (refresh ahead).
   */
  get(build: () => Promise<T>, rebuild = false): { promise: Promise<T>; joined: boolean; hit: boolean } {
    return this.getDated(async () => ({ data: await build() }), rebuild);
  }

  /**
   * As get(), for a build that knows how old its data is: `at`, when the oldest of its calls started (an
   * index built from pages another replica read is as old as those pages, not as its build). Without
   * `at`, the build's start.
   */
  getDated(
    build: () => Promise<{ data: T; at?: number }>,
    rebuild = false,
  ): { promise: Promise<T>; joined: boolean; hit: boolean } {
    const fresh = rebuild ? null : this.fresh();
    if (fresh !== null) return { promise: Promise.resolve(fresh), joined: false, hit: true };
    if (this.building) return { promise: this.building, joined: true, hit: false };
    const startedAt = this.now();
    const generation = this.generation;
    const promise = build().then(
      ({ data, at }) => {
        // A mutation that invalidated while the scan ran may not be reflected: keep the data for this
        // caller, but do not serve it to later ones.
        if (this.generation === generation) this.value = { data, builtAt: at ?? startedAt };
        this.building = null;
        return data;
      },
      (error: unknown) => {
        this.building = null;
        throw error;
      },
    );
    this.building = promise;
    return { promise, joined: false, hit: false };
  }

  invalidate(): void {
    this.generation += 1;
    this.value = null;
    this.building = null;
  }
}
