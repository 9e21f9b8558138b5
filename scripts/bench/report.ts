/** The bench report as Markdown: the table, the targets of issue §6 met or missed, and the evidence. */
import { DECODE_RATIO_TARGET, DECODE_STALL_TARGET_MS, median, renderDecodeMarkdown } from "./decode";
import type { BenchReport, EdgeResult, ModeResult, WorkloadResult } from "./run";
import type { Calls } from "./workloads";

function fixed(n: number, digits: number): string {
  return Number.isFinite(n) ? n.toFixed(digits) : "–";
}

/** Per-query figures: few decimals when they are small. */
function rate(n: number): string {
  if (!Number.isFinite(n)) return "–";
  if (n === 0) return "0";
  if (Number.isInteger(n)) return String(n);
  return n >= 10 ? n.toFixed(1) : n >= 0.1 ? n.toFixed(2) : n.toFixed(3);
}

function calls(c: Calls, format: (n: number) => string = String): string {
  return `${format(c.agent)}+${format(c.bridge)}`;
}

function codes(record: Record<string, number>): string {
  const entries = Object.entries(record);
  return entries.length === 0 ? "" : ` (${entries.map(([k, n]) => `${k} ${n}`).join(", ")})`;
}

function mb(bytes: number): string {
  return (bytes / 1024 ** 2).toFixed(0);
}

function same(a: Calls, b: Calls): boolean {
  return a.agent === b.agent && a.bridge === b.bridge;
}

function atMost(a: Calls, b: Calls): boolean {
  return a.agent <= b.agent && a.bridge <= b.bridge;
}

/**
 * Issue 8 §3: "Upstream calls stay at the optimum, or at most the number of keys when parallel lookups
 * are chosen for latency" — the second only where the workload's keys can be looked up one by one and
 * the gateway said it chose that (a per-key plan in its accounting).
 */
function callsWithinTarget(w: WorkloadResult, m: ModeResult): "optimum" | "per key" | null {
  if (same(m.cold.calls, w.optimum)) return "optimum";
  const perKey = m.cold.plans.some((plan) => plan.includes(": per-key ("));
  return perKey && w.perKeyCalls !== undefined && atMost(m.cold.calls, w.perKeyCalls) ? "per key" : null;
}

function row(w: WorkloadResult, m: ModeResult): string {
  const cold = m.cold.calls;
  const mismatch = same(cold, cold.debug) ? "" : ` (debug ${calls(cold.debug)})`;
  const within = callsWithinTarget(w, m);
  const coldMark =
    m.mode === "planning"
      ? within === "optimum"
        ? " ✓"
        : within === "per key"
          ? " ✓ (one per key)"
          : " ✗"
      : "";
  const none = m.load.requests === 0;
  return `| ${w.title} | ${m.mode === "planning" ? "planning on" : "planning off"} | ${calls(cold)}${coldMark}${mismatch} | ${calls(w.optimum)} | ${fixed(coldMs(m), 1)}${codes(m.cold.errorCodes)} | ${calls(m.load.callsPerQuery, rate)} | ${calls(m.load.floorPerQuery, rate)} | ${none ? "–" : fixed(m.load.p50, 0)} | ${none ? "–" : fixed(m.load.p99, 0)} | ${fixed(m.load.rps, 0)} | ${m.load.errors}/${m.load.requests}${codes(m.load.errorCodes)} | ${m.bridge429} | ${mb(m.peakRssBytes)} | ${fixed(m.eventLoop.maxMs, 1)} |`;
}

/** The cold query's time the targets judge: the median over the fresh processes it ran in (run.ts). */
function coldMs(m: ModeResult): number {
  return median(m.cold.samplesMs);
}

/** The cold figure as printed: the median, with every sample when there are several. */
function coldFigure(m: ModeResult): string {
  const samples = m.cold.samplesMs;
  return samples.length === 1
    ? `${fixed(coldMs(m), 1)} ms`
    : `${fixed(coldMs(m), 1)} ms (median of ${samples.map((ms) => fixed(ms, 1)).join(", ")})`;
}

interface Target {
  name: string;
  met: boolean;
  /** Not one of the issue's targets: shown for information. */
  informative?: boolean;
  evidence: string;
}

