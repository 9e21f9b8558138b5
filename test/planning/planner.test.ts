import {
  naiveReads,
  perKeyMs,
  plannedReads,
  scanCalls,
  scanMs,
  type Plan,
  type PlanState,
  type ReadRequest,
} from "../../src/upstreams/reads/planner";

/** The planner is a pure function: every case is a state, a request and the plan expected. */
const COLD = { fresh: false, building: false, dueForRefresh: false };
const FRESH = { fresh: true, building: false, dueForRefresh: false };
const DUE = { fresh: true, building: false, dueForRefresh: true };
const BUILDING = { fresh: false, building: true, dueForRefresh: false };
/** Another replica holds a fresh scan, or is making one (replicas sharing reads). */
const SHARED = { ...COLD, shared: true };

/** The agent list: no documented limit, 2500 rows behind a cap of 1000 once known. */
const agent: PlanState = {
  index: COLD,
  knownTotal: null,
  pageCap: 2000,
  probed: false,
  latency: { callMs: 20, rowMs: 0.02 },
  scanConcurrency: 8,
  perKeyConcurrency: 20,
  budget: null,
};
/** Bridge: 100 calls a minute, 2000 a page. */
const bridge: PlanState = {
  ...agent,
  scanConcurrency: 4,
  perKeyConcurrency: 8,
  budget: { available: 90, freeByDeadline: 90, reserve: 23 },
};
const known = (state: PlanState, total: number, cap = state.pageCap): PlanState => ({
  ...state,
  knownTotal: total,
  pageCap: cap,
});

const keys = (n: number, filterable = true): ReadRequest => ({ kind: "keys", keys: n, filterable });
const window: ReadRequest = { kind: "window", filtered: false };
const refresh: ReadRequest = { kind: "refresh" };
const warm: ReadRequest = { kind: "warm" };

type Case = [string, PlanState, ReadRequest, Plan["kind"]];

const planned: Case[] = [
  ["a fresh index answers a window", { ...agent, index: FRESH }, window, "index"],
  ["a cold window reads its own pages", agent, window, "window"],
  ["a fresh index answers keys", { ...bridge, index: FRESH }, keys(5), "index"],
  ["keys join a build in flight", { ...bridge, index: BUILDING }, keys(1), "scan"],
  ["unfilterable keys need the whole list (agent ids)", agent, keys(1, false), "scan"],
  // Agent, no limit: least wall time first.
  ["agent, cold, 1 name: one filtered call", agent, keys(1), "per-key"],
  [
    "agent, cold, 20 names: 20 parallel calls (one round) beat probe + scan (two)",
    agent,
    keys(20),
    "per-key",
  ],
  ["agent, cold, 200 names: ten rounds of lookups lose to a probe", agent, keys(200), "probe"],
  ["agent, 2 names, 3-page scan known: 2 calls", known(agent, 2500, 1000), keys(2), "per-key"],
  [
    "agent, 20 names, 3-page scan known: parallel lookups are sooner than decoding 2500 rows",
    known(agent, 2500, 1000),
    keys(20),
    "per-key",
  ],
  [
    "agent, 100 names, small list (one page): the scan is as fast and fewer calls",
    known(agent, 300, 1000),
    keys(100),
    "scan",
  ],
  [
    "agent, after a probe: the rest of the scan costs fewer calls than the keys left",
    { ...known(agent, 2500, 1000), probed: true },
    keys(150),
    "scan",
  ],
  // Bridge: calls are the binding constraint.
  ["bridge, cold, 1 key: one filtered call", bridge, keys(1), "per-key"],
  ["bridge, cold, 2 keys: a probe (a 2-page scan would tie)", bridge, keys(2), "probe"],
  ["bridge, 2 keys, 5-page scan known: 2 calls", known(bridge, 10_000), keys(2), "per-key"],
  [
    "bridge, 5 keys, 5-page scan known: the scan (tie: it warms the index)",
    known(bridge, 10_000),
    keys(5),
    "scan",
  ],
  [
    "bridge, budget low: one scan now instead of draining the reserve",
    { ...known(bridge, 10_000), budget: { available: 25, freeByDeadline: 25, reserve: 23 } },
    keys(3),
    "scan",
  ],
  [
    "bridge, a scan the budget cannot pay by the deadline is refused",
    { ...known(bridge, 10_000), budget: { available: 2, freeByDeadline: 2, reserve: 23 } },
    keys(1, false),
    "refuse",
  ],
  [
    "bridge, after a probe with the total unknown still: per key",
    { ...bridge, probed: true },
    keys(3),
    "per-key",
  ],
  // Refresh ahead.
  ["no refresh while not due", { ...agent, index: FRESH }, refresh, "none"],
  ["agent refreshes when due", { ...agent, index: DUE }, refresh, "scan"],
  [
    "bridge refreshes when due and the reserve stays whole",
    { ...known(bridge, 10_000), index: DUE },
    refresh,
    "scan",
  ],
  [
    "bridge does not refresh into the reserve",
    { ...known(bridge, 10_000), index: DUE, budget: { available: 27, freeByDeadline: 27, reserve: 23 } },
    refresh,
    "none",
  ],
  // Warming: an index a later lookup of this request needs, started beside the read that comes first.
  ["keys read another replica's scan rather than call", { ...agent, index: SHARED }, keys(1), "scan"],
  [
    "bridge reads another replica's scan although its budget could not pay one",
    { ...known(bridge, 10_000), index: SHARED, budget: { available: 0, freeByDeadline: 0, reserve: 23 } },
    keys(1, false),
    "scan",
  ],
  [
    "bridge warms from another replica's scan even into the reserve",
    { ...bridge, index: SHARED, budget: { available: 10, freeByDeadline: 10, reserve: 23 } },
    warm,
    "scan",
  ],
  [
    "a window reads its own page even when another replica holds a scan",
    { ...agent, index: SHARED },
    window,
    "window",
  ],
  ["agent warms a cold index", agent, warm, "scan"],
  ["nothing to warm when fresh", { ...agent, index: FRESH }, warm, "none"],
  ["nothing to warm while a build runs", { ...agent, index: BUILDING }, warm, "none"],
  ["bridge warms when the reserve stays whole", bridge, warm, "scan"],
  [
    "bridge does not warm into the reserve",
    { ...known(bridge, 10_000), budget: { available: 27, freeByDeadline: 27, reserve: 23 } },
    warm,
    "none",
  ],
];

