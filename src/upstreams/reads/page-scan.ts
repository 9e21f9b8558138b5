import { forEachInSlices } from "../../lib/cooperate";
import { UpstreamError, type UpstreamName } from "../errors";

/**
 * Paging over both upstream lists, which share two hazards: a page past the end returns the last page
 * again (RuoYi "reasonable" mode) instead of an empty one, and a page may hold fewer rows than asked for
 * (an unknown size cap). So a scan stops on `total`, never on an empty page, never asks beyond `total`,
 * advances by the rows actually received, and gives up with bad_response rather than loop when a page
 * inside `total` brings nothing new.
 */

/**
 * The last row either upstream can be asked for. Both are Java services: `pageNum` (agent) and
 * `current` (Bridge, bound like the agent's until shown otherwise) are Integers, and PageHelper computes
 * a page's first row as (pageNum - 1) * pageSize in int arithmetic. A window ending at or before this
 * row keeps both within 2^31 - 1 for every page size the planner may choose, pageSize 1 included.
 */
export const LAST_PAGEABLE_ROW = 2 ** 31 - 2;

export interface ScanPage<T> {
  /** The page's rows in upstream order. */
  rows: T[];
  /** All rows matching the query. */
  total: number;
  /**
   * How many rows the upstream returned, when `rows` was filtered afterwards (Bridge exact customerNo).
   * Omitted: rows.length. Positions are then counted in received rows, and a filtered page is taken whole.
   */
  received?: number;
}

/**
 * What a page's answer says before its rows are decoded (the native JSON.parse of its body): the total,
 * and how many rows it holds. A hint for starting the next calls sooner; the decoded page is the truth.
 */
export interface PageHint {
  total: number;
  received: number;
}

/**
 * Fetches one page: 1-based `pageNum`, `pageSize` rows per page. `hint`, when given, may be called once
 * the answer's total is known and before its rows are decoded (never for an error answer).
 */
export type FetchPage<T> = (
  pageNum: number,
  pageSize: number,
  hint?: (hint: PageHint) => void,
) => Promise<ScanPage<T>>;

export interface ScanOptions<T> {
  upstream: UpstreamName;
  /** Logical endpoint for errors, e.g. "customer.list". */
  endpoint: string;
  /** Largest pageSize to ask for (the documented or assumed cap). */
  maxPageSize: number;
  /** Row identity: a page that brings only rows already seen is a bad_response; repeated rows are dropped. */
  keyOf?: (row: T) => string;
  /** Safety stop on the number of calls of one scan (default 10000). */
  maxCalls?: number;
}

export interface ScanChunk<T> {
  /** Position of rows[0] among all matching rows. */
  offset: number;
  rows: T[];
  total: number;
}

export interface WindowPlan {
  pageSize: number;
  /** 1-based, inclusive. */
  firstPage: number;
  lastPage: number;
}

/**
 * The page requests that cover rows [offset, offset+limit): one call with the smallest pageSize p >= limit
 * (p <= maxPageSize) whose page holds the whole window; when none exists, consecutive pages of
 * min(limit, maxPageSize) rows. `limit` 0 still asks one row, so that the caller learns `total`.
 */
export function planWindow(offset: number, limit: number, maxPageSize: number): WindowPlan {
  if (!Number.isSafeInteger(offset) || offset < 0)
    throw new RangeError("offset must be a non-negative integer");
  if (!Number.isSafeInteger(maxPageSize) || maxPageSize < 1) throw new RangeError("maxPageSize must be >= 1");
  const n = Math.max(1, Math.floor(limit));
  const last = offset + n - 1;
  for (let p = n; p <= maxPageSize; p++) {
    const page = Math.floor(offset / p);
    if (page === Math.floor(last / p)) return { pageSize: p, firstPage: page + 1, lastPage: page + 1 };
  }
  const p = Math.min(n, maxPageSize);
  return { pageSize: p, firstPage: Math.floor(offset / p) + 1, lastPage: Math.floor(last / p) + 1 };
}

function scanError<T>(opts: ScanOptions<T>, what: string): UpstreamError {
  return new UpstreamError(`${opts.upstream} ${opts.endpoint}: ${what}`, {
    upstream: opts.upstream,
    kind: "bad_response",
    endpoint: opts.endpoint,
  });
}

/**
 * Yields the rows [offset, offset+limit) (limit may be Infinity) in chunks, one per page received.
 * `chunkSize` bounds the rows asked per call (scans); without it a window is served in as few calls as
 * planWindow allows. When the upstream returns fewer rows than asked inside `total`, that count becomes
 * the cap and the rest is re-planned from the row actually reached.
 */
