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
 * budget of them, and the loop goes round (timers, I/O) between two such phases. An immediate rather
 * than a timer ends the turn, so that an otherwise idle loop goes on at once instead of after 1 ms.
 *
 * Measured rather than guessed (README "Benchmark"): moving the decode to worker threads would still
 * cost the main thread the structured clone of every decoded record, about 2× a `JSON.parse` of the
 * page, in one stretch per page, and each worker's own heap adds to the process's memory.
 */
export const TURN_BUDGET_MS = 5;

let turnStartedAt: number | null = null;

function endTurn(): void {
  turnStartedAt = null;
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
 * What waits for a turn: `work` is what requests already admitted wait for (an upstream answer's decode,
 * an index build); `request` is a new request's start (src/http/app.ts). Each kind waits first come first
 * served, and a task let through that wants more waits again at the back of its kind, so that tasks
 * slicing at once take turns (none runs all its slices before the others start).
 */
export type TurnKind = "work" | "request";

const waiting: Record<TurnKind, (() => void)[]> = { work: [], request: [] };
/** The kind let through last: while both kinds wait, they alternate. */
let lastLetThrough: TurnKind = "work";

/**
 * The next waiter. While both kinds wait they take turns one for one, so that a burst of new requests
 * read in one poll (200 of them, ~0.4 ms each) no longer holds back the scan their answers wait for
 * (a page's decode waited behind every request parsed before it), and new requests still start
 * while a long decode runs.
 */
function nextWaiter(): (() => void) | undefined {
  const kind: TurnKind =
    waiting.work.length === 0
      ? "request"
      : waiting.request.length === 0
        ? "work"
        : lastLetThrough === "work"
          ? "request"
          : "work";
  lastLetThrough = kind;
  return waiting[kind].shift();
}

function waiters(): number {
  return waiting.work.length + waiting.request.length;
}

/**
 * One immediate per waiting task: each lets the next waiting task through when the turn has budget
 * left, else tries again in the next check phase. One at a time, so that the slice of the task let
 * through (its microtasks, run between two immediates) counts before the next is let through.
 */
function letNextThrough(): void {
  if (waiters() === 0) return;
  if (mustYield()) setImmediate(letNextThrough);
  else (nextWaiter() as () => void)();
}

/** Resolves in a turn with budget left: at once when there is one and nothing waits before. */
export function takeTurn(kind: TurnKind = "work"): Promise<void> {
  if (waiters() === 0 && !mustYield()) return Promise.resolve();
  return new Promise((resolve) => {
    waiting[kind].push(resolve);
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
