/**
 * The benchmark: simulators in this process (so their call logs can be read per workload), the gateway in a
 * child process (so its memory and CPU are its own), autocannon driving it over HTTP. Every workload runs on
 * a freshly started gateway, first with planning on, then with planning off (the naive baseline), in the
 * same run against the same simulators.
 */
import autocannon from "autocannon";
import { execFileSync } from "node:child_process";
import type { KeyObject } from "node:crypto";
import http from "node:http";
import os from "node:os";
import { performance } from "node:perf_hooks";
import { loadConfig } from "../../src/config";
import { startSimulators, upstreamEnv } from "../../src/simulators";
import { bridgePageBytes } from "../../src/simulators/bridge";
import type { Simulators } from "../../src/simulators";
import { runDecodeBench, type DecodeReport } from "./decode";
import Redis from "ioredis";
import { startRedis } from "../support/redis";
import { GatewayProcess } from "./gateway-process";
import type { EventLoopDelay } from "./protocol";
import { errorCodesOf, httpRequest, postGraphQL, type GatewayDebug, type GraphQLAnswer } from "./http";
import { canonicalString, createSigningKey, sign } from "../../src/upstreams/bridge/signing";
import { canonicalWorkloads, type Calls, type DirectCall, type Workload } from "./workloads";

export interface BenchOptions {
  /** Latency the simulators add to every call, ms. */
  latencyMs: number;
  agentCustomers: number;
  bridgeProfiles: number;
  /** Load phase length per workload and mode, seconds (ignored when `requests` is set). */
  durationSec: number;
  /** Load phase size per workload and mode, requests (instead of a duration). */
  requests?: number;
  connections: number;
  /** Concurrent lookups of the customer(id) workload (cold burst and load connections). */
  burst: number;
  /** Sequential requests of the latency probe (warm page with profiles, one connection). */
  probeRequests: number;
  /** Only these modes (default: planning, then baseline). */
  modes?: Mode[];
  /** Only these workload ids (default: all); `decode` is the in-process decoding measurement. */
  only?: string[];
  /** Extra Node flags for the gateway process (e.g. --cpu-prof). */
  gatewayNodeArgs?: string[];
  /** Also run every workload in sequence on one gateway process per mode (memory, event loop). */
  sequence?: boolean;
  /** Extra gateway environment (e.g. GATEWAY_TRAFFIC_MAX_AGE_MS). */
  gatewayEnv?: Record<string, string>;
  /** Requests each gateway of the edge comparison serves before its measured rounds (EDGE_WARM_REQUESTS). */
  edgeWarmRequests?: number;
  /** Gateway processes per workload of the edge comparison (EDGE_PROCESSES). */
  edgeProcesses?: number;
  /** Measured rounds per process of the edge comparison (EDGE_ROUNDS). */
  edgeRounds?: number;
  /**
   * Fresh gateway processes each mode's cold query is measured in (COLD_SAMPLES): the first also runs the
   * load; the others only the cold query, alternating the modes. The cold targets take the median.
   */
  coldSamples?: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export const DEFAULT_OPTIONS: BenchOptions = {
  latencyMs: 20,
  agentCustomers: 10_000,
  bridgeProfiles: 10_000,
  durationSec: 5,
  connections: 10,
  burst: 200,
  probeRequests: 200,
  coldSamples: 5,
};

/** Small enough for a smoke test (well under 20 s), still every workload and both modes. */
export const QUICK_OPTIONS: BenchOptions = {
  latencyMs: 5,
  agentCustomers: 500,
  bridgeProfiles: 500,
  durationSec: 1,
  connections: 4,
  burst: 40,
  probeRequests: 30,
  edgeWarmRequests: 500,
  edgeProcesses: 1,
  edgeRounds: 2,
};

export type Mode = "planning" | "baseline";

export interface PhaseCalls extends Calls {
  /** Calls the gateway counted itself (x-gateway-debug), summed over the cold requests. */
  debug: Calls;
}

export interface ModeResult {
  mode: Mode;
  cold: {
    calls: PhaseCalls;
    /** Latency of the cold request; for a burst, of its slowest request. */
    ms: number;
    /**
     * The same from every fresh process the cold query ran in (`ms` first; coldSamples), where the first
     * answered without error within COLD_RESAMPLE_MAX_MS; else `ms` alone. Error codes of every sample
     * are in `errorCodes`.
     */
    samplesMs: number[];
    errorCodes: Record<string, number>;
    /** The plans the gateway chose (debug extension), deduplicated, with how many requests chose them. */
    plans: string[];
  };
  load: {
    requests: number;
    durationSec: number;
    calls: Calls;
    callsPerQuery: Calls;
    floorPerQuery: Calls;
    p50: number;
    p99: number;
    rps: number;
    /** Responses with a GraphQL error or a non-200 status, plus connection errors/timeouts. */
    errors: number;
    errorCodes: Record<string, number>;
  };
  peakRssBytes: number;
  /** Event-loop delay of the gateway over the cold and load phases. */
  eventLoop: EventLoopDelay;
  bridge429: number;
  bridge418: number;
}

export interface WorkloadResult {
  id: string;
  title: string;
  note: string;
  optimum: Calls;
  /** The calls allowed when one parallel lookup per key is chosen for latency (workloads.ts). */
  perKeyCalls?: Calls;
  /** Requests of the cold phase (the optimum is for all of them). */
  coldRequests: number;
  /** Fewest sequential round trips of the cold query (workloads.ts). */
  roundTrips: number;
  /**
   * Each of those round trips made directly against the simulators from the bench process right before
   * the workload ran (its calls at once, until the last body's last byte), median of
   * DIRECT_ROUND_REPEATS, ms; empty when not measured.
   */
  measuredRoundsMs: number[];
  /**
   * A cold phase of several requests at once (the burst): the same number of `{ __typename }` requests
   * at once on fresh connections of a freshly started gateway (planning on), ms until the last answer,
   * one per fresh process (coldSamples): what the HTTP and GraphQL pipeline alone costs such a burst,
   * with no upstream work. Absent for a single cold request.
   */
  trivialBurstMs?: number[];
  /** Records decoded on the cold path. */
  decodedRecords: Calls;
  modes: ModeResult[];
}

export interface LatencyProbe {
  requests: number;
  /** p50 of the same agent page called directly, ms: the upstream critical path of a warm request. */
  upstreamP50: number;
  gatewayP50: number;
  addedP50: number;
  /** Upstream calls per request during the probe (should be 1 agent, 0 Bridge). */
  callsPerQuery: Calls;
}

/** Three gateway processes sharing one Redis against the same simulators, beside one process. */
export interface ReplicaResult {
  workload: string;
  replicas: number;
  /** Upstream calls of the cold phase: one cold request sent to every replica at once. */
  coldCalls: Calls;
  /** The same cold request on one process (the workload's optimum). */
  singleColdCalls: Calls;
  /** Load spread over the replicas (one autocannon per replica, connections split). */
  rps: number;
  loadCalls: Calls;
  errors: number;
  requests: number;
  bridge429: number;
  bridge418: number;
  /** What the replicas' shared reads held in Redis after the cold phase (MEMORY USAGE of their keys). */
  sharedReads: { keys: number; bytes: number };
}

/** One gateway process serving every workload (cold phase, then load) one after another. */
export interface SequenceResult {
  mode: Mode;
  workloads: string[];
  peakRssBytes: number;
  eventLoop: EventLoopDelay;
  errors: number;
  requests: number;
}

/** How the gateway is served in the edge comparison (issue 7): the same build, Apollo server and services. */
export type EdgeVariant =
  "standalone" | "standalone + the edge's books" | "fastify" | "fastify + request log";

/** One workload's warm load through each edge, in rounds, in each of `processes` gateway processes. */
export interface EdgeResult {
  workload: string;
  /** The CPU every gateway process of the comparison was pinned to (taskset), or null when it was not. */
  pinnedCpu: number | null;
  /** Requests each gateway served through each edge before its measured rounds. */
  warmRequests: number;
  processes: number;
  /** Measured rounds per process. */
  rounds: number;
  /** Per variant, one figure per round, process after process: index j is the same round for all. */
  variants: {
    edge: EdgeVariant;
    rps: number[];
    /** The gateway process's CPU (all threads) over the load ÷ its requests, ms. */
    cpuMsPerRequest: number[];
    p99: number[];
    errors: number;
    requests: number;
  }[];
}

export interface BenchReport {
  machine: {
    cpu: string;
    cores: number;
    memoryGb: number;
    node: string;
    platform: string;
    /** 1-minute load average at the start and the end: other work on the machine skews the figures. */
    loadAverage: [number, number];
  };
  options: BenchOptions;
  dataset: { agentCustomers: number; bridgeProfiles: number; agentCap: number; bridgeCap: number };
  gateway: { trafficMaxAgeMs: number; profileMaxAgeMs: number; bridgeBudgetPerMin: number };
  simulatorBridgeLimitPerMin: number;
  workloads: WorkloadResult[];
  probe: LatencyProbe | null;
  sequences: SequenceResult[];
  replicas: ReplicaResult | null;
  /** The edge comparison (issue 7); null when left out by `only`. */
  edge: EdgeResult[] | null;
  /** Decoding cost of one full upstream page; null when left out by `only`. */
  decode: DecodeReport | null;
  startedAt: string;
  totalSec: number;
}

const BRIDGE_CAP = 2000;
/** Times each workload's round trips are made directly before it runs (the median is kept). */
const DIRECT_ROUND_REPEATS = 3;
const BRIDGE_PAGE_PATH = "/global/customer.admin.WhiteCustomerAdminApiService.page";
const REQUEST_TIMEOUT_S = 30;
const WARM_UP = JSON.stringify({ query: "{ __typename }" });

function tally(into: Record<string, number>, codes: Iterable<string>): void {
  for (const code of codes) into[code] = (into[code] ?? 0) + 1;
}

function debugCalls(debug: GatewayDebug | null): Calls {
  const out = { agent: 0, bridge: 0 };
  if (!debug) return out;
  for (const [key, n] of Object.entries(debug.calls)) {
    if (key.startsWith("agent:")) out.agent += n;
    else if (key.startsWith("bridge:")) out.bridge += n;
  }
  return out;
}

function counts(sims: Simulators): Calls {
  return { agent: sims.agent.log.count("customer.list"), bridge: sims.bridge.log.count("customer.page") };
}

function minus(a: Calls, b: Calls): Calls {
  return { agent: a.agent - b.agent, bridge: a.bridge - b.bridge };
}

function perQuery(c: Calls, requests: number): Calls {
  return requests === 0
    ? { agent: NaN, bridge: NaN }
    : { agent: c.agent / requests, bridge: c.bridge / requests };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

interface Environment {
  sims: Simulators;
  gatewayEnv: NodeJS.ProcessEnv;
  agent: http.Agent;
  /** Bridge's signing key, for the bench's direct calls (made once). */
  bridgeKey?: KeyObject;
}

function gatewayEnv(sims: Simulators, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.GATEWAY_PLANNING;
  return {
    ...env,
    NODE_ENV: "production",
    PORT: "0",
    ...upstreamEnv(sims),
    // The load comes from one address and one caller: the bench measures the gateway, not its guards.
    GATEWAY_AUTH: "none",
    GATEWAY_CALLER_RATE_LIMIT_PER_MIN: "0",
    METRICS_PORT: "0",
    ...extra,
  };
}

/** One upstream call made directly (no gateway), as the gateway would make it; resolves on its last byte. */
async function directCall(env: Environment, call: DirectCall): Promise<void> {
  const { agent, bridge } = env.sims;
  if (call.upstream === "agent") {
    const query = new URLSearchParams({ pageNum: String(call.pageNum), pageSize: String(call.pageSize) });
    if (call.userName !== undefined) query.set("userName", call.userName);
    const answer = await httpRequest(new URL(`${agent.listBaseUrl}/open/customer/list?${query}`), {
      method: "GET",
      headers: { token: agent.token },
      agent: env.agent,
      timeoutMs: REQUEST_TIMEOUT_S * 1000,
    });
    if (answer.status !== 200) throw new Error(`a direct agent list call answered HTTP ${answer.status}`);
    return;
  }
  const body = { current: call.current, size: call.size };
  const timestamp = String(Date.now());
  env.bridgeKey ??= createSigningKey(bridge.scheme, bridge.secretKey);
  const answer = await httpRequest(new URL(`${bridge.baseUrl}${BRIDGE_PAGE_PATH}`), {
    method: "POST",
    headers: {
      "content-type": "application/json",
      companyId: bridge.companyId,
      trace: `bench-direct-${timestamp}`,
      apiKey: bridge.apiKey,
      recvWindow: "5000",
      signature: sign(canonicalString(body, timestamp), bridge.scheme, env.bridgeKey),
      version: "0.0.1",
      timestamp,
    },
    body: JSON.stringify(body),
    agent: env.agent,
    timeoutMs: REQUEST_TIMEOUT_S * 1000,
  });
  if (answer.status !== 200 || !answer.body.startsWith('{"bizCode":null,"code":"0"')) {
    throw new Error(`a direct Bridge page call was refused (HTTP ${answer.status})`);
  }
}

/**
 * The workload's cold round trips made directly against the simulators: each round's calls at once, the
 * round's time until its last answer's last byte; per round, the median of DIRECT_ROUND_REPEATS. What
 * one round trip costs here — the simulators' own work (a 1.2 MB Bridge page is built and sent by the
 * bench process's one thread, which answers concurrent calls one after another) and the load on the
 * machine — rather than the configured latency alone.
 */
async function measureRounds(env: Environment, workload: Workload): Promise<number[]> {
  const times: number[][] = workload.rounds.map(() => []);
  for (let repeat = 0; repeat < DIRECT_ROUND_REPEATS; repeat++) {
    for (const [i, round] of workload.rounds.entries()) {
      const started = performance.now();
      await Promise.all(round.map((call) => directCall(env, call)));
      times[i]?.push(performance.now() - started);
    }
  }
  return times.map((t) =>
    percentile(
      [...t].sort((a, b) => a - b),
      50,
    ),
  );
}

/**
 * A fresh gateway for a workload's cold query: the simulators' logs and Bridge window reset (each
 * workload is its own scenario, as a minute after the previous one; the gateway's own budget is fresh
 * with the new process too), and one request that touches no upstream sent first.
 */
async function startForCold(env: Environment, mode: Mode, options: BenchOptions): Promise<GatewayProcess> {
  env.sims.bridge.resetRateLimit();
  env.sims.agent.log.reset();
  env.sims.bridge.log.reset();
  const gateway = await GatewayProcess.start(
    { ...env.gatewayEnv, GATEWAY_PLANNING: mode === "planning" ? "on" : "off" },
    options.gatewayNodeArgs,
  );
  try {
    // A process that has served nothing yet pays for its code's first compilation on the first
    // operation (~100 ms here): one request that touches no upstream warms the HTTP and GraphQL
    // path, as a readiness probe or any earlier traffic would, so that "cold" means cold
    // caches and indexes, not a cold JIT.
    await postGraphQL(gateway.url, WARM_UP, env.agent, REQUEST_TIMEOUT_S * 1000);
    // Start-up's own long stretches (schema building) are not the read path's.
    await gateway.stats();
    return gateway;
  } catch (error) {
    await gateway.stop();
    throw error;
  }
}

/** A first cold query slower than this (ms), or with errors, is not measured again (planning off's scans). */
const COLD_RESAMPLE_MAX_MS = 2000;

/**
 * One cold query is one sample of a noisy machine: two runs of the same build here differ by a round
 * trip (20 names: 64-106 ms; the traffic page 29-57 ms), as much as planning on and off differ where
 * they make the same calls. So each mode's cold query runs in `coldSamples` fresh processes in all, the
 * modes alternating, and the targets take the median (report.ts).
 */
async function moreColdSamples(
  env: Environment,
  workload: Workload,
  modes: ModeResult[],
  options: BenchOptions,
): Promise<void> {
  const again = modes.filter(
    (m) => Object.keys(m.cold.errorCodes).length === 0 && m.cold.ms <= COLD_RESAMPLE_MAX_MS,
  );
  for (let sample = 1; sample < (options.coldSamples ?? 1); sample++) {
    for (const m of again) {
      const gateway = await startForCold(env, m.mode, options);
      try {
        const cold = await coldPhase(env, gateway, workload);
        m.cold.samplesMs.push(cold.ms);
        for (const [code, n] of Object.entries(cold.errorCodes))
          m.cold.errorCodes[code] = (m.cold.errorCodes[code] ?? 0) + n;
      } finally {
        await gateway.stop();
      }
    }
  }
  for (const m of again) {
    options.log?.(`  ${m.mode} cold samples: ${m.cold.samplesMs.map((ms) => ms.toFixed(1)).join(", ")} ms`);
  }
}

/**
 * `size` requests of `{ __typename }` at once, as the burst's cold phase sends its lookups (the same
 * agent, so as many fresh connections), to a freshly started gateway, in `coldSamples` processes: the
 * time of the slowest answer. No upstream is called: this is what the burst costs the HTTP and GraphQL
 * pipeline of a young process on this machine, the part of the cold figure no read path can remove.
 */
async function trivialBursts(env: Environment, size: number, options: BenchOptions): Promise<number[]> {
  const times: number[] = [];
  for (let sample = 0; sample < (options.coldSamples ?? 1); sample++) {
    const gateway = await startForCold(env, "planning", options);
    try {
      const answers = await Promise.all(
        Array.from({ length: size }, () =>
          postGraphQL(gateway.url, WARM_UP, env.agent, REQUEST_TIMEOUT_S * 1000),
        ),
      );
      if (answers.some((a) => a.status !== 200 || a.errorCodes.length > 0)) {
        throw new Error("a { __typename } request of the trivial burst failed");
      }
      times.push(Math.max(...answers.map((a) => a.ms)));
    } finally {
      await gateway.stop();
    }
  }
  options.log?.(`  ${size} × { __typename } at once: ${times.map((ms) => ms.toFixed(1)).join(", ")} ms`);
  return times;
}

async function coldPhase(env: Environment, gateway: GatewayProcess, workload: Workload) {
  const before = counts(env.sims);
  const timeoutMs = REQUEST_TIMEOUT_S * 1000;
  // A request with no answer in time is an error of that run (the naive baseline's per-key scans can
  // take longer in the sequence, behind the previous workload's backlog), not the end of the bench.
  const answers = await Promise.all(
    workload.cold.map((b) =>
      postGraphQL(gateway.url, b, env.agent, timeoutMs).catch((): GraphQLAnswer => ({
        status: 0,
        ms: timeoutMs,
        errorCodes: ["NO ANSWER"],
        debug: null,
      })),
    ),
  );
  // The scan a lookup was answered from before it ended goes on for the index: its calls are this phase's.
  await gateway.settle();
  const calls = minus(counts(env.sims), before);
  const debug = { agent: 0, bridge: 0 };
  const errorCodes: Record<string, number> = {};
  const plans = new Map<string, number>();
  for (const answer of answers) {
    const c = debugCalls(answer.debug);
    debug.agent += c.agent;
    debug.bridge += c.bridge;
    tally(errorCodes, answer.errorCodes);
    for (const plan of answer.debug?.plans ?? []) plans.set(plan, (plans.get(plan) ?? 0) + 1);
  }
  const ms = Math.max(...answers.map((a) => a.ms));
  return {
    calls: { ...calls, debug },
    ms,
    samplesMs: [ms],
    errorCodes,
    plans: [...plans].map(([plan, n]) => (n > 1 ? `${plan} ×${n}` : plan)),
  };
}

/**
 * autocannon against one gateway with the workload's bodies: the result, and the responses that carried
 * a GraphQL error or a non-200 status, by code (connection errors and timeouts counted apart).
 */
async function drive(
  url: URL,
  workload: Workload,
  connections: number,
  size: { durationSec: number } | { requests: number },
) {
  const errorCodes: Record<string, number> = {};
  let graphqlErrors = 0;
  const result = await autocannon({
    url: url.toString(),
    connections,
    ...("requests" in size ? { amount: size.requests } : { duration: size.durationSec }),
    timeout: REQUEST_TIMEOUT_S,
    requests: [
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        ...(workload.fixed
          ? { body: workload.nextBody() }
          : { setupRequest: (request: autocannon.Request) => ({ ...request, body: workload.nextBody() }) }),
        onResponse: (status, responseBody) => {
          const codes = errorCodesOf(status, responseBody);
          if (codes.length > 0) {
            graphqlErrors += 1;
            tally(errorCodes, new Set(codes));
          }
        },
      },
    ],
  });
  if (result.errors > 0) errorCodes["connection error/timeout"] = result.errors;
  return { result, errors: graphqlErrors + result.errors, errorCodes };
}

async function loadPhase(
  env: Environment,
  gateway: GatewayProcess,
  workload: Workload,
  options: BenchOptions,
  coldStartedAt: number,
) {
  const before = counts(env.sims);
  const { result, errors, errorCodes } = await drive(
    gateway.url,
    workload,
    workload.connections ?? options.connections,
    options.requests === undefined ? { durationSec: options.durationSec } : { requests: options.requests },
  );
  const calls = minus(counts(env.sims), before);
  const elapsed = performance.now() - coldStartedAt;
  const requests = result.requests.total;
  return {
    requests,
    durationSec: result.duration,
    calls,
    callsPerQuery: perQuery(calls, requests),
    floorPerQuery: perQuery(workload.floor(elapsed), requests),
    p50: result.latency.p50,
    p99: result.latency.p99,
    rps: requests / result.duration,
    errors,
    errorCodes,
  };
}

/** Sequential requests on one connection: the gateway's own latency on top of the upstream's. */
async function latencyProbe(
  env: Environment,
  gateway: GatewayProcess,
  workload: Workload,
  requests: number,
): Promise<LatencyProbe> {
  const direct: number[] = [];
  const list = new URL(`${env.sims.agent.listBaseUrl}/open/customer/list?pageNum=1&pageSize=50`);
  for (let i = 0; i < requests; i++) {
    const answer = await httpRequest(list, {
      method: "GET",
      headers: { token: env.sims.agent.token },
      agent: env.agent,
      timeoutMs: 10_000,
    });
    direct.push(answer.ms);
  }
  const before = counts(env.sims);
  const through: number[] = [];
  const payload = workload.nextBody();
  for (let i = 0; i < requests; i++) {
    const answer = await httpRequest(gateway.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: payload,
      agent: env.agent,
      timeoutMs: 10_000,
    });
    through.push(answer.ms);
  }
  const calls = minus(counts(env.sims), before);
  direct.sort((a, b) => a - b);
  through.sort((a, b) => a - b);
  const upstreamP50 = percentile(direct, 50);
  const gatewayP50 = percentile(through, 50);
  return {
    requests,
    upstreamP50,
    gatewayP50,
    addedP50: gatewayP50 - upstreamP50,
    callsPerQuery: perQuery(calls, requests),
  };
}

