import { mapSettled, mapWithConcurrency } from "../../src/upstreams/concurrency";
import { LatencyMeter } from "../../src/upstreams/reads/list-source";
import {
  PageReuse,
  estimateBytes,
  parseCacheBudget,
  type CacheBudget,
} from "../../src/upstreams/reads/page-reuse";
import { SharedIndex } from "../../src/upstreams/reads/shared-index";
import { ManualClock } from "../support/clock";

function deferred<T>() {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe("bounded concurrency (hand-written: p-limit and p-map are ESM-only, jest here loads CommonJS)", () => {
  it("never runs more than the limit at once and keeps results in input order", async () => {
    let running = 0;
    let most = 0;
    const results = await mapWithConcurrency([5, 1, 4, 2, 3], 2, async (n) => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((r) => setImmediate(r));
      running -= 1;
      return n * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });

  it("mapSettled turns one item's failure into that item's Error", async () => {
    const results = await mapSettled([1, 2, 3], 3, async (n) => {
      if (n === 2) throw new Error("two");
      return n;
    });
    expect(results[0]).toBe(1);
    expect(results[1]).toBeInstanceOf(Error);
    expect(results[2]).toBe(3);
  });
});

describe("page reuse (lru-cache underneath)", () => {
  const page = (n: number) => ({ rows: Array.from({ length: n }, (_, i) => ({ id: String(i) })) });
  const reuseOf = (maxAgeMs: number, budget: CacheBudget, clock = new ManualClock(1_000_000)) =>
    new PageReuse(maxAgeMs, budget, (p: { rows: unknown[] }) => p.rows, clock);

  it("shares a read in flight and serves its answer while younger than the bound", async () => {
    const clock = new ManualClock(1_000_000);
    const reuse = reuseOf(1000, { records: 100 }, clock);
    const call = deferred<{ rows: unknown[] }>();
    const first = reuse.run("k", () => call.promise);
    const second = reuse.run("k", () => Promise.reject(new Error("not called")));
    expect([first.joined, second.joined]).toEqual([false, true]);
    call.resolve(page(3));
    await first.promise;
    expect(reuse.run("k", () => Promise.reject(new Error("not called"))).hit).toBe(true);
    clock.advance(1001);
    expect(reuse.run("k", () => Promise.resolve(page(3))).hit).toBe(false);
  });

  it("keeps answers within a budget in records, least recently used out first", async () => {
    const reuse = reuseOf(60_000, { records: 10 });
    await reuse.run("a", () => Promise.resolve(page(6))).promise;
    await reuse.run("b", () => Promise.resolve(page(6))).promise;
    expect(reuse.size).toBe(6);
    expect(reuse.run("a", () => Promise.resolve(page(6))).hit).toBe(false);
    // Larger than the whole budget: served, not kept.
    await reuse.run("c", () => Promise.resolve(page(11))).promise;
    expect(reuse.run("c", () => Promise.resolve(page(11))).hit).toBe(false);
  });

  it("keeps answers within a budget in bytes", async () => {
    const reuse = reuseOf(60_000, { bytes: 2000 });
    await reuse.run("a", () => Promise.resolve(page(10))).promise;
    expect(reuse.size).toBeGreaterThan(64);
    expect(reuse.size).toBeLessThanOrEqual(2000);
  });

  it("index pages share only reads in flight and are not kept (the index holds their rows)", async () => {
    const reuse = reuseOf(60_000, { records: 100 });
    await reuse.run("k", () => Promise.resolve(page(2))).promise;
    expect(reuse.run("k", () => Promise.resolve(page(2)), true).hit).toBe(false);
    reuse.clear();
    await reuse.run("k", () => Promise.resolve(page(2)), true).promise;
    expect(reuse.size).toBe(0);
  });

  it("does not keep a read that started before clear()", async () => {
    const reuse = reuseOf(60_000, { records: 100 });
    const call = deferred<{ rows: unknown[] }>();
    const run = reuse.run("k", () => call.promise);
    reuse.clear();
    call.resolve(page(1));
    await run.promise;
    expect(reuse.run("k", () => Promise.resolve(page(1))).hit).toBe(false);
  });

  it.each([
    ["50000", { records: 50000 }],
    ["2000 records", { records: 2000 }],
    ["64MB", { bytes: 64_000_000 }],
    ["512 KiB", { bytes: 524_288 }],
    ["0", { records: 0 }],
    ["lots", null],
  ])("reads the budget %s", (text, expected) => expect(parseCacheBudget(text)).toEqual(expected));

  it("estimates bytes from strings and fields", () => {
    expect(estimateBytes({ a: "xy" })).toBe(16 + 16 + 2 + 16 + 4);
  });

  it("keeps answers past the freshness bound until the stale bound, for failed reads only", async () => {
    const clock = new ManualClock(1_000_000);
    const reuse = new PageReuse(1000, { records: 100 }, (p: { rows: unknown[] }) => p.rows, clock, 5000);
    await reuse.run("k", () => Promise.resolve(page(2))).promise;
    clock.advance(2500);
    // Not fresh: a read is made; but the last good answer is there for a failure, 2.5 s old.
    expect(reuse.run("other", () => Promise.resolve(page(1))).hit).toBe(false);
    expect(reuse.stale("k")).toMatchObject({ ageMs: 2500 });
    clock.advance(2500);
    expect(reuse.stale("k")).toBeNull();
  });

  it("cancels a read in flight only when every caller waiting for it has gone", async () => {
    const reuse = reuseOf(1000, { records: 100 });
    const [a, b] = [new AbortController(), new AbortController()];
    let signal: AbortSignal | undefined;
    reuse.run(
      "k",
      (s) => ((signal = s), new Promise(() => undefined)),
      false,
      () => a.signal,
    );
    reuse.run(
      "k",
      () => Promise.reject(new Error("not called")),
      false,
      () => b.signal,
    );
    a.abort();
    expect(signal?.aborted).toBe(false);
    b.abort();
    expect(signal?.aborted).toBe(true);
    // Gone from the reads in flight: the next caller starts its own read.
    expect(
      reuse.run(
        "k",
        () => new Promise(() => undefined),
        false,
        () => new AbortController().signal,
      ).joined,
    ).toBe(false);
  });

  it("never cancels a read a caller without a signal waits for (an index build's page)", () => {
    const reuse = reuseOf(1000, { records: 100 });
    const a = new AbortController();
    let signal: AbortSignal | undefined;
    reuse.run(
      "k",
      (s) => ((signal = s), new Promise(() => undefined)),
      false,
      () => a.signal,
    );
    reuse.run("k", () => Promise.reject(new Error("not called")), true);
    a.abort();
    expect(signal?.aborted).toBe(false);
  });
});

describe("the shared index", () => {
  it("is fresh within its bound, due for refresh past 80% of it, and single-flight", async () => {
    const clock = new ManualClock(1_000_000);
    const index = new SharedIndex<string>(1000, clock);
    const build = deferred<string>();
    const a = index.get(() => build.promise);
    const b = index.get(() => Promise.resolve("other"));
    expect(b.joined).toBe(true);
    expect(index.state()).toEqual({ fresh: false, building: true, dueForRefresh: false });
    build.resolve("v1");
    expect(await a.promise).toBe("v1");
    clock.advance(800);
    expect(index.state()).toEqual({ fresh: true, building: false, dueForRefresh: true });
    clock.advance(201);
    expect(index.state().fresh).toBe(false);
  });

  it("keeps its last generation for failed reads until the stale bound, then drops it", async () => {
    const clock = new ManualClock(1_000_000);
    const index = new SharedIndex<string>(1000, clock, undefined, 3000);
    await index.get(() => Promise.resolve("v1")).promise;
    clock.advance(2999);
    expect(index.fresh()).toBeNull();
    expect(index.stale()).toEqual({ data: "v1", ageMs: 2999 });
    clock.advance(1);
    expect(index.stale()).toBeNull();
    expect(index.ageMs()).toBeNull();
  });
});

describe("the latency meter", () => {
  it("learns the round trip from small pages and the cost of a row from large ones", () => {
    const meter = new LatencyMeter({ callMs: 20, rowMs: 0 });
    for (let i = 0; i < 30; i++) meter.observe(10, 50);
    expect(meter.view().callMs).toBeCloseTo(10, 1);
    for (let i = 0; i < 30; i++) meter.observe(10 + 2000 * 0.05, 2000);
    expect(meter.view().rowMs).toBeCloseTo(0.05, 3);
  });
});
