import { performance } from "node:perf_hooks";
import { forEachInSlices, queueForTurn } from "../../lib/cooperate";
import { mapSettled } from "../concurrency";
import { isUpstreamError, UpstreamError, type UpstreamName } from "../errors";
import type { RequestScope } from "../request-scope";
import { systemClock, type Clock } from "./clock";
import { fetchRange, scanWhole, type FetchPage, type PageHint, type ScanPage } from "./page-scan";
import { PageReuse, type CacheBudget } from "./page-reuse";
import type { BudgetView, Latency, Plan, PlanState, Planner, ReadRequest } from "./planner";
import { SharedIndex } from "./shared-index";
import type { SharedAnswer, SharedReadOptions, SharedReads } from "./shared-reads";

/** One page of an upstream list, as the adapter asks for it. `filter`: the upstream's own filter value. */
export interface PageParams {
  page: number;
  size: number;
  filter?: string;
}

/** One page as the upstream answered it: its rows, and its body text (what replicas share). */
export type AnsweredPage<Row> = ScanPage<Row> & { text: string };

/**
 * A page as the list source holds it: `at`, when its data was read (the start of the call that read it,
 * on this replica or another, `fromReplica`); `text` while it is passed on, never kept with the page.
 */
type HeldPage<Row> = ScanPage<Row> & { at: number; text?: string; fromReplica?: boolean };

/** What a call carries from the request that needs it. */
export interface CallContext {
  deadline: number;
  requestId: string;
  signal?: AbortSignal;
  /** Told the page's total as soon as the answer's body is parsed, before its rows are decoded. */
  hint?: (hint: PageHint) => void;
}

/**
 * An index built from a scan's rows as they come, page by page in upstream order, while the later pages
 * are still being read; `finish` gives the index of every row added.
 */
export interface IndexBuilder<Row, Index> {
  /**
   * In slices that give the event loop a turn (lib/cooperate.ts). A row whose key (keyOf) was added
   * before is dropped: the first one in upstream order stays, as a scan keeps it.
   */
  add(rows: readonly Row[]): Promise<void>;
  /**
   * The index of the rows added so far: after the last page, the whole list's. Also read while the scan
   * goes on (a lookup's early answers, `Lookup.early`), so it must neither seal nor copy what it holds.
   */
  finish(): Index;
}

/**
 * The small part of a list source that differs per upstream: its page call and its rules. Everything
 * else (planning, coalescing, page reuse, the shared index, refresh ahead, scans) is the list source's.
 */
export interface ListAdapter<Row, Index> {
  readonly upstream: UpstreamName;
  /** Logical endpoint of the page call, as accounting, metrics and errors name it. */
  readonly endpoint: string;
  /** Name of the shared index in accounting and metrics, e.g. "agent.customers". */
  readonly indexName: string;
  /** One page call. `received`: rows the upstream sent when the adapter dropped some (exact filter). */
  page(params: PageParams, call: CallContext): Promise<AnsweredPage<Row>>;
  /**
   * The page a successful answer's text holds, decoded exactly as page() decodes it (in slices that give
   * the event loop a turn): another replica made the call and shared its text (shared-reads.ts).
   */
  decode(text: string, params: PageParams): Promise<ScanPage<Row>>;
  /**
   * The page-cap rule: true where the upstream may serve fewer rows than asked on a page that is not the
   * last (a hidden cap the source learns and plans with); false where the documented maximum holds.
   */
  readonly learnsCap: boolean;
  /**
   * The exact-match rule of filtered windows: "upstream" when the upstream's filter is the meaning asked
   * for (its page grid is used as it is), "exact" when its exactness is undocumented (every record it
   * returns for the value is read and only exact matches kept, so totals count exact matches).
   */
  readonly windowFilter: "upstream" | "exact";
  /** Whether a row belongs to a filtered window (serving one from the index). */
  matchesFilter(row: Row, filter: string): boolean;
  /** Row identity: rows repeated across pages are dropped, a page of only repeated rows is an error. */
  keyOf(row: Row): string;
  /** A builder of the shared index of a scan's rows (given each page's rows as the scan goes). */
  indexBuilder(): IndexBuilder<Row, Index>;
  /** The row `index` holds for a key (keyOf), if any. */
  rowByKey(index: Index, key: string): Row | undefined;
  /** Whether two rows of one key say the same, to the last field served: the older may stand for both. */
  sameRow(a: Row, b: Row): boolean;
  rowsOf(index: Index): readonly Row[];
}

/** The upstream's facts the list source plans with (kept in the upstream's own folder). */
export interface ListFacts {
  /** Largest page size asked of the list (documented maximum, or assumed where undocumented). */
  maxPageSize: number;
  /** Page size of one filtered lookup. */
  filteredPageSize: number;
  /** Pages of one scan read at the same time. */
  scanConcurrency: number;
  /** Filtered calls of one per-key batch at the same time. */
  perKeyConcurrency: number;
}

