/**
 * A shared, read-only index built from a full scan of an upstream list, with explicit freshness: it is
 * served only while younger than `maxAgeMs`, rebuilt single-flight (concurrent requests share one scan),
 * and dropped by `invalidate()` when a mutation changes what it holds.
 */
export class SharedSnapshot<T> {
  private value: { data: T; builtAt: number } | null = null;
  private building: Promise<T> | null = null;
  private generation = 0;

  constructor(
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The snapshot if fresh, else null. */
  fresh(): T | null {
    if (this.value && this.now() - this.value.builtAt <= this.maxAgeMs) return this.value.data;
    return null;
  }

  /** A build is in flight: joining it costs nothing. */
  isBuilding(): boolean {
    return this.building !== null;
  }

  /** The age in ms of the held snapshot, or null when none. */
  age(): number | null {
    return this.value ? this.now() - this.value.builtAt : null;
  }

  /** The snapshot even if stale (for planning estimates such as the last known total). */
  latest(): T | null {
    return this.value?.data ?? null;
  }

  /**
   * A fresh snapshot, building one when needed. `joined` is true when this caller shares a build
   * another caller started. The build's start time is the snapshot's time: data can only be newer.
   */
  get(build: () => Promise<T>): { promise: Promise<T>; joined: boolean; hit: boolean } {
    const fresh = this.fresh();
    if (fresh !== null) return { promise: Promise.resolve(fresh), joined: false, hit: true };
    if (this.building) return { promise: this.building, joined: true, hit: false };
    const startedAt = this.now();
    const generation = this.generation;
    const promise = build().then(
      (data) => {
        // A mutation that invalidated while the scan ran may not be reflected: keep the data for this
        // caller, but do not serve it to later ones.
        if (this.generation === generation) this.value = { data, builtAt: startedAt };
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
