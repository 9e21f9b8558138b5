import { isUpstreamError } from "../../src/upstreams/errors";
import {
  fetchRange,
  planWindow,
  scanAll,
  scanWhole,
  type FetchPage,
  type ScanOptions,
} from "../../src/upstreams/reads/page-scan";

/** A RuoYi-like list: a page past the end repeats the last page, and pages hold at most `cap` rows. */
function ruoyiList(total: number, cap = Infinity) {
  const calls: Array<[number, number]> = [];
  const fetchPage: FetchPage<number> = async (pageNum, pageSize) => {
    calls.push([pageNum, pageSize]);
    const size = Math.min(pageSize, cap);
    const lastPage = Math.max(1, Math.ceil(total / size));
    const page = Math.min(pageNum, lastPage);
    const start = (page - 1) * pageSize;
    const rows: number[] = [];
    for (let i = start; i < Math.min(total, start + size); i++) rows.push(i);
    return { rows, total };
  };
  return { fetchPage, calls };
}

const opts = (maxPageSize: number): ScanOptions<number> => ({
  upstream: "agent",
  endpoint: "customer.list",
  maxPageSize,
  keyOf: String,
});

describe("planWindow", () => {
  it("uses the smallest page size that serves the window in one call", () => {
    expect(planWindow(0, 20, 2000)).toEqual({ pageSize: 20, firstPage: 1, lastPage: 1 });
    expect(planWindow(40, 20, 2000)).toEqual({ pageSize: 20, firstPage: 3, lastPage: 3 });
    expect(planWindow(10, 20, 2000)).toEqual({ pageSize: 30, firstPage: 1, lastPage: 1 });
    const p = planWindow(1010, 20, 2000);
    expect(p.firstPage).toBe(p.lastPage);
    const start = (p.firstPage - 1) * p.pageSize;
    expect(start).toBeLessThanOrEqual(1010);
    expect(start + p.pageSize).toBeGreaterThanOrEqual(1030);
    for (let q = 20; q < p.pageSize; q++) expect(Math.floor(1010 / q)).not.toBe(Math.floor(1029 / q));
  });

  it("falls back to several pages when no single page fits under the cap", () => {
    expect(planWindow(15, 10, 12)).toEqual({ pageSize: 10, firstPage: 2, lastPage: 3 });
    expect(planWindow(0, 5000, 2000)).toEqual({ pageSize: 2000, firstPage: 1, lastPage: 3 });
    expect(planWindow(7, 0, 100)).toEqual({ pageSize: 1, firstPage: 8, lastPage: 8 });
  });
});

describe("fetchRange", () => {
  it("serves a window in one call", async () => {
    const l = ruoyiList(100);
    const r = await fetchRange(l.fetchPage, 10, 20, opts(2000));
    expect(r.rows).toEqual(Array.from({ length: 20 }, (_, i) => 10 + i));
    expect(r.total).toBe(100);
    expect(l.calls).toEqual([[1, 30]]);
  });

  it("never takes the repeated last page for rows past the end", async () => {
    const l = ruoyiList(50);
    const r = await fetchRange(l.fetchPage, 100, 20, opts(2000));
    expect(r).toEqual({ rows: [], total: 50 });
    expect(l.calls).toHaveLength(1);
    const tail = await fetchRange(ruoyiList(50).fetchPage, 45, 20, opts(2000));
    expect(tail.rows).toEqual([45, 46, 47, 48, 49]);
  });

  it("learns an unknown cap and continues from the row reached", async () => {
    const l = ruoyiList(1000, 7);
    const r = await fetchRange(l.fetchPage, 3, 30, opts(2000));
    expect(r.rows).toEqual(Array.from({ length: 30 }, (_, i) => 3 + i));
    expect(l.calls.length).toBeLessThanOrEqual(7);
  });

  it("reports total for an empty window", async () => {
    const r = await fetchRange(ruoyiList(12).fetchPage, 0, 0, opts(100));
    expect(r).toEqual({ rows: [], total: 12 });
  });

  it("stops with bad_response on an empty page inside total", async () => {
    const fetchPage: FetchPage<number> = async () => ({ rows: [], total: 10 });
    await expect(fetchRange(fetchPage, 0, 5, opts(100))).rejects.toMatchObject({ kind: "bad_response" });
  });

  it("stops with bad_response when a page only repeats rows already received", async () => {
    // An upstream that ignores pageNum: every page is the first one.
    const fetchPage: FetchPage<number> = async (_n, size) => ({
      rows: Array.from({ length: size }, (_, i) => i),
      total: 100,
    });
    const err: unknown = await fetchRange(fetchPage, 0, 100, opts(10)).catch((e: unknown) => e);
    expect(isUpstreamError(err) && err.kind).toBe("bad_response");
  });
});