/** The budget as the planner needs it (Bridge); see bridge/budget.ts. */
export interface BudgetPort {
  view(deadline: number): Promise<BudgetView>;
}

export interface ListSourceOptions {
  /** How old shared data may be when served, ms (page reuse and the index). */
  maxAgeMs: number;
  /**
   * Stale if error (API.md §6): how old kept data may be when it answers a read whose upstream failed
   * (or whose circuit is open), ms; 0 or absent: never.
   */
  staleIfErrorMs?: number;
  /** How much of answered pages is kept for reuse. */
  cacheBudget: CacheBudget;
  planner: Planner;
  clock?: Clock;
  /** null: an upstream without a documented rate limit. */
  budget?: BudgetPort | null;
  /** Until measured: a call's round trip and each row's share, ms. */
  initialLatency?: Latency;
  /**
   * Where replicas share their reads (src/replicas/shared-reads.ts, with REDIS_URL); absent or null:
   * this process reads alone, as a single gateway does. Only for a planner that shares reads, and a
   * freshness bound above 0.
   */
  shared?: SharedReads | null;
}

/**
 * A keyed lookup the source can make. `filterOf` present: the upstream filters on the key (one call per
 * key possible); absent: only the whole list answers it (index or scans).
 */
export interface Lookup<Row, Index, R> {
  /** e.g. "agent.byUserName", as the accounting's plans name it. */
  name: string;
  filterOf?: (key: string) => string;
  /** The key's answer among rows (a filtered page, a probe page, a private scan); undefined: not there. */
  pick(rows: readonly Row[], key: string): R | undefined;
  fromIndex(index: Index, key: string): R;
  /**
   * The key's answer from an index still being built, when it already holds its final one; undefined:
   * not yet. Only for keys whose first row in upstream order is the answer (the builder keeps the first
   * and drops repeats): the index is built in upstream order, so a key found in the pages added so far
   * keeps that answer whatever the later pages hold. Absent where a later page may still add to the
   * answer (all records linked to a customer).
   */
  early?(index: Index, key: string): R | undefined;
  /** The answer for a key nowhere to be found. */
  missing: R;
}

/** Averages of measured call times: the planner's latency input. */
export class LatencyMeter {
  private current: Latency;
  constructor(initial: Latency) {
    this.current = { ...initial };
  }

  /** A call of `rows` rows took `ms`: small pages teach the round trip, large ones the cost of a row. */
  observe(ms: number, rows: number): void {
    const blend = (old: number, sample: number) => old * 0.7 + sample * 0.3;
    if (rows <= 100) this.current.callMs = blend(this.current.callMs, Math.max(0, ms));
    else this.current.rowMs = blend(this.current.rowMs, Math.max(0, ms - this.current.callMs) / rows);
  }

  view(): Latency {
    return { ...this.current };
  }
}

const DEFAULT_LATENCY: Latency = { callMs: 20, rowMs: 0.02 };

/**
 * The least time a replica keeps for making a read itself after waiting for another replica making the
 * same (one that died is noticed within src/replicas/shared-reads.ts's claim time, 2 s).
 */
const OWN_READ_RESERVE_MS = 1000;

/** How long "no replica holds a scan" is believed before Redis is asked again. */
const NOT_HELD_MEMORY_MS = 250;

/**
 * The gateway's shared view of one upstream list, for every request (its data is read with the
 * gateway's own credentials, the same for every caller). Each read asks the planner for a plan and
 * carries it out here: identical reads in flight are made once, answered pages are reused within the
 * freshness bound, the shared index is built by one scan for everyone and rebuilt ahead of its bound.
 */
export class ListSource<Row, Index> {
  private readonly reads: PageReuse<HeldPage<Row>>;
  private readonly index: SharedIndex<Index>;
  private readonly planner: Planner;
  private readonly budget: BudgetPort | null;
  private readonly latency: LatencyMeter;
  private readonly clock: Clock;
  private readonly maxAgeMs: number;
  private readonly shared: SharedReads | null;
  /** The row cap the upstream showed (fewer rows than asked on a non-last page); null until seen. */
  private observedCap: number | null = null;
  private knownTotal: number | null = null;
  /** Until then (the source's clock), no replica was found holding a scan (sharedScanHeld). */
  private notHeldUntil = 0;
  /** Background work (refresh ahead) still running: tests and shutdown may wait for it. */
  private readonly background = new Set<Promise<unknown>>();
  /** The index being built now, as far as its pages were added (`earlyAnswers`); null: none. */
  private partial: (() => Index) | null = null;
  /** Told after each page the index build adds (`earlyAnswers`). */
  private readonly added = new Set<() => void>();