/**
 * Replicas (API.md §8): three gateway processes with one Redis, in front of the same simulators. The
 * workload's cold request goes to every replica at once (what a load balancer does to a cold fleet),
 * then the load is spread over them. Calls, 429s and req/s are reported beside one process's.
 */
async function replicaPhase(
  env: Environment,
  workload: Workload,
  options: BenchOptions,
): Promise<ReplicaResult> {
  const count = 3;
  const redis = await startRedis();
  env.sims.bridge.resetRateLimit();
  env.sims.agent.log.reset();
  env.sims.bridge.log.reset();
  const replicas: GatewayProcess[] = [];
  try {
    for (let i = 0; i < count; i += 1) {
      replicas.push(
        await GatewayProcess.start(
          { ...env.gatewayEnv, GATEWAY_PLANNING: "on", REDIS_URL: redis.url },
          options.gatewayNodeArgs,
        ),
      );
    }
    for (const gateway of replicas)
      await postGraphQL(gateway.url, WARM_UP, env.agent, REQUEST_TIMEOUT_S * 1000);
    const before = counts(env.sims);
    const cold = await Promise.all(
      replicas.map((gateway) =>
        postGraphQL(gateway.url, workload.cold[0] as string, env.agent, REQUEST_TIMEOUT_S * 1000),
      ),
    );
    // As coldPhase: the scans the cold request started are counted to their end.
    await Promise.all(replicas.map((gateway) => gateway.settle()));
    const coldCalls = minus(counts(env.sims), before);
    const sharedReads = await sharedReadsMemory(redis.url);
    const loadBefore = counts(env.sims);
    const connections = Math.max(1, Math.round((workload.connections ?? options.connections) / count));
    const loads = await Promise.all(
      replicas.map((gateway) =>
        drive(
          gateway.url,
          workload,
          connections,
          options.requests === undefined
            ? { durationSec: options.durationSec }
            : { requests: Math.ceil(options.requests / count) },
        ),
      ),
    );
    const stats = env.sims.bridge.rateLimitStats;
    const requests = cold.length + loads.reduce((sum, l) => sum + l.result.requests.total, 0);
    return {
      workload: workload.title,
      replicas: count,
      coldCalls,
      singleColdCalls: workload.optimum,
      rps: loads.reduce((sum, l) => sum + l.result.requests.total / l.result.duration, 0),
      loadCalls: minus(counts(env.sims), loadBefore),
      errors:
        loads.reduce((sum, l) => sum + l.errors, 0) + cold.filter((a) => a.errorCodes.length > 0).length,
      requests,
      bridge429: stats.tooMany429,
      bridge418: stats.banned418,
      sharedReads,
    };
  } finally {
    await Promise.all(replicas.map((gateway) => gateway.stop()));
    await redis.close();
  }
}

