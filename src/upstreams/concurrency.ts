/** Maps with at most `limit` promises pending at once; results in input order. */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Counts concurrent holders. Used where work must not start before a connection is really free: a
 * signed Bridge request queued behind others could age past its recvWindow before it is sent.
 */
export class Semaphore {
  private held = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(private readonly capacity: number) {}

  /** Resolves with a release function once a slot is held; null if none frees before `deadline`. */
  async acquire(deadline: number): Promise<(() => void) | null> {
    while (this.held >= this.capacity) {
      const wait = deadline - Date.now();
      if (wait <= 0) return null;
      let wake: () => void = () => undefined;
      const woken = new Promise<void>((resolve) => (wake = resolve));
      this.waiters.push(wake);
      const timer = setTimeout(wake, wait);
      await woken;
      clearTimeout(timer);
      const index = this.waiters.indexOf(wake);
      if (index >= 0) this.waiters.splice(index, 1);
    }
    this.held += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held -= 1;
      this.waiters.shift()?.();
    };
  }
}

/**
 * Like mapWithConcurrency, but one item's failure is that item's result (an Error) instead of failing
 * all: a DataLoader batch then fails only the keys whose call failed.
 */
export function mapSettled<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<(R | Error)[]> {
  return mapWithConcurrency(items, limit, (item, i) =>
    fn(item, i).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error)))),
  );
}