  constructor(
    protected readonly adapter: ListAdapter<Row, Index>,
    protected readonly facts: ListFacts,
    options: ListSourceOptions,
  ) {
    const clock = options.clock ?? systemClock;
    this.clock = clock;
    this.maxAgeMs = options.maxAgeMs;
    this.planner = options.planner;
    this.budget = options.budget ?? null;
    // Data that may not be reused at all (a bound of 0) is not shared either.
    this.shared = this.planner.sharesReads && options.maxAgeMs > 0 ? (options.shared ?? null) : null;
    this.latency = new LatencyMeter(options.initialLatency ?? DEFAULT_LATENCY);
    const staleMs = options.staleIfErrorMs ?? 0;
    this.index = new SharedIndex(options.maxAgeMs, clock, undefined, staleMs);
    this.reads = new PageReuse(options.maxAgeMs, options.cacheBudget, (page) => page.rows, clock, staleMs, {
      at: (page) => page.at,
      kept: (page) => ({ rows: page.rows, total: page.total, received: page.received, at: page.at }),
    });
  }

  get pageCap(): number {
    return Math.min(this.facts.maxPageSize, this.observedCap ?? Infinity);
  }

  private async state(scope: RequestScope, probed: boolean, request: ReadRequest): Promise<PlanState> {
    const budget = this.budget === null ? null : await this.budget.view(scope.deadline);
    const index = this.index.state();
    // Only for reads the index can answer (not windows, which read their own pages).
    const askShared = !index.fresh && !index.building && (request.kind === "keys" || request.kind === "warm");
    return {
      index: askShared ? { ...index, shared: await this.sharedScanHeld() } : index,
      knownTotal: this.knownTotal,
      pageCap: this.pageCap,
      probed,
      latency: this.latency.view(),
      scanConcurrency: this.facts.scanConcurrency,
      perKeyConcurrency: this.facts.perKeyConcurrency,
      budget,
    };
  }

  private async plan(scope: RequestScope, request: ReadRequest, probed = false): Promise<Plan> {
    return this.planner.plan(await this.state(scope, probed, request), request);
  }

  /** The adapter's page call, measured, and what its answer teaches (total, cap). */
  private async call(
    params: PageParams,
    scope: RequestScope,
    signal?: AbortSignal,
    hint?: (hint: PageHint) => void,
  ): Promise<HeldPage<Row>> {
    const at = this.clock.now();
    const started = performance.now();
    const page = await this.adapter.page(params, {
      deadline: scope.deadline,
      requestId: scope.requestId,
      signal,
      hint,
    });
    this.latency.observe(performance.now() - started, page.received ?? page.rows.length);
    await this.received(params, page);
    // The text goes on to whoever shares this read; page reuse keeps the page without it (its `kept`).
    return { ...page, at };
  }

  /**
   * A page as answered, by this process's call or read back from another replica's: what it teaches
   * (total, cap), and its rows the held index already has unchanged taken from the index (keepUnchanged).
   */
  private async received(params: PageParams, page: ScanPage<Row>): Promise<void> {
    if (params.filter === undefined) this.knownTotal = page.total;
    this.learnCap(params, page);
    await this.keepUnchanged(page.rows);
  }

  /**
   * Whether another replica holds a fresh scan of the list or is making one. "No" is remembered for
   * NOT_HELD_MEMORY_MS, so that lookups planned while no replica scans ask Redis at most that often.
   */
  private async sharedScanHeld(): Promise<boolean> {
    if (this.shared === null) return false;
    const now = this.clock.now();
    if (now < this.notHeldUntil) return false;
    const held = await this.shared.held(this.scanKey(), now - this.maxAgeMs);
    if (!held) this.notHeldUntil = now + NOT_HELD_MEMORY_MS;
    return held;
  }

  /** The shared scan's key: a scan on another page grid is another read. */
  private scanKey(): string {
    return `scan|${this.pageCap}`;
  }

  /**
   * What a shared read waits for and accepts (shared-reads.ts). Another replica making the same read is
   * waited for until the time this one would need to make it itself (twice the measured estimate, and
   * at least OWN_READ_RESERVE_MS) is all that is left before the deadline.
   */
  private sharedOptions(
    scope: RequestScope,
    notBefore: number,
    estimateMs: number,
    signal?: AbortSignal,
  ): SharedReadOptions {
    const reserve = Math.max(OWN_READ_RESERVE_MS, 2 * estimateMs);
    return { notBefore, keepMs: this.maxAgeMs, waitUntil: scope.deadline - reserve, signal };
  }

  /** How long `rounds` rounds of calls bringing `rows` rows take here, by the measured latency. */
  private readMs(rounds: number, rows: number): number {
    const { callMs, rowMs } = this.latency.view();
    return rounds * callMs + rows * rowMs;
  }

