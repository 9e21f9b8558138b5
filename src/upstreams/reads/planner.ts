/**
 * How a read is made, decided from facts alone: no HTTP, no timers, no state of its own. The list
 * source (list-source.ts) gathers a PlanState, asks the planner, and carries the Plan out; after a
 * probe it asks again with what the probe taught. Two planners share this shape: `plannedReads` (the
 * product) and `naiveReads` (the `GATEWAY_PLANNING=off` baseline the benchmark compares against).
 */

/** The shared index of the whole list, as the planner sees it. */
export interface IndexView {
  fresh: boolean;
  building: boolean;
  /** Fresh, old enough to rebuild ahead of time, no build under way. */
  dueForRefresh: boolean;
  /**
   * Replicas sharing reads: another replica holds a scan of the list within the freshness bound, or is
   * making one. Building the index from it costs no call. Absent: nothing is shared.
   */
  shared?: boolean;
}

/** What one call costs in time, as measured on this upstream (list-source.ts keeps the averages). */
export interface Latency {
  /** Round trip of a call before its rows: network, upstream, queueing. */
  callMs: number;
  /** Time each row received adds (transfer and decoding, which run one after another on one thread). */
  rowMs: number;
}

/** Calls an upstream's budget can pay (Bridge); null for an upstream without a documented limit. */
export interface BudgetView {
  /** Calls allowed right now. */
  available: number;
  /** Calls that will be allowed by the request's deadline if nothing else is spent before. */
  freeByDeadline: number;
  /** Calls kept for requests' own reads: background work (refresh ahead) leaves them untouched. */
  reserve: number;
}

export interface PlanState {
  index: IndexView;
  /** Rows of the unfiltered list from the last answer that said; null before any. */
  knownTotal: number | null;
  /** Largest page the upstream serves: its documented maximum, lowered by a cap it showed. */
  pageCap: number;
  /** Page 1 of the list was read in this plan (a probe): its rows are in hand, the scan starts at page 2. */
  probed: boolean;
  latency: Latency;
  /** Pages of one scan read at the same time. */
  scanConcurrency: number;
  /** Filtered calls of one per-key batch at the same time. */
  perKeyConcurrency: number;
  budget: BudgetView | null;
}

export type ReadRequest =
  /** A window of the list (`filtered`: narrowed by the upstream's filter). */
  | { kind: "window"; filtered: boolean }
  /** Lookups of `keys` distinct keys; `filterable`: the upstream can filter on the key (one call each). */
  | { kind: "keys"; keys: number; filterable: boolean }
  /** Served from a fresh index: rebuild it in the background now? */
  | { kind: "refresh" }
  /**
   * A lookup that only the whole list answers will follow this request's current read (a field the
   * caller selected): start the shared index now, beside that read, instead of one round trip later?
   */
  | { kind: "warm" };

export type Plan =
  /** Serve from the fresh shared index: no call. */
  | { kind: "index" }
  /** Build (or join the build in flight of) the shared index by a whole scan. */
  | { kind: "scan"; why: string }
  /** Read page 1 at the page cap (it tells the total and may hold keys), then plan again. */
  | { kind: "probe"; why: string }
  /** One filtered lookup per key, `concurrency` at a time. */
  | { kind: "per-key"; concurrency: number; why: string }
  /** A private whole scan per key (the baseline's answer to a key the upstream cannot filter). */
  | { kind: "scan-each"; why: string }
  /** Read the window's own pages. */
  | { kind: "window"; why: string }
  /** A scan the budget cannot pay before the deadline: spending calls on it would be for nothing. */
  | { kind: "refuse"; why: string }
  /** (refresh, warm) Nothing to do now. */
  | { kind: "none" };

export interface Planner {
  readonly name: "planned" | "naive";
  /** Whether identical reads are shared in flight and answered pages reused within the freshness bound. */
  readonly sharesReads: boolean;
  plan(state: PlanState, request: ReadRequest): Plan;
}

/** Calls a whole scan costs (pages not yet read); null while the total is unknown. */
export function scanCalls(state: PlanState): number | null {
  if (state.knownTotal === null) return null;
  const pages = Math.max(1, Math.ceil(state.knownTotal / state.pageCap));
  return Math.max(0, pages - (state.probed ? 1 : 0));
}

/** Estimated wall time of a whole scan: sequential rounds of concurrent pages, rows decoded in turn. */
export function scanMs(state: PlanState): number {
  const { callMs, rowMs } = state.latency;
  const calls = scanCalls(state);
  if (calls === null) {
    // Unknown total: a probe round, then at least one more round for the rest of the list.
    return 2 * callMs + state.pageCap * rowMs;
  }
  const rows = Math.max(0, (state.knownTotal ?? 0) - (state.probed ? state.pageCap : 0));
  return Math.ceil(calls / state.scanConcurrency) * callMs + rows * rowMs;
}