function mode(w: WorkloadResult | undefined, which: "planning" | "baseline"): ModeResult | undefined {
  return w?.modes.find((m) => m.mode === which);
}

/**
 * Decode time per record on the cold path, ms: the decode section's full-decode medians when it ran,
 * else an estimate (a 2000-record page: Bridge ~20 ms, agent ~6 ms on this 2-core machine's order).
 */
function decodePerRecord(report: BenchReport): { agent: number; bridge: number; measured: boolean } {
  const pages = report.decode?.pages ?? [];
  const bridge = pages.find((p) => p.page.startsWith("Bridge"));
  const agent = pages.find((p) => p.page.startsWith("Agent"));
  if (bridge && agent)
    return {
      agent: agent.decodeMs / agent.records,
      bridge: bridge.decodeMs / bridge.records,
      measured: true,
    };
  return { agent: 0.003, bridge: 0.01, measured: false };
}

/**
 * Issue 8 §3 "Cold queries": each workload's cold query within 1.5× of (fewest sequential round trips ×
 * per-call latency + decode time), and never slower than the planning-off baseline's cold query where that
 * baseline answered without errors.
 */
function coldTargets(report: BenchReport): Target[] {
  const perRecord = decodePerRecord(report);
  const latency = report.options.latencyMs;
  const out: Target[] = [];
  for (const w of report.workloads) {
    const on = mode(w, "planning");
    if (!on) continue;
    const base = mode(w, "baseline");
    const decodeMs = w.decodedRecords.agent * perRecord.agent + w.decodedRecords.bridge * perRecord.bridge;
    const ideal = w.roundTrips * latency + decodeMs;
    const bound = 1.5 * ideal;
    const baseOk = base !== undefined && Object.keys(base.cold.errorCodes).length === 0;
    const coldOk = Object.keys(on.cold.errorCodes).length === 0;
    const met = coldOk && coldMs(on) <= bound && (!baseOk || coldMs(on) <= coldMs(base));
    out.push({
      name: `Cold query within 1.5× of the round-trip bound, and not slower than planning off: ${w.title}`,
      met,
      evidence:
        `${coldFigure(on)} vs bound ${fixed(bound, 1)} ms = 1.5 × (${w.roundTrips} round trip(s) × ` +
        `${latency} ms + ${fixed(decodeMs, 1)} ms decode of ${calls(w.decodedRecords)} records` +
        `${perRecord.measured ? "" : ", estimated"}); planning off ${
          base === undefined
            ? "not run"
            : `${coldFigure(base)}${baseOk ? "" : ` with errors${codes(base.cold.errorCodes)}, not compared`}`
        }`,
    });
    const measured = w.measuredRoundsMs.reduce((sum, ms) => sum + ms, 0);
    const measuredBound = 1.5 * (measured + decodeMs);
    if (w.measuredRoundsMs.length > 0) {
      out.push({
        name: `Cold query within 1.5× of the bound with the round trips measured: ${w.title}`,
        met: coldOk && coldMs(on) <= measuredBound,
        evidence:
          `${fixed(coldMs(on), 1)} ms vs bound ${fixed(measuredBound, 1)} ms = 1.5 × (${w.measuredRoundsMs
            .map((ms) => fixed(ms, 1))
            .join(" + ")} ms for the ${w.roundTrips} round trip(s) made directly against the simulators ` +
          `just before, median of 3 + ${fixed(decodeMs, 1)} ms decode); with the configured ${latency} ms a ` +
          `call the bound is ${fixed(bound, 1)} ms (line above)`,
      });
    }
    if (w.trivialBurstMs !== undefined && w.trivialBurstMs.length > 0) {
      const floor = median(w.trivialBurstMs);
      out.push({
        name: `What the same burst costs with no upstream work (not a target; the floor under the two lines above): ${w.title}`,
        met: floor <= measuredBound,
        informative: true,
        evidence:
          `${w.coldRequests} × { __typename } at once on fresh connections of a freshly started gateway: ` +
          `${fixed(floor, 1)} ms (median of ${w.trivialBurstMs.map((ms) => fixed(ms, 1)).join(", ")}), against ` +
          `the bounds of ${fixed(bound, 1)} and ${fixed(measuredBound, 1)} ms: the bounds count the round trips ` +
          `and the decoding, not the HTTP and GraphQL work of ${w.coldRequests} requests (ℹ️: it alone takes ` +
          `longer than the bound with the round trips measured)`,
      });
    }
  }
  return out;
}