  /**
   * The page call, or (replicas, `viaReplicas`) the same page another replica read within the freshness
   * bound or is reading now.
   */
  private async sharedPage(
    params: PageParams,
    scope: RequestScope,
    viaReplicas: boolean,
    signal?: AbortSignal,
    hint?: (hint: PageHint) => void,
  ): Promise<HeldPage<Row>> {
    if (this.shared === null || !viaReplicas) return this.call(params, scope, signal, hint);
    const key = `page|${params.page}|${params.size}|${params.filter ?? ""}`;
    const estimate = this.readMs(1, params.size);
    const options = this.sharedOptions(scope, this.clock.now() - this.maxAgeMs, estimate, signal);
    const read = await this.shared
      .read(key, options, async () => {
        const page = await this.call(params, scope, signal);
        return { value: page, answer: { at: page.at, texts: [page.text ?? ""] } };
      })
      .catch((error: unknown) => {
        if (signal?.aborted === true) throw this.cancelled();
        throw error;
      });
    if (read.own) return read.value;
    const [text = ""] = read.answer.texts;
    const page = await this.adapter.decode(text, params);
    await this.received(params, page);
    return { ...page, at: read.answer.at, text, fromReplica: true };
  }

  /**
   * One page call: shared with an identical one in flight or recently answered (when the planner shares
   * reads), counted for the request either way. `forIndex`: the page is for an index build and must be
   * read now, not served from an earlier answer (the index would outlive the freshness bound).
   * `cancellable`: the call stops when every request waiting for it has gone (its client disconnected);
   * false for an index build's pages, which serve every later request (never cancelled by a client).
   * A page call that fails is answered by the last good answer of the same page while it is younger
   * than the stale bound (not for an index build: the index falls back as a whole, see staleIndex).
   * `viaReplicas`: replicas may share the read (not a scan's pages: a scan is shared whole).
   * `hint`: told the page's total before its rows are decoded, when this request makes the call.
   */
  private page(
    params: PageParams,
    scope: RequestScope,
    forIndex: boolean,
    cancellable = true,
    viaReplicas = true,
    hint?: (hint: PageHint) => void,
  ): Promise<HeldPage<Row>> {
    const { upstream, endpoint } = this.adapter;
    if (cancellable) this.throwIfCancelled(scope);
    const start = (signal?: AbortSignal) => this.sharedPage(params, scope, viaReplicas, signal, hint);
    if (!this.planner.sharesReads) {
      scope.accounting.recordCall(upstream, endpoint);
      return start(cancellable ? scope.signal : undefined);
    }
    const key = `${params.page}|${params.size}|${params.filter ?? ""}`;
    const { promise, joined, hit } = this.reads.run(
      key,
      start,
      forIndex,
      cancellable ? () => scope.signal : undefined,
    );
    if (hit) scope.accounting.recordIndexHit(`${upstream}:${endpoint}`);
    else if (joined || this.shared === null) scope.accounting.recordCall(upstream, endpoint, joined);
    else {
      // This request's own call, unless another replica made it: then it shared that call.
      void promise.then(
        (page) => scope.accounting.recordCall(upstream, endpoint, page.fromReplica === true),
        () => scope.accounting.recordCall(upstream, endpoint),
      );
    }
    if (forIndex) return promise;
    return promise.catch((error: unknown) => {
      const kept = this.mayServeStale(error, scope) ? this.reads.stale(key) : null;
      if (kept === null) throw error;
      scope.accounting.recordStale(upstream, kept.ageMs);
      return kept.value;
    });
  }

  /**
   * Rows the held index already has, unchanged, are taken from it in place of the page's new copies,
   * as soon as the page is answered: the agent index is rebuilt every ~1.6 s under demand, and each
   * rebuild's copies, kept for the scan's length, outlived two young-generation collections and were
   * promoted, to die in V8's old space (~5 MB a rebuild), which grew to twice the live heap between
   * major collections. Now the copies of unchanged rows die young, and the rows served stay put (with
   * what was derived from them once: mappers' caches, formatted decimals).
   */
  private async keepUnchanged(rows: Row[]): Promise<void> {
    const held = this.index.held();
    if (held === null) return;
    await forEachInSlices(rows, (row, i) => {
      const old = this.adapter.rowByKey(held, this.adapter.keyOf(row));
      if (old !== undefined && old !== row && this.adapter.sameRow(old, row)) rows[i] = old;
    });
  }

  /** A request whose client has gone starts no more upstream work of its own. */
  private throwIfCancelled(scope: RequestScope): void {
    if (scope.clientGone) throw this.cancelled();
  }

  private cancelled(): UpstreamError {
    const { upstream, endpoint } = this.adapter;
    return new UpstreamError(`${upstream} ${endpoint}: call cancelled by the caller`, {
      upstream,
      kind: "timeout",
      endpoint,
      gatewaySide: true,
      cancelled: true,
    });
  }

  /**
   * Stale if error (API.md §6): a read of this upstream failed (whatever the kind: an open circuit, a
   * timeout, a refused budget) for a request that is still there and is not a mutation's.
   */
  private mayServeStale(error: unknown, scope: RequestScope): boolean {
    return (
      scope.staleIfError &&
      !scope.clientGone &&
      isUpstreamError(error) &&
      error.upstream === this.adapter.upstream
    );
  }