/** Estimated wall time of one filtered call per key (a filtered page holds few rows: one counted). */
export function perKeyMs(state: PlanState, keys: number): number {
  const { callMs, rowMs } = state.latency;
  return Math.ceil(keys / Math.max(1, state.perKeyConcurrency)) * callMs + keys * rowMs;
}

/**
 * Whether the budget favours a scan over `keys` filtered calls: the scan is paid for, and the per-key
 * calls would eat into the reserve, where one scan now serves every later lookup from the index.
 */
function budgetFavoursScan(budget: BudgetView, keys: number, cost: number): boolean {
  return budget.available - keys < budget.reserve && cost <= budget.available;
}

/**
 * Work no request waits for yet (refresh ahead, warming) only spends budget that leaves the reserve for
 * requests' own reads untouched.
 */
function withinReserve(state: PlanState): boolean {
  const budget = state.budget;
  return budget === null || budget.available >= (scanCalls(state) ?? 1) + budget.reserve;
}

/** A scan, unless the budget cannot pay for it before the deadline. */
function scanOrRefuse(state: PlanState, why: string): Plan {
  const budget = state.budget;
  if (budget !== null && !state.index.fresh && !state.index.building) {
    const cost = scanCalls(state) ?? 1;
    if (budget.freeByDeadline < cost) {
      return {
        kind: "refuse",
        why: `a scan of ${cost} calls, ${budget.freeByDeadline} free by the deadline`,
      };
    }
  }
  return { kind: "scan", why };
}

function planKeys(state: PlanState, keys: number, filterable: boolean): Plan {
  if (state.index.fresh) return { kind: "index" };
  if (state.index.building) return { kind: "scan", why: "joined a scan in flight" };
  if (state.index.shared === true) return { kind: "scan", why: "another replica's scan" };
  if (!filterable) return scanOrRefuse(state, `page size ${state.pageCap}`);
  const perKey = (why: string): Plan => ({ kind: "per-key", concurrency: state.perKeyConcurrency, why });
  const cost = scanCalls(state);
  const budget = state.budget;

  if (budget !== null) {
    // Calls are the binding constraint: the fewest calls, a scan on a tie (it also warms the index).
    const scanWins = (c: number) => c <= keys || budgetFavoursScan(budget, keys, c);
    if (cost === null) {
      // A probe is the first page of any scan: worth reading when even a two-page scan would win.
      return !state.probed && scanWins(2)
        ? { kind: "probe", why: `${keys} keys, total unknown` }
        : perKey(`${keys} keys, scan cost unknown`);
    }
    return scanWins(cost)
      ? scanOrRefuse(state, `${cost} calls for ${keys} keys`)
      : perKey(`${keys} keys, scan would cost ${cost}`);
  }

  // No documented limit: the least wall time, then the fewest calls (a scan on a tie: it warms the index).
  const keyMs = perKeyMs(state, keys);
  const wholeMs = scanMs(state);
  const faster = keyMs < wholeMs;
  const timing = `~${Math.round(keyMs)} ms against ~${Math.round(wholeMs)} ms for a scan`;
  if (cost === null) {
    if (keys <= 1 || state.probed) return perKey(`${keys} keys, scan cost unknown`);
    return faster ? perKey(`${keys} keys in parallel, ${timing}`) : { kind: "probe", why: `${keys} keys` };
  }
  if (faster && keys > 1) return perKey(`${keys} keys in parallel, ${timing}`);
  return cost <= keys
    ? { kind: "scan", why: `${cost} calls for ${keys} keys` }
    : perKey(`${keys} keys, scan would cost ${cost}`);
}

/** The product's planner: shared index, probes, per-key or scan by calls (budgeted) or time (unlimited). */
export const plannedReads: Planner = {
  name: "planned",
  sharesReads: true,
  plan(state, request) {
    switch (request.kind) {
      case "window":
        return state.index.fresh ? { kind: "index" } : { kind: "window", why: "its own pages" };
      case "keys":
        return planKeys(state, request.keys, request.filterable);
      case "refresh":
        return state.index.dueForRefresh && withinReserve(state)
          ? { kind: "scan", why: "refresh ahead" }
          : { kind: "none" };
      case "warm":
        return !state.index.fresh &&
          !state.index.building &&
          (state.index.shared === true || withinReserve(state))
          ? { kind: "scan", why: "started beside the read it follows" }
          : { kind: "none" };
    }
  },
};

/**
 * The naive baseline (`GATEWAY_PLANNING=off`), kept for the benchmark: no shared index, no shared or
 * reused reads, one filtered call per key, and a private whole scan per key the upstream cannot filter.
 */
export const naiveReads: Planner = {
  name: "naive",
  sharesReads: false,
  plan(state, request) {
    switch (request.kind) {
      case "window":
        return { kind: "window", why: "its own pages" };
      case "keys":
        return request.filterable
          ? { kind: "per-key", concurrency: state.perKeyConcurrency, why: "one call per key" }
          : { kind: "scan-each", why: "one scan per key" };
      case "refresh":
      case "warm":
        return { kind: "none" };
    }
  },
};