type EdgeFigures = EdgeResult["variants"][number];

function edgeVariant(result: EdgeResult, edge: EdgeFigures["edge"]): EdgeFigures | undefined {
  return result.variants.find((v) => v.edge === edge);
}

/**
 * Issue 7: "show in npm run bench that throughput did not drop" with the move off startStandaloneServer.
 * Judged on the same build doing the same work (request log off in both), round by round in the same
 * process: the median of the Fastify edge's req/s ÷ the standalone handler's in the same round at least
 * 1 − EDGE_TOLERANCE — the spread of one variant's req/s between the rounds of one process.
 */
const EDGE_TOLERANCE = 0.05;

/** `fastify` ÷ `other` round by round (the same index is the same round of the same process). */
function roundRatios(fastify: number[], other: number[]): number[] {
  return fastify.map((value, j) => value / (other[j] ?? NaN)).filter(Number.isFinite);
}

function edgeTargets(report: BenchReport): Target[] {
  return (report.edge ?? []).flatMap((result) => {
    const bare = edgeVariant(result, "standalone");
    const books = edgeVariant(result, "standalone + the edge's books");
    const fastify = edgeVariant(result, "fastify");
    if (!bare || !books || !fastify) return [];
    const against = (other: EdgeFigures) => {
      const ratios = roundRatios(fastify.rps, other.rps);
      const ratio = median(ratios);
      const cpu = median(roundRatios(fastify.cpuMsPerRequest, other.cpuMsPerRequest));
      return {
        ratio,
        evidence:
          `Fastify ${fixed(ratio * 100, 0)} % of the req/s in the same round (median of ${ratios.length} ` +
          `rounds in ${result.processes} processes; ${fixed(Math.min(...ratios) * 100, 0)}–` +
          `${fixed(Math.max(...ratios) * 100, 0)} %); medians ${fixed(median(fastify.rps), 0)} vs ` +
          `${fixed(median(other.rps), 0)} req/s, CPU per request ${fixed(median(fastify.cpuMsPerRequest), 3)} vs ` +
          `${fixed(median(other.cpuMsPerRequest), 3)} ms (${fixed(cpu * 100, 0)} % round by round)`,
      };
    };
    const same = against(books);
    const bareFigures = against(bare);
    return [
      {
        name: `Edge throughput not below startStandaloneServer's doing the same books (issue 7): ${result.workload}`,
        met: same.ratio >= 1 - EDGE_TOLERANCE && fastify.errors === 0,
        evidence: same.evidence,
      },
      {
        name: `The same against the bare standalone handler (no request id, record or metrics): ${result.workload}`,
        met: bareFigures.ratio >= 1 - EDGE_TOLERANCE,
        informative: true,
        evidence: bareFigures.evidence,
      },
    ];
  });
}