  /** The index's last good generation, when the failed read may be answered from it; null otherwise. */
  private staleIndex(error: unknown, scope: RequestScope, lookup: string): Index | null {
    if (!this.mayServeStale(error, scope)) return null;
    const held = this.index.stale();
    if (held === null) return null;
    scope.accounting.recordStale(this.adapter.upstream, held.ageMs);
    scope.accounting.recordPlan(
      lookup,
      "stale",
      `index ${Math.floor(held.ageMs / 1000)} s old, the read failed`,
    );
    return held.data;
  }

  /** Fewer rows than asked on a page that is not the last: the upstream's hidden cap, planned with from now on. */
  private learnCap(params: PageParams, page: ScanPage<Row>): void {
    const received = page.received ?? page.rows.length;
    if (
      this.adapter.learnsCap &&
      received > 0 &&
      received < params.size &&
      (params.page - 1) * params.size + received < page.total
    ) {
      this.observedCap = Math.min(this.observedCap ?? Infinity, received);
    }
  }

  private fetcher(
    scope: RequestScope,
    filter?: string,
    forIndex = false,
  ): (page: number, size: number, hint?: (hint: PageHint) => void) => Promise<HeldPage<Row>> {
    // An index build's pages (forIndex) serve everyone after this request: never cancelled by it. Its
    // scan is shared with the other replicas as a whole (buildIndex), not page by page.
    return (page, size, hint) =>
      this.page({ page, size, filter }, scope, forIndex, !forIndex, !forIndex, hint);
  }

  private scanOptions(maxPageSize: number) {
    return {
      upstream: this.adapter.upstream,
      endpoint: this.adapter.endpoint,
      maxPageSize,
      keyOf: (row: Row) => this.adapter.keyOf(row),
    };
  }

  private range(
    scope: RequestScope,
    filter: string | undefined,
    offset: number,
    limit: number,
    size: number,
  ) {
    return fetchRange(this.fetcher(scope, filter), offset, limit, this.scanOptions(size));
  }

  /**
   * The whole list: page 1 (or the probe's) first, then the rest `scanConcurrency` at a time (from as
   * soon as page 1's total is known). `seen` gets each page as it arrives (a scan shared with other
   * replicas keeps their texts); `onRows` each page's new rows in upstream order (page-scan.ts).
   */
  private scan(
    scope: RequestScope,
    shared: boolean,
    first?: HeldPage<Row>,
    seen?: (pageNum: number, page: HeldPage<Row>) => void,
    onRows?: (rows: Row[]) => Promise<void>,
  ) {
    const fetch = this.fetcher(scope, undefined, shared);
    const fetchPage: FetchPage<Row> =
      seen === undefined
        ? fetch
        : async (pageNum, size, hint) => {
            const page = await fetch(pageNum, size, hint);
            seen(pageNum, page);
            return page;
          };
    if (first !== undefined) seen?.(1, first);
    return scanWhole(fetchPage, {
      ...this.scanOptions(this.pageCap),
      // An index builder drops repeated rows itself (its map by key is the set of keys seen).
      ...(onRows === undefined ? {} : { keyOf: undefined, onRows }),
      concurrency: this.facts.scanConcurrency,
      first,
    });
  }

  /**
   * The index's scan with every page's text kept, for the other replicas: `at` is when its oldest call
   * started (the probe's, when the scan starts from one).
   */
  private async sharedScan(
    scope: RequestScope,
    head?: HeldPage<Row>,
  ): Promise<{ value: { index: Index; at: number }; answer: SharedAnswer }> {
    const texts: string[] = [];
    let oldest = Infinity;
    const builder = this.trackedBuilder();
    await this.scan(
      scope,
      true,
      head,
      (pageNum, page) => {
        texts[pageNum - 1] = page.text ?? "";
        oldest = Math.min(oldest, page.at);
      },
      (rows) => builder.add(rows),
    );
    const at = Number.isFinite(oldest) ? oldest : this.clock.now();
    return { value: { index: builder.finish(), at }, answer: { at, texts } };
  }

  /**
   * Another replica's scan read back: its pages decoded in turn (each in slices) and put together exactly
   * as a scan of this process would, into the index as they go.
   */
  private async replay(texts: readonly string[]): Promise<Index> {
    const builder = this.trackedBuilder();
    const { upstream, endpoint } = this.adapter;
    const pageOf = async (pageNum: number, size: number): Promise<ScanPage<Row>> => {
      const text = texts[pageNum - 1];
      if (text === undefined) {
        throw new UpstreamError(`${upstream} ${endpoint}: a shared scan lacks page ${pageNum}`, {
          upstream,
          kind: "bad_response",
          endpoint,
        });
      }
      const params = { page: pageNum, size };
      const page = await this.adapter.decode(text, params);
      await this.received(params, page);
      return page;
    };
    await scanWhole(pageOf, {
      ...this.scanOptions(this.pageCap),
      keyOf: undefined,
      concurrency: 1,
      onRows: (rows) => builder.add(rows),
    });
    return builder.finish();
  }