export async function* scanRange<T>(
  fetchPage: FetchPage<T>,
  offset: number,
  limit: number,
  opts: ScanOptions<T> & { chunkSize?: number },
): AsyncGenerator<ScanChunk<T>, void, undefined> {
  const end = offset + limit;
  const maxCalls = opts.maxCalls ?? 10_000;
  const seen = opts.keyOf ? new Set<string>() : undefined;
  let cap = opts.maxPageSize;
  let cursor = offset;
  let total: number | undefined;
  let calls = 0;

  for (;;) {
    const stop = total === undefined ? end : Math.min(end, total);
    // Before the first answer `total` is unknown: one call is made even for an empty window.
    if (total !== undefined && cursor >= stop) return;
    const want = Math.min(Math.max(0, stop - cursor), opts.chunkSize ?? Infinity, cap);
    const plan = planWindow(cursor, Number.isFinite(want) ? want : cap, cap);

    for (let pageNum = plan.firstPage; pageNum <= plan.lastPage; pageNum++) {
      if (++calls > maxCalls) throw scanError(opts, `scan stopped after ${maxCalls} pages`);
      const page = await fetchPage(pageNum, plan.pageSize);
      total = page.total;
      const pageStart = (pageNum - 1) * plan.pageSize;
      // Past the end the upstream repeats its last page: nothing here belongs to the window.
      if (pageStart >= total) return;
      const received = page.received ?? page.rows.length;
      const filtered = received !== page.rows.length;
      const target = Math.min(end, total);
      if (received === 0) {
        if (cursor >= target) return;
        throw scanError(opts, `page ${pageNum} is empty although total is ${total}`);
      }
      const capped = received < plan.pageSize && pageStart + received < total;
      if (capped) cap = received;
      // A capped page after the first is ambiguous: the upstream may have placed it at
      // (pageNum-1)*pageSize or at (pageNum-1)*cap. Drop it and re-plan on the cap's own grid.
      if (capped && pageNum > 1) break;
      const from = Math.max(cursor, pageStart);
      const to = Math.min(target, pageStart + received);
      if (to > from) {
        let rows = filtered ? page.rows : page.rows.slice(from - pageStart, to - pageStart);
        if (seen && opts.keyOf) {
          const keyOf = opts.keyOf;
          const fresh = rows.filter((r) => !seen.has(keyOf(r)));
          if (rows.length > 0 && fresh.length === 0) {
            throw scanError(opts, `page ${pageNum} repeats rows already received`);
          }
          for (const r of fresh) seen.add(keyOf(r));
          rows = fresh;
        }
        cursor = to;
        yield { offset: from, rows, total };
      } else if (!capped && cursor < target) {
        throw scanError(opts, `page ${pageNum} does not reach row ${cursor}`);
      }
      if (cursor >= target) return;
      // The cap changed the page grid: re-plan from the row reached.
      if (capped) break;
    }
  }
}

/** Every row, page by page, `pageSize` rows asked per call (fewer when the upstream caps pages). */
export function scanAll<T>(
  fetchPage: FetchPage<T>,
  opts: Omit<ScanOptions<T>, "maxPageSize"> & { pageSize: number },
): AsyncGenerator<ScanChunk<T>, void, undefined> {
  return scanRange(fetchPage, 0, Infinity, { ...opts, maxPageSize: opts.pageSize, chunkSize: opts.pageSize });
}

export interface RangeResult<T> {
  rows: T[];
  /** The upstream's total from the last page read. */
  total: number;
}

/** The rows [offset, offset+limit), in as few calls as the page grid and the upstream's cap allow. */
export async function fetchRange<T>(
  fetchPage: FetchPage<T>,
  offset: number,
  limit: number,
  opts: ScanOptions<T>,
): Promise<RangeResult<T>> {
  const rows: T[] = [];
  // Recorded from every page, since an empty window (or one past the end) yields no chunk.
  let total = 0;
  const recording: FetchPage<T> = async (pageNum, pageSize) => {
    const page = await fetchPage(pageNum, pageSize);
    total = page.total;
    return page;
  };
  for await (const chunk of scanRange(recording, offset, limit, opts)) rows.push(...chunk.rows);
  return { rows, total };
}

export interface FirstPage<T> {
  rows: T[];
  total: number;
}

/** Page size of a whole scan and its number of pages, from page 1's total and rows. */
function scanLayout(total: number, received: number, maxPageSize: number): { cap: number; pages: number } {
  // Page 1 is unambiguous even when capped: it starts at row 0 on any grid.
  const cap = received < Math.min(maxPageSize, total) ? received : maxPageSize;
  return { cap, pages: cap === 0 ? 0 : Math.ceil(total / cap) };
}