/** Keys and bytes (Redis's own MEMORY USAGE) of the replicas' shared reads (src/replicas/shared-reads.ts). */
async function sharedReadsMemory(url: string): Promise<{ keys: number; bytes: number }> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    let keys = 0;
    let bytes = 0;
    let cursor = "0";
    do {
      const [next, found] = await client.scan(cursor, "MATCH", "gateway:reads:*", "COUNT", 1000);
      cursor = next;
      for (const key of found) {
        keys += 1;
        bytes += (await client.memory("USAGE", key, "SAMPLES", "0")) ?? 0;
      }
    } while (cursor !== "0");
    return { keys, bytes };
  } finally {
    client.disconnect();
  }
}

/**
 * Gateway processes per workload in the edge comparison; each serves every variant (BENCH_EDGE=all).
 * Between processes CPU per request differs by up to 1.6×, and the machine's slow phases last tens of
 * seconds; within one round the variants share the process and the phase, so each round's figures are
 * compared with the same round's, and the processes only add samples.
 */
const EDGE_PROCESSES = 3;
/** Measured rounds per process: each variant's load once per round, in a rotated order. */
const EDGE_ROUNDS = 6;
/** One variant's load in one round, seconds (the workload's load phase, at most this). */
const EDGE_CHUNK_SEC = 2;
/**
 * Requests each gateway serves through each edge before the measured rounds: a process's CPU per
 * request falls for its first ~15,000 requests as V8 optimises the request path (chunks of 5,000
 * `customer(id)` on one pinned core: 0.29, 0.23, 0.21, then 0.20 ms). Throughput is compared warm.
 */