  /**
   * The scan an index is built from, with the time of its data. With replicas sharing reads, one
   * replica scans and the others read its pages back (one scan in progress is joined, not repeated):
   * a first build takes any scan within the freshness bound, a refresh only one newer than it holds.
   */
  private async buildIndex(
    scope: RequestScope,
    head: HeldPage<Row> | undefined,
    rebuild: boolean,
  ): Promise<{ data: Index; at?: number }> {
    if (this.shared === null) {
      // Built page by page while the scan is still reading: after its last page, only that page is left.
      const builder = this.trackedBuilder();
      await this.scan(scope, true, head, undefined, (rows) => builder.add(rows));
      return { data: builder.finish() };
    }
    const held = this.index.dataTime();
    const notBefore = rebuild && held !== null ? held + 1 : this.clock.now() - this.maxAgeMs;
    const rows = this.knownTotal ?? this.pageCap;
    const pages = Math.max(1, Math.ceil(rows / this.pageCap));
    const estimate = this.readMs(1 + Math.ceil((pages - 1) / this.facts.scanConcurrency), rows);
    const options = this.sharedOptions(scope, notBefore, estimate);
    const read = await this.shared.read(this.scanKey(), options, () => this.sharedScan(scope, head));
    if (read.own) return { data: read.value.index, at: read.value.at };
    return { data: await this.replay(read.answer.texts), at: read.answer.at };
  }

  /**
   * The index builder of a build starting now, whose progress lookups may answer from before it ends
   * (`earlyAnswers`): the latest build is the one they read.
   */
  private trackedBuilder(): IndexBuilder<Row, Index> {
    const builder = this.adapter.indexBuilder();
    const view = () => builder.finish();
    this.partial = view;
    return {
      add: async (rows) => {
        await builder.add(rows);
        if (this.partial !== view) return;
        for (const listener of [...this.added]) listener();
      },
      finish: () => {
        if (this.partial === view) this.partial = null;
        return builder.finish();
      },
    };
  }

  /**
   * Answers for `keys` from the index being built, as soon as every one of them is there with its final
   * answer (`Lookup.early`), without waiting for the rest of the scan; null once `building` settles
   * first (the caller then reads the finished index, or its failure). The scan goes on for the index
   * either way, at the same calls. A cold `bridgeProfiles(first: 50) { customer }`, whose linked
   * customers are on the agent list's first page, is answered after that page instead of the tenth.
   */
  private earlyAnswers<R>(
    spec: Lookup<Row, Index, R>,
    keys: readonly string[],
    building: Promise<Index>,
  ): Promise<Map<string, R> | null> {
    const early = spec.early;
    if (early === undefined) return Promise.resolve(null);
    // Answered early, this lookup no longer waits for the build: its failure is the index's own.
    building.catch(() => undefined);
    const found = new Map<string, R>();
    const complete = (): boolean => {
      const view = this.partial;
      if (view === null) return false;
      const index = view();
      for (const key of keys) {
        if (found.has(key)) continue;
        const answer = early(index, key);
        if (answer === undefined) return false;
        found.set(key, answer);
      }
      return true;
    };
    if (complete()) return Promise.resolve(found);
    return new Promise((resolve) => {
      const listener = () => {
        if (!complete()) return;
        this.added.delete(listener);
        resolve(found);
      };
      this.added.add(listener);
      const done = () => {
        this.added.delete(listener);
        resolve(null);
      };
      building.then(done, done);
    });
  }

  /** The shared index: built by one scan (joined while in flight), or served while fresh. */
  private fullIndex(
    scope: RequestScope,
    lookup: string,
    why: string,
    head?: HeldPage<Row>,
    rebuild = false,
  ): Promise<Index> {
    const { promise, joined, hit } = this.index.getDated(
      () => this.buildIndex(scope, head, rebuild),
      rebuild,
    );
    if (hit) scope.accounting.recordIndexHit(this.adapter.indexName);
    else scope.accounting.recordPlan(lookup, "scan", joined ? "joined a scan in flight" : why);
    return promise;
  }

  /**
   * Under steady demand an index past most of its bound is rebuilt in the background (single-flight)
   * while it is still served, so that requests rarely wait for a scan; a failed refresh costs nothing
   * but the next request's own scan.
   */
  private async refreshIfDue(scope: RequestScope): Promise<void> {
    if (!this.index.state().dueForRefresh) return;
    const plan = await this.plan(scope, { kind: "refresh" });
    if (plan.kind !== "scan" || this.index.isBuilding()) return;
    this.inBackground(
      this.fullIndex(scope, `${this.adapter.upstream}.refreshAhead`, plan.why, undefined, true),
    );
  }

