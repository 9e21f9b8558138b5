/**
 * The canonical workloads (issue §6) and the minimum number of upstream calls each one needs: `optimum`
 * for the cold phase (nothing shared yet), `floor` for the load phase (every shared read reused for as long
 * as its freshness bound allows).
 */
import type { SimAgentCustomer, SimBridgeRecord } from "../../src/simulators";

export interface Calls {
  agent: number;
  bridge: number;
}

/** One upstream call as the gateway makes it on a cold path, for the bench to make directly. */
export type DirectCall =
  | { upstream: "agent"; pageNum: number; pageSize: number; userName?: string }
  | { upstream: "bridge"; current: number; size: number };

/** What the optimum depends on: dataset, page caps, freshness bounds. */
export interface WorkloadContext {
  customers: readonly SimAgentCustomer[];
  records: readonly SimBridgeRecord[];
  linkField: string;
  /** Rows one agent list page returns at most (the simulator's hidden cap). */
  agentCap: number;
  /** Bridge's documented page maximum. */
  bridgeCap: number;
  trafficMaxAgeMs: number;
  profileMaxAgeMs: number;
  /** Concurrent single-customer lookups of the last workload. */
  burst: number;
}

export interface Workload {
  id: string;
  title: string;
  /** GraphQL bodies sent all at once to a freshly started gateway: the cold phase. */
  cold: string[];
  /** The load phase: every request's body (called per request unless `fixed`). */
  nextBody: () => string;
  /** The load sends the same body every time (no per-request setup in the load generator). */
  fixed: boolean;
  /** Load connections; undefined: the bench's --connections. */
  connections?: number;
  /** Fewest upstream calls the whole cold phase can cost. */
  optimum: Calls;
  /**
   * Where the cold query is key lookups that the upstream can filter: the calls allowed when the planner
   * chooses one parallel lookup per key for latency (issue 8 §3: "or at most the number of keys").
   */
  perKeyCalls?: Calls;
  /**
   * Fewest sequential upstream round trips the cold query needs (calls that can run at the same time
   * count once): the cold-time target is 1.5 × (roundTrips × per-call latency + decode time).
   */
  roundTrips: number;
  /**
   * The calls of those round trips, each round's calls at once (rounds.length === roundTrips): the bench
   * makes them directly against the simulators to measure what a round trip costs there, since a
   * 1.2 MB Bridge page, or nine list pages answered by one simulator thread, take longer than the
   * configured latency.
   */
  rounds: DirectCall[][];
  /** Records decoded on the cold path (one thread: decoding adds up even when calls overlap). */
  decodedRecords: Calls;
  /** Fewest upstream calls a load phase ending `elapsedMs` after the cold phase began can cost in total. */
  floor: (elapsedMs: number) => Calls;
  /** How the optimum follows from the upstream APIs. */
  note: string;
}

const TRAFFIC = "traffic { rechargedMb remainingMb usedMb }";
const PROFILE = "profile { id customerNo name email status updatedAt }";

function body(query: string, variables?: Record<string, unknown>): string {
  return JSON.stringify(variables === undefined ? { query } : { query, variables });
}

/** Refreshes a read needs within `elapsedMs` when its data may be `maxAgeMs` old (the first one is the cold read). */
function refreshes(elapsedMs: number, maxAgeMs: number): number {
  return maxAgeMs <= 0 ? Infinity : Math.floor(elapsedMs / maxAgeMs);
}

/**
 * Round trips of a whole-list read on a cold gateway: one page when the list fits in one, else two —
 * page 1 tells the total (and the real page cap), then every other page at once (no documented agent
 * rate limit; a Bridge scan of a few pages fits its 100 a minute).
 */
function scanTrips(rows: number, cap: number): number {
  return rows <= cap ? 1 : 2;
}

/**
 * The round trips of a whole-list read, as scanTrips counts them: page 1 at the largest size asked, then
 * every other page at once on the list's real cap.
 */
function scanRounds(
  rows: number,
  maxAsk: number,
  cap: number,
  call: (page: number, size: number) => DirectCall,
) {
  const first = [call(1, maxAsk)];
  if (rows <= cap) return [first];
  const rest: DirectCall[] = [];
  for (let page = 2; page <= Math.ceil(rows / cap); page++) rest.push(call(page, cap));
  return [first, rest];
}