const EDGE_WARM_REQUESTS = 15_000;
/** The edge comparison's workloads: the smallest request (the edge's share is largest) and a page. */
const EDGE_WORKLOADS = ["customer-by-id", "traffic-page"];

const EDGE_VARIANTS: EdgeVariant[] = [
  "standalone",
  "standalone + the edge's books",
  "fastify",
  "fastify + request log",
];

/** Where a comparison process serves `variant`, and the log level it is loaded at. */
function edgeTarget(gateway: GatewayProcess, variant: EdgeVariant): { url: URL; logLevel: string } {
  const edges = gateway.edges;
  if (edges === null) throw new Error("the edge comparison's gateway serves no standalone handler");
  switch (variant) {
    case "standalone":
      return { url: edges.standalone, logLevel: "warn" };
    case "standalone + the edge's books":
      return { url: edges["standalone-books"], logLevel: "warn" };
    case "fastify":
      return { url: gateway.url, logLevel: "warn" };
    case "fastify + request log":
      return { url: gateway.url, logLevel: "info" };
  }
}

/**
 * Pins a process and its threads to one CPU (Linux `taskset`); false where that is not possible. The
 * edge comparison pins every gateway to the same core, with the bench (load generator and simulators) on
 * the others: CPU per request then varies by a few percent between runs instead of up to 2×.
 */