  /**
   * The request will look keys up that only the whole list answers (a field the caller selected), after
   * a read of its own that must come first: start the shared index now, beside that read, when the
   * planner agrees (never into a budget's reserve). Nothing waits for it: the lookup joins the build or
   * finds the index built, one round trip (or more) sooner.
   */
  async warm(scope: RequestScope): Promise<void> {
    const plan = await this.plan(scope, { kind: "warm" }).catch(() => null);
    if (plan?.kind !== "scan" || this.index.isBuilding()) return;
    this.inBackground(this.fullIndex(scope, `${this.adapter.upstream}.warm`, plan.why));
  }

  /** Work no request waits for: its failure costs nothing but a later request's own read. */
  private inBackground(work: Promise<unknown>): void {
    const tracked: Promise<unknown> = work
      .catch(() => undefined)
      .finally(() => this.background.delete(tracked));
    this.background.add(tracked);
  }

  /** A scan the budget cannot pay before the deadline (`why`, for the request's accounting). */
  private refusal(lookup: string, why: string, scope: RequestScope): UpstreamError {
    const { upstream, endpoint } = this.adapter;
    scope.accounting.recordPlan(lookup, "refused", why);
    const name = upstream === "bridge" ? "Bridge" : upstream;
    return new UpstreamError(`The gateway's ${name} call budget cannot pay for this read now.`, {
      upstream,
      kind: "rate_limited",
      endpoint,
    });
  }

  /** Rows [offset, offset + limit) of the list in upstream order, optionally narrowed by the upstream's filter. */
  async window(
    offset: number,
    limit: number,
    filter: string | undefined,
    scope: RequestScope,
  ): Promise<{ total: number; rows: Row[] }> {
    this.throwIfCancelled(scope);
    await this.refreshIfDue(scope);
    const plan = await this.plan(scope, { kind: "window", filtered: filter !== undefined });
    const fresh = plan.kind === "index" ? this.index.fresh() : null;
    if (fresh !== null) {
      scope.accounting.recordIndexHit(this.adapter.indexName);
      return this.windowOf(fresh, offset, limit, filter);
    }
    try {
      return await this.readWindow(offset, limit, filter, scope);
    } catch (error) {
      const stale = this.staleIndex(error, scope, `${this.adapter.upstream}.window`);
      if (stale === null) throw error;
      return this.windowOf(stale, offset, limit, filter);
    }
  }

  private windowOf(index: Index, offset: number, limit: number, filter: string | undefined) {
    const all = this.adapter.rowsOf(index);
    const rows = filter === undefined ? all : all.filter((row) => this.adapter.matchesFilter(row, filter));
    return { total: rows.length, rows: rows.slice(offset, offset + limit) };
  }

  /** The window's own pages (a failed page answered by its last good answer, see page()). */
  private async readWindow(
    offset: number,
    limit: number,
    filter: string | undefined,
    scope: RequestScope,
  ): Promise<{ total: number; rows: Row[] }> {
    if (filter === undefined) {
      scope.accounting.recordPlan(`${this.adapter.upstream}.window`, "window", `${offset}+${limit}`);
      return this.range(scope, undefined, offset, limit, this.pageCap);
    }
    scope.accounting.recordPlan(`${this.adapter.upstream}.window`, "filtered-window", `${offset}+${limit}`);
    if (this.adapter.windowFilter === "upstream")
      return this.range(scope, filter, offset, limit, this.pageCap);
    const { rows } = await this.range(scope, filter, 0, Number.MAX_SAFE_INTEGER, this.facts.filteredPageSize);
    const exact = rows.filter((row) => this.adapter.matchesFilter(row, filter));
    return { total: exact.length, rows: exact.slice(offset, offset + limit) };
  }

  /**
   * One answer per key, in key order: the key's answer, `missing`, or the Error of that key's read (a
   * DataLoader batch then fails only that key). A refused or failed scan fails the whole batch.
   */
  async lookup<R>(
    spec: Lookup<Row, Index, R>,
    keys: readonly string[],
    scope: RequestScope,
  ): Promise<(R | Error)[]> {
    let answers: (R | Error)[];
    try {
      answers = await this.plannedLookup(spec, keys, scope);
    } catch (error) {
      // A failed scan, probe or refused budget: every key from the last good index, if it may serve.
      const stale = this.staleIndex(error, scope, spec.name);
      if (stale === null) throw error;
      return keys.map((key) => spec.fromIndex(stale, key));
    }
    // Keys whose own filtered read failed (and had no last good page): from the last good index.
    const failed = answers.find((answer): answer is Error => answer instanceof Error);
    const stale = failed === undefined ? null : this.staleIndex(failed, scope, spec.name);
    if (stale === null) return answers;
    return answers.map((answer, i) =>
      answer instanceof Error && this.mayServeStale(answer, scope)
        ? spec.fromIndex(stale, keys[i] as string)
        : answer,
    );
  }