function renderEdge(results: EdgeResult[]): string[] {
  const lines = [
    "",
    "## Edge: the same gateway behind startStandaloneServer's handler and behind Fastify (issue 7)",
    "",
  ];
  lines.push(
    "| Workload | Edge | req/s per round | req/s median | CPU ms/request per round | CPU median | p99 ms median | Errors |",
    "|---|---|---|---:|---|---:|---:|---|",
  );
  const first = results[0];
  const pinned = results.find((r) => r.pinnedCpu !== null)?.pinnedCpu ?? null;
  for (const result of results) {
    // One process's rounds, then the next process's after a " · ".
    const perRound = (values: number[], digits: number) => {
      const groups: string[] = [];
      for (let j = 0; j < values.length; j += result.rounds) {
        groups.push(
          values
            .slice(j, j + result.rounds)
            .map((value) => fixed(value, digits))
            .join(", "),
        );
      }
      return groups.join(" · ");
    };
    for (const v of result.variants) {
      lines.push(
        `| ${result.workload} | ${v.edge} | ${perRound(v.rps, 0)} | ${fixed(median(v.rps), 0)} | ` +
          `${perRound(v.cpuMsPerRequest, 3)} | ${fixed(median(v.cpuMsPerRequest), 3)} | ` +
          `${fixed(median(v.p99), 0)} | ${v.errors}/${v.requests} |`,
      );
    }
  }
  lines.push(
    "",
    `Each of ${first?.processes ?? 0} gateway processes of this build serves all four variants over the same ` +
      "Apollo server, plugins, services and warm-up (the standalone handlers on ports of their own): its cold " +
      `request, ${(first?.warmRequests ?? 0).toLocaleString("en")} warm-up requests through each edge, then ` +
      `${first?.rounds ?? 0} rounds, each loading every variant once in a rotated order (processes separated by ·)` +
      (pinned === null
        ? " (not pinned to a CPU: taskset was not available). "
        : `; each process pinned to CPU ${pinned} (taskset). `) +
      "standalone: Apollo's startStandaloneServer request handler (cors, body-parser, finalhandler; no routing, " +
      "no caller, no request log); standalone + the edge's books: the same handler also keeping the request id, " +
      "request record and metrics through the edge's own code (src/http/observe.ts); fastify: the gateway's " +
      "edge; all three at LOG_LEVEL=warn. fastify + request log: the edge with the root logger switched to info " +
      "for its load, as deployed (one `graphql request` record per request). CPU: the gateway process, all threads, over the load ÷ its requests.",
  );
  return lines;
}

