import { performance } from "node:perf_hooks";

/**
 * Cooperative slicing: long synchronous work (decoding a 2,000-record page, building a 10,000-row index,
 * a burst of requests that all arrived in one poll) gives the event loop a turn once the current turn
 * has run `TURN_BUDGET_MS`, so that no single stretch of the loop holds timers, upstream answers and
 * other requests back for long (issue 8 §3: no stretch over 20 ms).
 *
 * A turn starts at the first `mustYield()` after the previous turn ended, and ends at the next check
 * phase (an immediate armed by that first call): work that finds the turn spent waits for a check phase
 * and goes on only in a turn with budget left, so that however many tasks slice at once (pages of a
 * scan answered together, a burst of requests read in one poll), one phase of the loop runs about one
 * budget of them, and the loop goes round (timers, I/O) between two such phases (a turn that overran
 * twice its budget lets nothing more through in the check phase that ends it: `endedThisPhase`). An
 * immediate rather than a timer ends the turn, so that an otherwise idle loop goes on at once instead
 * of after 1 ms.
 *
 * Measured rather than guessed (README "Benchmark"): moving the decode to worker threads would still
 * cost the main thread the structured clone of every decoded record, about 2× a `JSON.parse` of the
 * page, in one stretch per page, and each worker's own heap adds to the process's memory.
 */
export const TURN_BUDGET_MS = 5;

let turnStartedAt: number | null = null;
/**
 * Set while the check phase in which a turn ended after overrunning its budget twice over is still
 * running: waiting work is not let through in that same phase, since timers and I/O have not had their
 * go yet. Without it, an overrun piece (a Bridge page's 1.2 MB body text, ~10 ms on a cold process,
 * which looks at the clock only at its end) was followed in the same phase by the next waiting piece
 * (its `JSON.parse`, ~10 ms more): one 25-38 ms stretch. Never twice in a row (`deferredLast`): under
 * load every poll phase spends its turn on new requests, and waiting work deferred at every phase
 * starved (p99 of a warm page 36 -> 286 ms when it was).
 */
let endedThisPhase = false;
let deferredLast = false;

function endTurn(): void {
  const overran = turnStartedAt !== null && performance.now() - turnStartedAt >= 2 * TURN_BUDGET_MS;
  turnStartedAt = null;
  if (!overran || deferredLast) return;
  endedThisPhase = true;
  // Queued from the check phase, so it runs in the next one, before the tasks re-queued after this.
  setImmediate(nextCheckPhase);
}

function nextCheckPhase(): void {
  endedThisPhase = false;
}

/** Whether the current turn has used its budget (starting a turn when none is running). */
export function mustYield(): boolean {
  const now = performance.now();
  if (turnStartedAt === null) {
    turnStartedAt = now;
    setImmediate(endTurn);
    return false;
  }
  return now - turnStartedAt >= TURN_BUDGET_MS;
}

/**
 * Work waiting for a turn, first come first served. A task let through that wants more after its
 * slice waits again at the back, so that tasks slicing at once take turns (none runs all its slices
 * before the others start).
 */
const waiting: (() => void)[] = [];

/**
 * One immediate per waiting task: each lets the first waiting task through when the turn has budget
 * left, else tries again in the next check phase. One at a time, so that the slice of the task let
 * through (its microtasks, run between two immediates) counts before the next is let through.
 */
function letNextThrough(): void {
  if (waiting.length === 0) return;
  if (endedThisPhase) {
    deferredLast = true;
    setImmediate(letNextThrough);
  } else if (mustYield()) setImmediate(letNextThrough);
  else {
    deferredLast = false;
    (waiting.shift() as () => void)();
  }
}

/** Resolves in a turn with budget left: at once when there is one and nothing waits before. */
export function takeTurn(): Promise<void> {
  if (waiting.length === 0 && !mustYield()) return Promise.resolve();
  return new Promise((resolve) => {
    waiting.push(resolve);
    setImmediate(letNextThrough);
  });
}

/**
 * Resolves in a slot of its own, behind the work already waiting, even when the turn has budget left:
 * for tasks that one event wakes together (every request that joined a scan, when the scan ends), so
 * that each one's continuation (its execution, its answer written) runs between two immediates and is
 * counted before the next is let through, instead of 200 of them running in one drain of the microtask
 * queue (a 40-90 ms stretch at the end of a cold burst).
 */
export function queueForTurn(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    setImmediate(letNextThrough);
  });
}

/** How many items are handled between two looks at the clock (a look costs about as much as an item). */
const CHECK_EVERY = 64;

/**
 * `fn` applied to every item in order, in slices that each fit the turn's budget: the result is what
 * `items.map(fn)` gives, spread over as many event-loop turns as it takes.
 */
export async function mapInSlices<T, R>(
  items: readonly T[],
  fn: (item: T, index: number) => R,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  await forEachInSlices(items, (item, i) => {
    out[i] = fn(item, i);
  });
  return out;
}

/** `fn` called for every item in order, in slices that each fit the turn's budget. */
export async function forEachInSlices<T>(
  items: readonly T[],
  fn: (item: T, index: number) => void,
): Promise<void> {
  for (let start = 0; start < items.length; start += CHECK_EVERY) {
    if (mustYield()) await takeTurn();
    const end = Math.min(items.length, start + CHECK_EVERY);
    for (let i = start; i < end; i++) fn(items[i] as T, i);
  }
}