  private async plannedLookup<R>(
    spec: Lookup<Row, Index, R>,
    keys: readonly string[],
    scope: RequestScope,
  ): Promise<(R | Error)[]> {
    this.throwIfCancelled(scope);
    await this.refreshIfDue(scope);
    const found = new Map<string, R | Error>();
    let head: HeldPage<Row> | undefined;
    const answers = (from: (key: string) => R | Error) =>
      keys.map((key) => (found.has(key) ? (found.get(key) as R | Error) : from(key)));
    const pending = () => [...new Set(keys)].filter((key) => !found.has(key));
    for (;;) {
      this.throwIfCancelled(scope);
      const todo = pending();
      if (todo.length === 0) return answers(() => spec.missing);
      const request = { kind: "keys", keys: todo.length, filterable: spec.filterOf !== undefined } as const;
      const plan = await this.plan(scope, request, head !== undefined);
      switch (plan.kind) {
        case "index": {
          const fresh = this.index.fresh();
          if (fresh === null) continue; // expired between the plan and now: plan again
          scope.accounting.recordIndexHit(this.adapter.indexName, todo.length);
          return answers((key) => spec.fromIndex(fresh, key));
        }
        case "scan": {
          const building = this.fullIndex(scope, spec.name, plan.why, head);
          const early = await this.earlyAnswers(spec, todo, building);
          const from =
            early !== null
              ? (key: string) => early.get(key) as R
              : await building.then((index) => (key: string) => spec.fromIndex(index, key));
          // Every request that waited for this scan wakes now: each goes on in a slot of its own.
          await queueForTurn();
          return answers(from);
        }
        case "refuse":
          throw this.refusal(spec.name, plan.why, scope);
        case "probe": {
          head = await this.page({ page: 1, size: this.pageCap }, scope, true);
          scope.accounting.recordPlan(spec.name, "probe", plan.why);
          for (const key of todo) {
            const answer = spec.pick(head.rows, key);
            if (answer !== undefined) found.set(key, answer);
          }
          continue;
        }
        case "per-key": {
          scope.accounting.recordPlan(spec.name, "per-key", plan.why);
          const results = await mapSettled(todo, plan.concurrency, (key) => this.findOne(spec, key, scope));
          todo.forEach((key, i) => found.set(key, results[i] as R | Error));
          return answers(() => spec.missing);
        }
        case "scan-each": {
          scope.accounting.recordPlan(spec.name, "scan", plan.why);
          const results = await mapSettled(todo, todo.length, async (key) => {
            const { rows } = await this.scan(scope, false);
            return spec.pick(rows, key) ?? spec.missing;
          });
          todo.forEach((key, i) => found.set(key, results[i] as R | Error));
          return answers(() => spec.missing);
        }
        case "window":
        case "none":
          throw new Error(`${spec.name}: the planner answered a key lookup with "${plan.kind}"`);
      }
    }
  }

  /** The key's filtered pages, read until its exact match turns up or the matches run out. */
  private async findOne<R>(spec: Lookup<Row, Index, R>, key: string, scope: RequestScope): Promise<R> {
    const filter = (spec.filterOf as (key: string) => string)(key);
    const size = Math.min(this.facts.filteredPageSize, this.pageCap);
    for (let page = 1; ; page++) {
      const { total, rows, received } = await this.page({ page, size, filter }, scope, false);
      const answer = spec.pick(rows, key);
      if (answer !== undefined) return answer;
      if ((received ?? rows.length) === 0 || page * size >= total) return spec.missing;
    }
  }

  /** Background work still running has settled (tests; a refresh ahead is never awaited by requests). */
  async settled(): Promise<void> {
    while (this.background.size > 0) await Promise.all([...this.background]);
  }

  /**
   * No index build is in flight: a lookup answered from a scan's first pages (`earlyAnswers`) leaves
   * the rest of the scan running for the index (tests, the bench's call counts).
   */
  indexBuilt(): Promise<void> {
    return this.index.whenBuilt();
  }

  /** Age of the shared index in ms, or null before the first build (the index-age gauge). */
  indexAgeMs(): number | null {
    return this.index.ageMs();
  }

  /** Told of every change made here (replicas pass it on: src/replicas/invalidation.ts). */
  private changed: (() => void) | null = null;

  /** `listener` runs after each invalidate() of this process (not after forget()). */
  onInvalidate(listener: () => void): void {
    this.changed = listener;
  }

  /**
   * After a mutation: what the index and the reused pages hold may have changed. Forgotten here at once;
   * with replicas, resolves once no replica can take a read shared before it (and only then tells them).
   */
  invalidate(): Promise<void> {
    this.forget();
    if (this.shared === null) {
      this.changed?.();
      return Promise.resolve();
    }
    return this.shared.invalidate().then(() => this.changed?.());
  }

  /** What another replica changed: forget what is held here, and tell no one. */
  forget(): void {
    this.index.invalidate();
    this.reads.clear();
  }
}
