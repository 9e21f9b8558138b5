/**
 * `npm run bench`: the gateway under the canonical workloads of issue §6, with planning on and off, against
 * the simulators; prints a Markdown report and writes it to .bench/results.md (JSON next to it).
 * From a test (after `npm run build`, since the gateway child runs compiled):
 *   await runBench({ ...QUICK_OPTIONS, modes: ["planning"] })   // a few seconds; both modes: ~25 s
 *
 *   npm run bench -- [--latency-ms 20] [--agent-customers 10000] [--bridge-profiles 10000]
 *                    [--duration 5 | --requests N] [--connections 10] [--burst 200] [--only id,id] [--quick]
 */
import "reflect-metadata";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { renderMarkdown } from "./bench/report";
import { DEFAULT_OPTIONS, QUICK_OPTIONS, runBench, type BenchOptions, type Mode } from "./bench/run";

export { renderMarkdown, targets } from "./bench/report";
export { DEFAULT_OPTIONS, QUICK_OPTIONS, runBench } from "./bench/run";
export type { BenchOptions, BenchReport } from "./bench/run";

const USAGE =
  "Usage: npm run bench -- [--latency-ms MS] [--agent-customers N] [--bridge-profiles N]\n" +
  "  [--duration S | --requests N] [--connections N] [--burst N] [--cold-samples N] [--only id,id]\n" +
  "  [--modes planning,baseline]\n" +
  "  [--quick] [--out DIR]\n" +
  '  [--gateway-node-args="--cpu-prof --cpu-prof-dir=/tmp/prof"]\n' +
  "Workload ids: traffic-page, profile-page, twenty-names, profiles-customers, customer-by-id, decode\n" +
  "  (decode: the in-process decoding cost of one full upstream page), replicas (3 gateway processes\n" +
  "  sharing one Redis; needs redis-server, which installs itself on Debian as root), edge (the same\n" +
  "  gateway behind startStandaloneServer's handler and behind its Fastify edge, alternated in one process).";

function parseOptions(argv: string[]): { options: BenchOptions; outDir: string } | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      "latency-ms": { type: "string" },
      "agent-customers": { type: "string" },
      "bridge-profiles": { type: "string" },
      duration: { type: "string" },
      requests: { type: "string" },
      connections: { type: "string" },
      burst: { type: "string" },
      "cold-samples": { type: "string" },
      only: { type: "string" },
      modes: { type: "string" },
      "gateway-node-args": { type: "string" },
      quick: { type: "boolean", default: false },
      out: { type: "string", default: ".bench" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return null;
  const base = values.quick ? QUICK_OPTIONS : DEFAULT_OPTIONS;
  const int = (name: string, text: string | undefined, fallback: number, min: number): number => {
    if (text === undefined) return fallback;
    if (!/^\d+(\.\d+)?$/.test(text) || Number(text) < min) {
      throw new Error(`--${name} must be a number ≥ ${min}, got "${text}"`);
    }
    return Number(text);
  };
  const requests = values.requests === undefined ? undefined : int("requests", values.requests, 0, 1);
  const options: BenchOptions = {
    latencyMs: int("latency-ms", values["latency-ms"], base.latencyMs, 0),
    agentCustomers: int("agent-customers", values["agent-customers"], base.agentCustomers, 1),
    bridgeProfiles: int("bridge-profiles", values["bridge-profiles"], base.bridgeProfiles, 1),
    durationSec: int("duration", values.duration, base.durationSec, 1),
    ...(requests === undefined ? {} : { requests: Math.round(requests) }),
    connections: int("connections", values.connections, base.connections, 1),
    burst: int("burst", values.burst, base.burst, 1),
    probeRequests: base.probeRequests,
    coldSamples: Math.round(int("cold-samples", values["cold-samples"], base.coldSamples ?? 1, 1)),
    ...(base.edgeWarmRequests === undefined ? {} : { edgeWarmRequests: base.edgeWarmRequests }),
    ...(base.edgeProcesses === undefined ? {} : { edgeProcesses: base.edgeProcesses }),
    ...(base.edgeRounds === undefined ? {} : { edgeRounds: base.edgeRounds }),
    ...(values["gateway-node-args"] === undefined
      ? {}
      : { gatewayNodeArgs: values["gateway-node-args"].split(" ").filter((a) => a !== "") }),
    ...(values.only === undefined ? {} : { only: values.only.split(",").map((s) => s.trim()) }),
    ...(values.modes === undefined ? {} : { modes: parseModes(values.modes) }),
    log: (line) => console.error(line),
  };
  return { options, outDir: values.out };
}

/** `--modes planning` runs only planning on (e.g. to alternate two builds on the cold figures quickly). */
function parseModes(text: string): Mode[] {
  const modes = text.split(",").map((s) => s.trim());
  for (const m of modes) {
    if (m !== "planning" && m !== "baseline")
      throw new Error(`--modes takes planning and/or baseline, got "${m}"`);
  }
  return modes as Mode[];
}

async function main(): Promise<void> {
  const parsed = parseOptions(process.argv.slice(2));
  if (!parsed) {
    console.log(USAGE);
    return;
  }
  const report = await runBench(parsed.options);
  const markdown = renderMarkdown(report);
  console.log(markdown);
  mkdirSync(parsed.outDir, { recursive: true });
  writeFileSync(join(parsed.outDir, "results.md"), markdown);
  writeFileSync(join(parsed.outDir, "results.json"), `${JSON.stringify(report, null, 2)}\n`);
  console.error(`Wrote ${join(parsed.outDir, "results.md")} and results.json`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  });
}