function pinToCpu(pid: number, cpu: number): boolean {
  try {
    execFileSync("taskset", ["-a", "-cp", String(cpu), String(pid)], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/**
 * Issue 7: "show in npm run bench that throughput did not drop" with the move off `startStandaloneServer`.
 * One gateway process of this build serves the same warm load in four ways, over the same started Apollo
 * server, plugins, services and warm-up (standalone-edge.ts, `edgeComparison`):
 * - standalone: Apollo's standalone handler, bare, as the gateway had it before the edge;
 * - standalone + the edge's books: the same handler also keeping the books the edge keeps per request
 *   (request id, request record and metrics) through the same code;
 * - fastify: the gateway's edge;
 * - fastify + request log: the same with the root logger switched to info for its load, as deployed
 *   (the others run at warn).
 * Each round loads every variant once, in a rotated order, so that the process's and the machine's
 * state hits them alike; EDGE_PROCESSES processes, each pinned to one core (pinToCpu) and warm.
 */
async function edgePhase(env: Environment, workload: Workload, options: BenchOptions): Promise<EdgeResult> {
  const variants: EdgeResult["variants"] = EDGE_VARIANTS.map((edge) => ({
    edge,
    rps: [],
    cpuMsPerRequest: [],
    p99: [],
    errors: 0,
    requests: 0,
  }));
  const processes = options.edgeProcesses ?? EDGE_PROCESSES;
  const rounds = options.edgeRounds ?? EDGE_ROUNDS;
  const warmRequests = options.edgeWarmRequests ?? EDGE_WARM_REQUESTS;
  const connections = workload.connections ?? options.connections;
  const chunk =
    options.requests === undefined
      ? { durationSec: Math.min(EDGE_CHUNK_SEC, options.durationSec) }
      : { requests: options.requests };
  const cores = os.cpus().length;
  let pinnedCpu: number | null = cores >= 2 ? cores - 1 : null;
  for (let p = 0; p < processes; p++) {
    env.sims.bridge.resetRateLimit();
    const gateway = await GatewayProcess.start(
      { ...env.gatewayEnv, GATEWAY_PLANNING: "on", BENCH_EDGE: "all", LOG_LEVEL: "warn" },
      options.gatewayNodeArgs,
    );
    try {
      if (pinnedCpu !== null && !pinToCpu(gateway.pid, pinnedCpu)) pinnedCpu = null;
      await postGraphQL(gateway.url, WARM_UP, env.agent, REQUEST_TIMEOUT_S * 1000);
      // The indexes and pages the load reads, as in the workload's own run; then the JIT's warm-up,
      // through every edge.
      await coldPhase(env, gateway, workload);
      // Each edge's own code is as warm as a process alone on it would be: warmRequests through each of
      // the three, in thirds, alternated (the Fastify edge's first rounds ran at 55-65 % of the standalone
      // handler's req/s after 5,000).
      const edgeUrls = [...new Set(EDGE_VARIANTS.map((v) => edgeTarget(gateway, v).url.href))];
      for (let w = 0; w < 3; w++) {
        for (const url of edgeUrls) {
          await drive(new URL(url), workload, connections, { requests: Math.ceil(warmRequests / 3) });
        }
      }
      for (let round = 0; round < rounds; round++) {
        for (let k = 0; k < variants.length; k++) {
          const i = (p * rounds + round + k) % variants.length;
          const variant = variants[i] as EdgeResult["variants"][number];
          const { url, logLevel } = edgeTarget(gateway, variant.edge);
          if (logLevel !== "warn") await gateway.setLogLevel(logLevel);
          const before = await gateway.stats();
          const { result, errors } = await drive(url, workload, connections, chunk);
          const after = await gateway.stats();
          if (logLevel !== "warn") await gateway.setLogLevel("warn");
          const requests = result.requests.total;
          variant.rps.push(requests / result.duration);
          variant.cpuMsPerRequest.push(
            requests === 0 ? NaN : (after.cpuMicros - before.cpuMicros) / 1000 / requests,
          );
          variant.p99.push(result.latency.p99);
          variant.errors += errors;
          variant.requests += requests;
        }
      }
    } finally {
      await gateway.stop();
    }
  }
  return { workload: workload.title, pinnedCpu, warmRequests, processes, rounds, variants };
}

/** The worse of two event-loop reports, figure by figure. */
function worstOf(a: EventLoopDelay, b: EventLoopDelay): EventLoopDelay {
  const cpu =
    a.cpu === undefined || b.cpu === undefined
      ? (a.cpu ?? b.cpu)
      : {
          maxOnCpuMs: Math.max(a.cpu.maxOnCpuMs, b.cpu.maxOnCpuMs),
          longestGap: a.cpu.longestGap.ms >= b.cpu.longestGap.ms ? a.cpu.longestGap : b.cpu.longestGap,
        };
  return {
    p99Ms: Math.max(a.p99Ms, b.p99Ms),
    maxMs: Math.max(a.maxMs, b.maxMs),
    ...(cpu === undefined ? {} : { cpu }),
  };
}

/**
 * Memory and event loop over a whole day's mix: one gateway process serves every workload, cold phase then
 * load, one after another, so that every cache and index the workloads build is held at once.
 */
async function sequencePhase(
  env: Environment,
  workloads: Workload[],
  mode: Mode,
  options: BenchOptions,
): Promise<SequenceResult> {
  env.sims.bridge.resetRateLimit();
  const gateway = await GatewayProcess.start(
    { ...env.gatewayEnv, GATEWAY_PLANNING: mode === "planning" ? "on" : "off" },
    options.gatewayNodeArgs,
  );
  try {
    await gateway.stats();
    let errors = 0;
    let requests = 0;
    let worst: EventLoopDelay = { p99Ms: 0, maxMs: 0 };
    for (const workload of workloads) {
      const coldStartedAt = performance.now();
      const cold = await coldPhase(env, gateway, workload);
      const load = await loadPhase(env, gateway, workload, options, coldStartedAt);
      errors += Object.values(cold.errorCodes).reduce((a, b) => a + b, 0) + load.errors;
      requests += workload.cold.length + load.requests;
      const { eventLoop } = await gateway.stats();
      worst = worstOf(worst, eventLoop);
    }
    const { peakRssBytes } = await gateway.stats();
    return { mode, workloads: workloads.map((w) => w.id), peakRssBytes, eventLoop: worst, errors, requests };
  } finally {
    await gateway.stop();
  }
}

export async function runBench(partial: Partial<BenchOptions> = {}): Promise<BenchReport> {
  const options: BenchOptions = { ...DEFAULT_OPTIONS, ...partial };
  const log = options.log ?? (() => undefined);
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const loadAtStart = os.loadavg()[0] ?? 0;
  // First, while this process has nothing else to do.
  const decode = options.only === undefined || options.only.includes("decode") ? runDecodeBench() : null;
  if (decode) log("decode: measured");
  const sims = await startSimulators({
    dataset: { agentCustomers: options.agentCustomers, bridgeProfiles: options.bridgeProfiles },
    latencyMs: options.latencyMs,
  });
  // Every record's text written once now, as a real Bridge has its data ready: the simulator keeps them,
  // and the first workload reading Bridge pages (the profile page) paid ~35-50 ms of this process's CPU
  // a page for writing them, on the cores the gateway runs on.
  bridgePageBytes(sims.bridge.records, { current: 1, size: sims.bridge.records.length, total: 0, tm: 0 });
  const agent = new http.Agent({ keepAlive: true, maxSockets: Math.max(256, options.burst) });
  const env: Environment = { sims, gatewayEnv: gatewayEnv(sims, options.gatewayEnv ?? {}), agent };
  const config = loadConfig(env.gatewayEnv);
  const canonical = canonicalWorkloads({
    customers: sims.agent.customers,
    records: sims.bridge.records,
    linkField: config.linkField,
    agentCap: sims.agent.pageSizeCap,
    bridgeCap: BRIDGE_CAP,
    trafficMaxAgeMs: config.trafficMaxAgeMs,
    profileMaxAgeMs: config.profileMaxAgeMs,
    burst: options.burst,
  });
  const workloads = canonical.filter((w) => options.only === undefined || options.only.includes(w.id));

  const results: WorkloadResult[] = [];
  const sequences: SequenceResult[] = [];
  let replicaResult: ReplicaResult | null = null;
  let edge: EdgeResult[] | null = null;
  let probe: LatencyProbe | null = null;
  try {
    for (const workload of workloads) {
      const modes: ModeResult[] = [];
      // Before the workload's own calls: the simulators' logs and rate window are reset below.
      const measuredRoundsMs = await measureRounds(env, workload);
      log(`${workload.id}: direct round trips ${measuredRoundsMs.map((ms) => ms.toFixed(1)).join(" + ")} ms`);
      for (const mode of options.modes ?? (["planning", "baseline"] as const)) {
        log(`${workload.id} / ${mode}: starting a fresh gateway`);
        const gateway = await startForCold(env, mode, options);
        try {
          const coldStartedAt = performance.now();
          const cold = await coldPhase(env, gateway, workload);
          log(
            `  cold: ${cold.calls.agent}+${cold.calls.bridge} calls, ${cold.ms.toFixed(1)} ms; load ` +
              (options.requests === undefined ? `${options.durationSec} s` : `${options.requests} requests`),
          );
          const load = await loadPhase(env, gateway, workload, options, coldStartedAt);
          log(`  load: ${load.rps.toFixed(0)} req/s, p50 ${load.p50} ms, ${load.errors} errors`);
          if (mode === "planning" && workload.id === "profile-page") {
            probe = await latencyProbe(env, gateway, workload, options.probeRequests);
            log(`  probe: +${probe.addedP50.toFixed(2)} ms over the upstream p50`);
          }
          const { peakRssBytes, eventLoop } = await gateway.stats();
          const stats = sims.bridge.rateLimitStats;
          modes.push({
            mode,
            cold,
            load,
            peakRssBytes,
            eventLoop,
            bridge429: stats.tooMany429,
            bridge418: stats.banned418,
          });
        } finally {
          await gateway.stop();
        }
      }
      await moreColdSamples(env, workload, modes, options);
      const trivialBurstMs =
        workload.cold.length > 1 && modes.some((m) => m.mode === "planning")
          ? await trivialBursts(env, workload.cold.length, options)
          : undefined;
      results.push({
        id: workload.id,
        title: workload.title,
        note: workload.note,
        optimum: workload.optimum,
        ...(workload.perKeyCalls === undefined ? {} : { perKeyCalls: workload.perKeyCalls }),
        coldRequests: workload.cold.length,
        roundTrips: workload.roundTrips,
        measuredRoundsMs,
        ...(trivialBurstMs === undefined ? {} : { trivialBurstMs }),
        decodedRecords: workload.decodedRecords,
        modes,
      });
    }
    const replicaWorkload = canonical.find((w) => w.id === "profile-page");
    if (replicaWorkload && (options.only === undefined || options.only.includes("replicas"))) {
      log("replicas: 3 gateway processes, one Redis");
      replicaResult = await replicaPhase(env, replicaWorkload, options);
      log(
        `  cold ${replicaResult.coldCalls.agent}+${replicaResult.coldCalls.bridge}; ${replicaResult.rps.toFixed(0)} req/s`,
      );
    }
    if (options.only === undefined || options.only.includes("edge")) {
      edge = [];
      for (const workload of canonical.filter((w) => EDGE_WORKLOADS.includes(w.id))) {
        log(`edge: ${workload.id}, standalone against Fastify, alternated in each gateway process`);
        const result = await edgePhase(env, workload, options);
        edge.push(result);
        for (const v of result.variants)
          log(`  ${v.edge}: ${v.rps.map((r) => r.toFixed(0)).join(", ")} req/s`);
      }
    }
    if (options.sequence ?? options.only === undefined) {
      for (const mode of options.modes ?? (["planning", "baseline"] as const)) {
        log(`all workloads in sequence / ${mode}: one gateway`);
        sequences.push(await sequencePhase(env, workloads, mode, options));
        const last = sequences[sequences.length - 1];
        if (last)
          log(
            `  peak RSS ${(last.peakRssBytes / 1024 ** 2).toFixed(0)} MB, loop max ${last.eventLoop.maxMs.toFixed(1)} ms`,
          );
      }
    }
  } finally {
    agent.destroy();
    await sims.close();
  }

  return {
    machine: {
      cpu: os.cpus()[0]?.model.trim() ?? "unknown",
      cores: os.cpus().length,
      memoryGb: os.totalmem() / 1024 ** 3,
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      loadAverage: [loadAtStart, os.loadavg()[0] ?? 0],
    },
    options: { ...options, log: undefined },
    dataset: {
      agentCustomers: sims.agent.customers.length,
      bridgeProfiles: sims.bridge.records.length,
      agentCap: sims.agent.pageSizeCap,
      bridgeCap: BRIDGE_CAP,
    },
    gateway: {
      trafficMaxAgeMs: config.trafficMaxAgeMs,
      profileMaxAgeMs: config.profileMaxAgeMs,
      bridgeBudgetPerMin: config.rateLimitPerMinute,
    },
    simulatorBridgeLimitPerMin: sims.bridge.rateLimitPerMinute,
    workloads: results,
    probe,
    sequences,
    replicas: replicaResult,
    edge,
    decode,
    startedAt,
    totalSec: (performance.now() - started) / 1000,
  };
}