export function targets(report: BenchReport): Target[] {
  const out: Target[] = [...edgeTargets(report)];
  if (report.replicas) {
    const r = report.replicas;
    out.push({
      name: "Replicas: the cold request on every replica at once costs what it costs one process (issue 11)",
      met: same(r.coldCalls, r.singleColdCalls),
      evidence: `${r.replicas} replicas ${calls(r.coldCalls)}, one process ${calls(r.singleColdCalls)}`,
    });
  }
  const planned = report.workloads.flatMap((w) => {
    const m = mode(w, "planning");
    return m ? [{ w, m }] : [];
  });
  const off = planned.filter(({ w, m }) => callsWithinTarget(w, m) === null);
  const perKey = planned.filter(({ w, m }) => callsWithinTarget(w, m) === "per key");
  out.push({
    name:
      "Upstream calls at the optimum on every workload, or at most the number of keys where parallel " +
      "lookups are chosen for latency (cold phase, planning on)",
    met: off.length === 0,
    evidence:
      (off.length === 0
        ? "every cold phase made the optimum"
        : off.map(({ w, m }) => `${w.title}: ${calls(m.cold.calls)} vs ${calls(w.optimum)}`).join("; ")) +
      perKey
        .map(
          ({ w, m }) =>
            `; ${w.title}: ${calls(m.cold.calls)} (optimum ${calls(w.optimum)}), one parallel lookup per key ` +
            `(at most ${calls(w.perKeyCalls as Calls)})`,
        )
        .join(""),
  });
  const overCold = planned.filter(({ w, m }) => {
    const perQueryOptimum = {
      agent: w.optimum.agent / w.coldRequests,
      bridge: w.optimum.bridge / w.coldRequests,
    };
    return (
      m.load.callsPerQuery.agent > perQueryOptimum.agent + 1e-9 ||
      m.load.callsPerQuery.bridge > perQueryOptimum.bridge + 1e-9
    );
  });
  out.push({
    name: "Under load no query costs more than the cold optimum (calls/query ≤ optimum/query)",
    met: overCold.length === 0,
    evidence:
      overCold.length === 0
        ? "every load phase stayed at or below the optimum per query"
        : overCold.map(({ w, m }) => `${w.title}: ${calls(m.load.callsPerQuery, rate)}/query`).join("; "),
  });
  const aboveFloor = planned.filter(
    ({ m }) =>
      m.load.callsPerQuery.agent > m.load.floorPerQuery.agent * 2 + 1e-9 ||
      m.load.callsPerQuery.bridge > m.load.floorPerQuery.bridge * 2 + 1e-9,
  );
  out.push({
    name: "Under load calls stay within 2× the freshness floor (not an issue target; shows unused freshness)",
    met: aboveFloor.length === 0,
    informative: true,
    evidence:
      aboveFloor.length === 0
        ? "every load phase stayed near the floor"
        : aboveFloor
            .map(
              ({ w, m }) =>
                `${w.title}: ${calls(m.load.callsPerQuery, rate)} vs floor ${calls(m.load.floorPerQuery, rate)}`,
            )
            .join("; "),
  });

  out.push(...coldTargets(report));

  const page = report.workloads.find((w) => w.id === "profile-page");
  if (report.probe) {
    const p = report.probe;
    out.push({
      name: "p50 added latency ≤ 3 ms over the upstream critical path (warm 50-customer page with profiles)",
      met: p.addedP50 <= 3,
      evidence:
        `gateway p50 ${p.gatewayP50.toFixed(2)} ms vs the same agent page called directly ${p.upstreamP50.toFixed(2)} ms ` +
        `= +${p.addedP50.toFixed(2)} ms (${p.requests} sequential requests on one connection, ` +
        `${calls(p.callsPerQuery, rate)} calls/query)`,
    });
  }
  const on = mode(page, "planning");
  const base = mode(page, "baseline");
  if (on && base) {
    const okRate = (m: ModeResult) =>
      m.load.requests === 0 ? 0 : (m.load.rps * (m.load.requests - m.load.errors)) / m.load.requests;
    const ratio = okRate(base) === 0 ? Infinity : okRate(on) / okRate(base);
    out.push({
      name: "≥ 10× the req/s of the planning-off gateway (warm page with profiles, error-free responses)",
      met: ratio >= 10,
      evidence: `${okRate(on).toFixed(0)} vs ${okRate(base).toFixed(0)} error-free req/s = ${Number.isFinite(ratio) ? ratio.toFixed(1) : "∞"}×`,
    });
    out.push({
      name: `≥ 300 req/s (warm page with profiles; this machine has ${report.machine.cores} cores)`,
      met: on.load.rps >= 300 && on.load.errors === 0,
      evidence: `${on.load.rps.toFixed(0)} req/s with ${on.load.errors} errors`,
    });
  }
  const loopMax = (ms: ModeResult[]) => Math.max(0, ...ms.map((m) => m.eventLoop.maxMs));
  const worstLoop = planned.reduce<{ title: string; ms: number } | null>(
    (worst, { w, m }) =>
      worst === null || m.eventLoop.maxMs > worst.ms ? { title: w.title, ms: m.eventLoop.maxMs } : worst,
    null,
  );
  const cpuSeen = planned.filter(({ m }) => m.eventLoop.cpu !== undefined);
  if (cpuSeen.length > 0) {
    const onCpu = (m: ModeResult) => m.eventLoop.cpu?.maxOnCpuMs ?? 0;
    const worstCpu = Math.max(0, ...cpuSeen.map(({ m }) => onCpu(m)));
    out.push({
      name:
        "No synchronous stretch over 20 ms, seen from the kernel: the most on-CPU time of the gateway's main " +
        "thread between two turns of a 5 ms timer (planning on; /proc schedstat)",
      met: worstCpu <= 20,
      evidence:
        `most ${worstCpu.toFixed(1)} ms on CPU; per workload, most on CPU / longest gap = on CPU + waiting ` +
        `for a core: ${cpuSeen
          .map(({ w, m }) => {
            const c = m.eventLoop.cpu as NonNullable<ModeResult["eventLoop"]["cpu"]>;
            const g = c.longestGap;
            return `${w.title} ${c.maxOnCpuMs.toFixed(1)} / ${g.ms.toFixed(1)} = ${g.onCpuMs.toFixed(1)} + ${g.waitingMs.toFixed(1)} ms`;
          })
          .join("; ")}`,
    });
  }
  if (worstLoop) {
    const baselineModes = report.workloads.flatMap((w) => w.modes.filter((m) => m.mode === "baseline"));
    const p99 = Math.max(0, ...planned.map(({ m }) => m.eventLoop.p99Ms));
    // Issue 8 §3 names the measure: event-loop delay p99 from perf_hooks.monitorEventLoopDelay.
    out.push({
      name: "Event-loop delay p99 ≤ 20 ms over cold scans, index builds and load (monitorEventLoopDelay, the issue's measure; planning on)",
      met: p99 <= 20,
      evidence: `p99 at most ${p99.toFixed(1)} ms (every workload); longest ${worstLoop.ms.toFixed(1)} ms (next line)`,
    });
    out.push({
      name: "Longest event-loop delay ≤ 20 ms (a delay includes time waiting for a core that other processes hold; the kernel line gives the on-CPU part)",
      met: worstLoop.ms <= 20,
      informative: true,
      evidence:
        `longest ${worstLoop.ms.toFixed(1)} ms (${worstLoop.title})` +
        (baselineModes.length > 0 ? `; planning off: longest ${loopMax(baselineModes).toFixed(1)} ms` : ""),
    });
  }
  for (const sequence of report.sequences) {
    out.push({
      name: `Peak RSS ≤ 256 MB for one gateway serving every workload in sequence (planning ${sequence.mode === "planning" ? "on" : "off"})`,
      met: sequence.peakRssBytes <= 256 * 1024 ** 2,
      evidence:
        `${mb(sequence.peakRssBytes)} MB over ${sequence.workloads.length} workloads, ${sequence.requests} requests ` +
        `(${sequence.errors} with errors); event loop max ${sequence.eventLoop.maxMs.toFixed(1)} ms`,
    });
  }
  const maxRss = Math.max(0, ...planned.map(({ m }) => m.peakRssBytes));
  out.push({
    name: "Peak RSS per workload on a fresh gateway (planning on)",
    met: maxRss <= 256 * 1024 ** 2,
    informative: true,
    evidence: `highest ${mb(maxRss)} MB (planning off: ${mb(
      Math.max(
        0,
        ...report.workloads.flatMap((w) =>
          w.modes.filter((m) => m.mode === "baseline").map((m) => m.peakRssBytes),
        ),
      ),
    )} MB)`,
  });
  const bridgePage = report.decode?.pages.find((p) => p.page.startsWith("Bridge"));
  if (bridgePage) {
    out.push({
      name: `Lossless parse ≤ ${DECODE_RATIO_TARGET}× JSON.parse (${bridgePage.records}-record Bridge page)`,
      met: bridgePage.ratio <= DECODE_RATIO_TARGET,
      evidence:
        `${bridgePage.losslessParseMs.toFixed(2)} ms vs ${bridgePage.jsonParseMs.toFixed(2)} ms = ` +
        `${bridgePage.ratio.toFixed(2)}× (${(bridgePage.bytes / 1024 ** 2).toFixed(2)} MB, median)`,
    });
    out.push({
      name: `One page's lossless parse, the longest piece of a decode that stays whole, well under ${DECODE_STALL_TARGET_MS} ms (the clients decode the records in slices, lib/cooperate.ts)`,
      met: bridgePage.losslessParseMs < DECODE_STALL_TARGET_MS / 2,
      informative: true,
      evidence: `parse median ${bridgePage.losslessParseMs.toFixed(2)} ms; the whole page in one stretch would be ${bridgePage.decodeMs.toFixed(2)} ms (median), ${bridgePage.decodeMaxMs.toFixed(2)} ms (longest), for ${bridgePage.records} records`,
    });
  }
  const all = report.workloads.flatMap((w) => w.modes);
  const t429 = all.reduce((s, m) => s + m.bridge429 + m.bridge418, 0);
  out.push({
    name: "0 Bridge 429s (both modes)",
    met: t429 === 0,
    evidence: `${all.reduce((s, m) => s + m.bridge429, 0)} × 429, ${all.reduce((s, m) => s + m.bridge418, 0)} × 418`,
  });
  return out;
}