const naive: Case[] = [
  ["never an index", { ...agent, index: FRESH }, window, "window"],
  ["one filtered call per key", known(agent, 2500, 1000), keys(20), "per-key"],
  ["a private scan per unfilterable key", { ...bridge, index: FRESH }, keys(3, false), "scan-each"],
  ["never a refresh", { ...agent, index: DUE }, refresh, "none"],
  ["never warms", agent, warm, "none"],
];

describe("the planner (planning on)", () => {
  it.each(planned)("%s", (_name, state, request, expected) => {
    expect(plannedReads.plan(state, request).kind).toBe(expected);
  });

  it("per-key plans carry the upstream's per-key concurrency", () => {
    expect(plannedReads.plan(agent, keys(20))).toMatchObject({ kind: "per-key", concurrency: 20 });
  });

  it("shares reads", () => expect(plannedReads.sharesReads).toBe(true));
});

describe("the naive baseline (GATEWAY_PLANNING=off)", () => {
  it.each(naive)("%s", (_name, state, request, expected) => {
    expect(naiveReads.plan(state, request).kind).toBe(expected);
  });

  it("shares no reads", () => expect(naiveReads.sharesReads).toBe(false));
});

describe("the planner's cost model", () => {
  it("counts a scan's calls from the total and the cap, less a probe already read", () => {
    expect(scanCalls(agent)).toBeNull();
    expect(scanCalls(known(agent, 2500, 1000))).toBe(3);
    expect(scanCalls({ ...known(agent, 2500, 1000), probed: true })).toBe(2);
    expect(scanCalls(known(agent, 0, 1000))).toBe(1);
  });

  it("times a scan in rounds of concurrent pages plus its rows, per-key in rounds of lookups", () => {
    // 10 pages, 8 at a time: 2 rounds of 20 ms, 10,000 rows at 0.02 ms.
    expect(scanMs(known(agent, 10_000, 1000))).toBeCloseTo(2 * 20 + 200);
    // Unknown total: a probe round and one more, the probe's rows.
    expect(scanMs(agent)).toBeCloseTo(2 * 20 + 2000 * 0.02);
    expect(perKeyMs(agent, 20)).toBeCloseTo(20 + 20 * 0.02);
    expect(perKeyMs(agent, 21)).toBeCloseTo(40 + 21 * 0.02);
  });
});