/** A deterministic spread of indexes in [0, n). */
function spread(count: number, n: number, salt: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(Math.floor(((i + 0.5) * n) / count + salt) % n);
  return out;
}

function unquote(jsonText: string | undefined): string | null {
  if (jsonText === undefined || jsonText === "null") return null;
  return jsonText.startsWith('"') ? (JSON.parse(jsonText) as string) : jsonText;
}

export function canonicalWorkloads(ctx: WorkloadContext): Workload[] {
  const n = ctx.customers.length;
  const agentScan = Math.max(1, Math.ceil(n / ctx.agentCap));
  const bridgeScan = Math.max(1, Math.ceil(ctx.records.length / ctx.bridgeCap));
  const agentTrips = scanTrips(n, ctx.agentCap);
  const bridgeTrips = scanTrips(ctx.records.length, ctx.bridgeCap);
  const agentPage = (pageNum: number, pageSize: number): DirectCall => ({
    upstream: "agent",
    pageNum,
    pageSize,
  });
  const bridgePage = (current: number, size: number): DirectCall => ({ upstream: "bridge", current, size });
  // The agent list is asked for its assumed maximum (2000) until its hidden cap shows.
  const agentRounds = scanRounds(n, Math.max(ctx.agentCap, 2000), ctx.agentCap, agentPage);
  const bridgeRounds = scanRounds(ctx.records.length, ctx.bridgeCap, ctx.bridgeCap, bridgePage);
  /** Two reads started together: their round trips side by side. */
  const beside = (a: DirectCall[][], b: DirectCall[][]) =>
    Array.from({ length: Math.max(a.length, b.length) }, (_, i) => [...(a[i] ?? []), ...(b[i] ?? [])]);
  const ta = ctx.trafficMaxAgeMs;
  const tp = ctx.profileMaxAgeMs;

  const trafficPage = body(
    `query TrafficPage { customers(first: 50) { totalCount nodes { id userName ${TRAFFIC} } } }`,
  );
  const profilePage = body(
    `query ProfilePage { customers(first: 50) { totalCount nodes { id userName ${TRAFFIC} ${PROFILE} } } }`,
  );

  const names = spread(20, n, 3).map((i) => (ctx.customers[i] as SimAgentCustomer).userName);
  const nameQuery = body(
    `query TwentyNames { ${names
      .map(
        (name, i) =>
          `u${i}: customerByUserName(userName: ${JSON.stringify(name)}) { id userName ${TRAFFIC} }`,
      )
      .join(" ")} }`,
  );
  const nameCost = Math.min(names.length, agentScan);

  const profilesWithCustomers = body(
    `query ProfilesWithCustomers { bridgeProfiles(first: 50) { totalCount nodes { id customerNo name customer { id userName ${TRAFFIC} } } } }`,
  );
  // For the note: an early-stopping scan could end at the page holding the last linked customer.
  const position = new Map(ctx.customers.map((c, i) => [c.customerId, i]));
  const linked = ctx.records
    .slice(0, 50)
    .map((r) => unquote(r[ctx.linkField]))
    .filter((v): v is string => v !== null && /^\d+$/.test(v) && v !== "0");
  const lastPosition = Math.max(-1, ...linked.map((id) => position.get(BigInt(id).toString()) ?? Infinity));
  const earlyStop = Number.isFinite(lastPosition) ? Math.floor(lastPosition / ctx.agentCap) + 1 : agentScan;

  const singleQuery = `query OneCustomer($id: ID!) { customer(id: $id) { id userName ${TRAFFIC} } }`;
  const idAt = (i: number) => (ctx.customers[i] as SimAgentCustomer).customerId;
  let next = 0;
  const loadIds = spread(Math.min(n, 997), n, 11).map(idAt);

  return [
    {
      id: "traffic-page",
      title: "customers(first: 50), traffic only",
      cold: [trafficPage],
      nextBody: () => trafficPage,
      fixed: true,
      optimum: { agent: 1, bridge: 0 },
      roundTrips: 1,
      rounds: [[agentPage(1, 50)]],
      decodedRecords: { agent: 50, bridge: 0 },
      floor: (ms) => ({ agent: refreshes(ms, ta), bridge: 0 }),
      note:
        `1 agent list call (pageSize 50 ≤ the list's cap of ${ctx.agentCap}); nothing from Bridge. Under load the ` +
        `page may be reused while its traffic is younger than ${ta} ms: 1 call per ${ta} ms at best. ` +
        `Cold: 1 round trip.`,
    },
    {
      id: "profile-page",
      title: "customers(first: 50) + profile (cold, then warm)",
      cold: [profilePage],
      nextBody: () => profilePage,
      fixed: true,
      optimum: { agent: 1, bridge: bridgeScan },
      roundTrips: Math.max(1, bridgeTrips),
      rounds: beside([[agentPage(1, 50)]], bridgeRounds),
      decodedRecords: { agent: 50, bridge: ctx.records.length },
      floor: (ms) => ({ agent: refreshes(ms, ta), bridge: bridgeScan * refreshes(ms, tp) }),
      note:
        `Cold: 1 agent call + ${bridgeScan} Bridge calls, since Bridge cannot filter on the link field ` +
        `(${ctx.linkField}): a full scan of ${ctx.records.length} records at ${ctx.bridgeCap} per page is the ` +
        `minimum. Warm: the profiles are reusable for ${tp} ms, so 0 Bridge calls and 1 agent call per request ` +
        `(per ${ta} ms at best). Cold: ${bridgeTrips} round trip(s) — the Bridge scan needs nothing from the ` +
        `agent page, so both start at once; page 1 tells the total, the other pages go together.`,
    },
    {
      id: "twenty-names",
      title: "20 aliased customerByUserName",
      cold: [nameQuery],
      nextBody: () => nameQuery,
      fixed: true,
      optimum: { agent: nameCost, bridge: 0 },
      perKeyCalls: { agent: names.length, bridge: 0 },
      roundTrips: 1,
      rounds: [
        names.map((userName): DirectCall => ({ upstream: "agent", pageNum: 1, pageSize: 50, userName })),
      ],
      decodedRecords: { agent: names.length, bridge: 0 },
      floor: (ms) => ({ agent: nameCost * refreshes(ms, ta), bridge: 0 }),
      note:
        `min(20 filtered lookups, a full scan of ${n} customers at ${ctx.agentCap} per page = ${agentScan}) = ` +
        `${nameCost} agent calls (the user-name filter is a substring match, one name per call). Cold: 1 round ` +
        `trip — the 20 filtered lookups at once (the agent documents no rate limit).`,
    },
    {
      id: "profiles-customers",
      title: "bridgeProfiles(first: 50) + customer traffic",
      cold: [profilesWithCustomers],
      nextBody: () => profilesWithCustomers,
      fixed: true,
      optimum: { agent: agentScan, bridge: 1 },
      roundTrips: Math.max(1, agentTrips),
      rounds: beside([[bridgePage(1, 50)]], agentRounds),
      decodedRecords: { agent: n, bridge: 50 },
      floor: (ms) => ({ agent: agentScan * refreshes(ms, ta), bridge: refreshes(ms, tp) }),
      note:
        `1 Bridge page + ${agentScan} agent calls: the agent list has no id filter, so finding customers by id ` +
        `is a full scan (an early-stopping scan could end after ${earlyStop} page(s) for this dataset, because ` +
        `the first profiles link to the first customers). Cold: ${agentTrips} round trip(s) — the agent scan ` +
        `starts beside the Bridge page (it needs nothing from it), page 1 tells the total and the cap, the ` +
        `other pages go together.`,
    },
    {
      id: "customer-by-id",
      title: `${ctx.burst} concurrent customer(id)`,
      cold: spread(ctx.burst, n, 5).map((i) => body(singleQuery, { id: idAt(i) })),
      nextBody: () => body(singleQuery, { id: loadIds[next++ % loadIds.length] }),
      fixed: false,
      connections: ctx.burst,
      optimum: { agent: agentScan, bridge: 0 },
      roundTrips: agentTrips,
      rounds: agentRounds,
      decodedRecords: { agent: n, bridge: 0 },
      floor: (ms) => ({ agent: agentScan * refreshes(ms, ta), bridge: 0 }),
      note:
        `${agentScan} agent calls for all ${ctx.burst} lookups together (cold figures are totals for the burst): ` +
        `one shared full scan, since the list has no id filter. Cold: ${agentTrips} round trip(s) (page 1, ` +
        `then the other pages together).`,
    },
  ];
}