export function renderMarkdown(report: BenchReport): string {
  const o = report.options;
  const lines: string[] = [];
  lines.push("# Gateway benchmark", "");
  lines.push(
    `Machine: ${report.machine.cpu}, ${report.machine.cores} cores, ${report.machine.memoryGb.toFixed(1)} GB, ` +
      `Node ${report.machine.node}, ${report.machine.platform}; 1-min load average ${report.machine.loadAverage
        .map((l) => l.toFixed(2))
        .join(" → ")} (start → end; anything else running shares these cores). Run ${report.startedAt}, ` +
      `${report.totalSec.toFixed(0)} s.`,
  );
  lines.push(
    `Settings: ${o.latencyMs} ms per upstream call; ${report.dataset.agentCustomers} agent customers (list page cap ` +
      `${report.dataset.agentCap}), ${report.dataset.bridgeProfiles} Bridge profiles (page max ${report.dataset.bridgeCap}); ` +
      `load per workload and mode: ${o.requests === undefined ? `${o.durationSec} s` : `${o.requests} requests`} on ` +
      `${o.connections} connections (${o.burst} for customer(id)); freshness: traffic ${report.gateway.trafficMaxAgeMs} ms, ` +
      `profiles ${report.gateway.profileMaxAgeMs} ms; gateway Bridge budget ${report.gateway.bridgeBudgetPerMin}/min, ` +
      `simulator limit ${report.simulatorBridgeLimitPerMin}/min per key.`,
    "",
  );
  lines.push(
    "| Workload | Mode | Cold calls A+B | Optimum | Cold ms | Load calls/query A+B | Floor/query | p50 ms | p99 ms | req/s | Errors | 429 | Peak RSS MB | Loop max ms |",
    "|---|---|---|---|---:|---|---|---:|---:|---:|---|---:|---:|---:|",
  );
  for (const w of report.workloads) for (const m of w.modes) lines.push(row(w, m));
  lines.push("");
  lines.push(
    "A+B = agent list calls + Bridge page calls, counted by the simulators until the scans the cold phase started " +
      "have ended (the gateway's own debug count is shown when it differs: the calls made before the answer). " +
      "Cold: the first request(s) on a freshly started gateway, one at a time except customer(id), " +
      "whose burst is sent at once (its figures are totals for the burst). Load: autocannon right after, same gateway; " +
      "calls/query = simulator calls during the load / responses. Floor/query = the fewest calls the load could have " +
      "cost with every read reused for as long as its freshness bound allows. Errors = responses with a GraphQL " +
      "error or a non-200 status (by code). Every workload × mode runs on a fresh gateway process and a fresh " +
      "simulator rate window; peak RSS is the gateway process's.",
    "",
  );
  lines.push("## Targets", "");
  for (const t of targets(report))
    lines.push(`- ${t.met ? "✅" : t.informative ? "ℹ️" : "❌"} ${t.name}: ${t.evidence}`);
  if (report.replicas) {
    const r = report.replicas;
    const single = report.workloads
      .find((w) => w.title === r.workload)
      ?.modes.find((m) => m.mode === "planning");
    lines.push("", "## Replicas (one Redis)", "");
    lines.push(
      `${r.replicas} gateway processes sharing one Redis, ${r.workload}: cold request sent to every replica at once: ` +
        `${calls(r.coldCalls)} calls (one process: ${calls(r.singleColdCalls)}); load spread over them: ` +
        `${r.rps.toFixed(0)} req/s (one process: ${single ? single.load.rps.toFixed(0) : "–"} req/s), ` +
        `${calls(r.loadCalls)} calls, ${r.errors}/${r.requests} errors, ${r.bridge429} × 429, ${r.bridge418} × 418. ` +
        `Shared reads in Redis after the cold request: ${r.sharedReads.keys} keys, ${(r.sharedReads.bytes / 1024 ** 2).toFixed(1)} MB. ` +
        "On 2 cores three processes share the CPU the one process had to itself.",
    );
  }
  lines.push("", "## Optimum per workload", "");
  for (const w of report.workloads) lines.push(`- **${w.title}**: ${w.note}`);
  lines.push("", "## Plans chosen on the cold phase (x-gateway-debug, planning on)", "");
  for (const w of report.workloads) {
    const m = mode(w, "planning");
    if (!m) continue;
    lines.push(`- **${w.title}**: ${m.cold.plans.length === 0 ? "(none)" : m.cold.plans.join("; ")}`);
  }
  if (report.edge && report.edge.length > 0) lines.push(...renderEdge(report.edge));
  if (report.decode) lines.push("", renderDecodeMarkdown(report.decode).trimEnd());
  return `${lines.join("\n")}\n`;
}
