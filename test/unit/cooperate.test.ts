import {
  forEachInSlices,
  mapInSlices,
  mustYield,
  queueForTurn,
  takeTurn,
  TURN_BUDGET_MS,
} from "../../src/lib/cooperate";

/** Work that keeps the thread busy for at least `ms`: the tests assert what ran in between, never how long. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

/** Counts check phases of the event loop (an immediate that re-arms itself) until `stop()`. */
function countTurns(): { turns: () => number; stop: () => void } {
  let turns = 0;
  let counting = true;
  const tick = (): void => {
    if (!counting) return;
    turns += 1;
    setImmediate(tick);
  };
  setImmediate(tick);
  return { turns: () => turns, stop: () => (counting = false) };
}

describe("cooperative slicing (lib/cooperate.ts)", () => {
  it("maps like Array.prototype.map, in order, however many slices it takes", async () => {
    const items = Array.from({ length: 1000 }, (_, i) => i);
    await expect(mapInSlices(items, (n, i) => n * 2 + i)).resolves.toEqual(items.map((n, i) => n * 2 + i));
    await expect(mapInSlices([], (n: number) => n)).resolves.toEqual([]);
  });

  it("gives the event loop turns in the middle of long work", async () => {
    const loop = countTurns();
    // 256 items of at least 0.1 ms each: several budgets, so the loop must have gone round.
    await forEachInSlices(
      Array.from({ length: 256 }, () => 0.1),
      (ms) => busy(ms),
    );
    loop.stop();
    expect(loop.turns()).toBeGreaterThan(1);
  });

  it("interleaves tasks slicing at once, each in its own order", async () => {
    const order: string[] = [];
    const task = (name: string) =>
      forEachInSlices(
        Array.from({ length: 64 * 3 }, (_, i) => i),
        (i) => {
          busy(0.1);
          if (i % 64 === 0) order.push(`${name}${i / 64}`);
        },
      );
    await Promise.all([task("a"), task("b")]);
    // Both went through all their slices in order; neither ran all of its slices before the other began.
    expect(order.filter((s) => s.startsWith("a"))).toEqual(["a0", "a1", "a2"]);
    expect(order.filter((s) => s.startsWith("b"))).toEqual(["b0", "b1", "b2"]);
    expect(order.indexOf("b0")).toBeLessThan(order.indexOf("a2"));
  });

  it("lets work through at once in a turn that has budget left", async () => {
    // A turn of its own first (the previous test's may still be running, spent).
    await takeTurn();
    let checkPhaseRan = false;
    setImmediate(() => (checkPhaseRan = true));
    await takeTurn();
    await takeTurn();
    // Both resolved in microtasks of this same phase: nothing waited for the next check phase.
    expect(checkPhaseRan).toBe(false);
    expect(mustYield()).toBe(false);
  });

  it("lets a timer due during an overrun slice run before the next waiting slice", async () => {
    const order: string[] = [];
    // From a timer callback, so that the phases that follow are known: this turn ends in the check
    // phase of this loop iteration, and the timer below is due in the next one.
    await new Promise<void>((done) => {
      setTimeout(() => {
        mustYield();
        setTimeout(() => order.push("timer"), 0);
        // A slice that overran its budget (it looks at the clock only at its end) ...
        busy(TURN_BUDGET_MS * 2);
        // ... then the next piece of work asks for a turn: not in the phase that ended the spent turn.
        void takeTurn().then(() => {
          order.push("slice");
          done();
        });
      }, 0);
    });
    expect(order).toEqual(["timer", "slice"]);
  });

  it("spreads tasks woken together over turns of the loop, each in a slot of its own", async () => {
    const loop = countTurns();
    let wake!: () => void;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    const seen: number[] = [];
    // Ten tasks waiting for one event, each with a budget's worth of work once it is woken.
    const tasks = Array.from({ length: 10 }, async () => {
      await woken;
      await queueForTurn();
      seen.push(loop.turns());
      busy(TURN_BUDGET_MS);
    });
    wake();
    await Promise.all(tasks);
    loop.stop();
    // Without the queue all ten would run in one drain of the microtask queue, in the same turn.
    expect(new Set(seen).size).toBe(10);
  });
});