/**
 * The whole list, fast: page 1 (given, when a planner already read it as a probe) tells the total and
 * the real page cap; the remaining pages, on the cap's grid, are read `concurrency` at a time. The
 * number of calls is the same as a sequential scan's; the time is about that of the slowest batches.
 * Rows are kept in upstream order, once each by `keyOf`.
 *
 * The other pages start as soon as page 1's answer tells its total (`hint`, after the native parse of
 * its body), not after its rows are decoded: a 2,000-record Bridge page takes tens of ms to decode on
 * a busy machine, one round trip's worth. `onRows` gets each page's rows (repeats dropped) in upstream
 * order as soon as the pages before it were handed over, so that what is built from them (an index)
 * is built while later pages are still on the wire, not all after the last one; the rows then go there
 * only (the result's `rows` is empty), and without `keyOf` the consumer drops repeats itself.
 */
export async function scanWhole<T>(
  fetchPage: FetchPage<T>,
  opts: ScanOptions<T> & {
    concurrency: number;
    first?: FirstPage<T>;
    onRows?: (rows: T[]) => void | Promise<void>;
  },
): Promise<RangeResult<T>> {
  const maxCalls = opts.maxCalls ?? 10_000;
  const keyOf = opts.keyOf;
  const seen = keyOf ? new Set<string>() : undefined;
  const all: T[] = [];
  // Pages answered and not handed over yet; the next page to hand over; the hand-over so far.
  const answered = new Map<number, T[]>();
  let nextToHand = 1;
  let handing: Promise<void> = Promise.resolve();
  const handOver = async (rows: T[]): Promise<void> => {
    let fresh = rows;
    if (seen && keyOf) {
      fresh = [];
      await forEachInSlices(rows, (row) => {
        const key = keyOf(row);
        if (seen.has(key)) return;
        seen.add(key);
        fresh.push(row);
      });
    }
    if (opts.onRows === undefined) for (const row of fresh) all.push(row);
    else await opts.onRows(fresh);
  };
  const arrived = (pageNum: number, rows: T[]): void => {
    answered.set(pageNum, rows);
    while (answered.has(nextToHand)) {
      const pageRows = answered.get(nextToHand) as T[];
      answered.delete(nextToHand);
      nextToHand += 1;
      handing = handing.then(() => handOver(pageRows));
    }
    // Observed at the end; a failure here must not be unhandled meanwhile.
    handing.catch(() => undefined);
  };

  let rest: { cap: number; pages: number; done: Promise<void> } | null = null;
  // Once a page has failed (page 1 included, after its hint started the rest), no further page is asked.
  let failed = false;
  const readRest = (cap: number, pages: number): void => {
    let next = 2;
    const worker = async (): Promise<void> => {
      while (next <= pages && !failed) {
        const pageNum = next++;
        const page = await fetchPage(pageNum, cap).catch((error: unknown) => {
          failed = true;
          throw error;
        });
        arrived(pageNum, page.rows);
      }
    };
    const done = Promise.all(Array.from({ length: Math.min(opts.concurrency, pages - 1) }, worker)).then(
      () => undefined,
    );
    done.catch(() => undefined);
    rest = { cap, pages, done };
  };
  const hint = (h: PageHint): void => {
    if (rest !== null) return;
    const { cap, pages } = scanLayout(h.total, h.received, opts.maxPageSize);
    if (cap > 0 && pages >= 2 && pages <= maxCalls) readRest(cap, pages);
  };

  const first =
    opts.first ??
    (await fetchPage(1, opts.maxPageSize, hint).catch((error: unknown) => {
      failed = true;
      throw error;
    }));
  const total = first.total;
  const { cap, pages } = scanLayout(total, first.rows.length, opts.maxPageSize);
  if (cap === 0) {
    if (total === 0) return { rows: [], total };
    throw scanError(opts, `page 1 is empty although total is ${total}`);
  }
  if (pages > maxCalls) throw scanError(opts, `a scan would take ${pages} pages`);
  const started = rest as { cap: number; pages: number; done: Promise<void> } | null;
  if (started !== null && (started.cap !== cap || started.pages !== pages)) {
    // The hint and the decoded page disagree (not seen from a valid answer): nothing started is used.
    failed = true;
    await started.done.catch(() => undefined);
    throw scanError(opts, `page 1 decoded differs from its total and rows as first read`);
  }
  arrived(1, first.rows);
  if (started === null && pages >= 2) readRest(cap, pages);
  await (rest as { done: Promise<void> } | null)?.done;
  await handing;
  return { rows: all, total };
}