describe("scanAll", () => {
  it("reads every row once, stopping on total, advancing by rows received", async () => {
    const l = ruoyiList(95, 30);
    const seen: number[] = [];
    for await (const chunk of scanAll(l.fetchPage, {
      upstream: "agent",
      endpoint: "customer.list",
      pageSize: 50,
    })) {
      seen.push(...chunk.rows);
    }
    expect(seen).toEqual(Array.from({ length: 95 }, (_, i) => i));
    expect(l.calls[0]).toEqual([1, 50]);
    // After the cap shows, pages of 30; the tail asks only the 5 rows left. Never a call past the end.
    expect(l.calls.slice(1)).toEqual([
      [2, 30],
      [3, 30],
      [19, 5],
    ]);
  });

  it("advances by received rows when the client filtered them (Bridge exact customerNo)", async () => {
    const fetchPage: FetchPage<number> = async (pageNum, pageSize) => {
      const start = (pageNum - 1) * pageSize;
      const all = Array.from({ length: Math.max(0, Math.min(pageSize, 25 - start)) }, (_, i) => start + i);
      return { rows: all.filter((n) => n % 10 === 0), total: 25, received: all.length };
    };
    const seen: number[] = [];
    for await (const chunk of scanAll(fetchPage, {
      upstream: "bridge",
      endpoint: "customer.page",
      pageSize: 10,
    })) {
      seen.push(...chunk.rows);
    }
    expect(seen).toEqual([0, 10, 20]);
  });
});

describe("scanWhole", () => {
  /**
   * A list of `total` rows at `cap` a page whose page 1 answers only when released: the test sees which
   * calls were made before page 1's rows came back. Page 1 tells its total (`hint`) first, as the clients
   * do after the native parse of its body.
   */
  function heldFirstPage(total: number, cap: number, hinted: { total: number; received: number } | null) {
    const calls: number[] = [];
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const rowsOf = (pageNum: number) => {
      const rows: number[] = [];
      for (let i = (pageNum - 1) * cap; i < Math.min(total, pageNum * cap); i++) rows.push(i);
      return rows;
    };
    const fetchPage: FetchPage<number> = async (pageNum, pageSize, hint) => {
      calls.push(pageNum);
      expect(pageSize).toBe(cap);
      if (pageNum === 1) {
        if (hinted !== null) hint?.(hinted);
        await released;
      }
      return { rows: rowsOf(pageNum), total };
    };
    return { fetchPage, calls, release };
  }

  it("starts pages 2..n when page 1 tells its total, before page 1's rows are decoded", async () => {
    const list = heldFirstPage(10, 3, { total: 10, received: 3 });
    const scan = scanWhole(list.fetchPage, { ...opts(3), concurrency: 8 });
    await new Promise((resolve) => setImmediate(resolve));
    // Page 1 is still held, and every other page has been asked for.
    expect([...list.calls].sort()).toEqual([1, 2, 3, 4]);
    list.release();
    await expect(scan).resolves.toEqual({ rows: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], total: 10 });
    expect(list.calls).toHaveLength(4);
  });

  it("without a hint, waits for page 1 as before", async () => {
    const list = heldFirstPage(10, 3, null);
    const scan = scanWhole(list.fetchPage, { ...opts(3), concurrency: 8 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(list.calls).toEqual([1]);
    list.release();
    await expect(scan).resolves.toEqual({ rows: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], total: 10 });
    expect(list.calls).toHaveLength(4);
  });

  it("refuses a page 1 whose decoded rows disagree with its hint", async () => {
    // Read first as 13 rows (5 pages), decoded as 10 (4 pages): the scan does not go on from either.
    const list = heldFirstPage(10, 3, { total: 13, received: 3 });
    const scan = scanWhole(list.fetchPage, { ...opts(3), concurrency: 8 });
    list.release();
    await expect(scan).rejects.toThrow(/page 1 decoded differs/);
  });

  it("asks no further page once page 1 fails after its hint started the others", async () => {
    const calls: number[] = [];
    let failFirst: (error: Error) => void = () => undefined;
    const fetchPage: FetchPage<number> = async (pageNum, _size, hint) => {
      calls.push(pageNum);
      if (pageNum === 1) {
        hint?.({ total: 20, received: 2 });
        return new Promise((_resolve, reject) => (failFirst = reject));
      }
      await new Promise((resolve) => setImmediate(resolve));
      return { rows: [(pageNum - 1) * 2, (pageNum - 1) * 2 + 1], total: 20 };
    };
    // 10 pages, 2 at a time: pages 2 and 3 start with the hint; page 1 then fails.
    const scan = scanWhole(fetchPage, { ...opts(2), concurrency: 2 });
    failFirst(new Error("page 1 is not a valid answer"));
    await expect(scan).rejects.toThrow("page 1 is not a valid answer");
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect([...calls].sort((a, b) => a - b)).toEqual([1, 2, 3]);
  });

  it("hands each page's new rows over in upstream order, whatever order the pages arrive in", async () => {
    const order = [3, 2, 4];
    const waiting = new Map<number, () => void>();
    const fetchPage: FetchPage<number> = async (pageNum, _size, hint) => {
      if (pageNum === 1) {
        hint?.({ total: 8, received: 2 });
        return { rows: [0, 1], total: 8 };
      }
      await new Promise<void>((resolve) => waiting.set(pageNum, resolve));
      // Page 3 repeats a row of page 2: kept once, where page 2 has it.
      return { rows: pageNum === 3 ? [3, 4, 5] : [(pageNum - 1) * 2, (pageNum - 1) * 2 + 1], total: 8 };
    };
    const handed: number[][] = [];
    const scan = scanWhole(fetchPage, {
      ...opts(2),
      concurrency: 8,
      onRows: (rows) => {
        handed.push(rows);
      },
    });
    await new Promise((resolve) => setImmediate(resolve));
    for (const pageNum of order) {
      waiting.get(pageNum)?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    const result = await scan;
    expect(handed).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
      [6, 7],
    ]);
    // The rows went to onRows only.
    expect(result).toEqual({ rows: [], total: 8 });
  });
});
