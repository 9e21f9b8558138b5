/**
 * The gateway under benchmark, as its own process (forked by scripts/bench/run.ts with an IPC channel), so
 * that its CPU and memory are measured apart from the load generator and the simulators. Configured only
 * by the environment the bench passes (upstream URLs and credentials of the bench's simulators,
 * GATEWAY_PLANNING, ...), exactly as a deployment would be; listens on a free port.
 */
import "reflect-metadata";
import { openSync, readSync } from "node:fs";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { loadConfig } from "../../src/config";
import { logger } from "../../src/logger";
import { startGateway } from "../../src/server";
import type { ChildMessage, EventLoopDelay, ParentMessage } from "./protocol";
import { edgeComparison } from "./standalone-edge";

function send(message: ChildMessage): void {
  process.send?.(message);
}

/** Peak resident set size in bytes: the kernel's high-water mark, and our own samples as a floor. */
// process.memoryUsage() also walks the V8 heap: every 50 ms it cost the measured process ~2 % of its CPU.
let sampledPeak = process.memoryUsage.rss();
function peakRss(): number {
  sampledPeak = Math.max(sampledPeak, process.memoryUsage.rss());
  return Math.max(sampledPeak, process.resourceUsage().maxRSS * 1024);
}

/**
 * The main thread's on-CPU and run-queue wait times so far, ns (/proc/<pid>/task/<pid>/schedstat: time on
 * a CPU, time runnable waiting for one); null where the file does not exist.
 */
function openSchedstat(): (() => [number, number]) | null {
  let fd: number;
  try {
    fd = openSync(`/proc/${process.pid}/task/${process.pid}/schedstat`, "r");
  } catch {
    return null;
  }
  const buffer = Buffer.alloc(128);
  return () => {
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    const [onCpu = "0", waiting = "0"] = buffer.toString("latin1", 0, n).split(" ");
    return [Number(onCpu), Number(waiting)];
  };
}

/**
 * Whether a long event-loop delay is our synchronous code or the process waiting for a core (the bench's
 * own process, the simulators and other work share this machine's cores): every turn of a 5 ms timer
 * reads the main thread's schedstat, and each gap between two turns is split into on-CPU time and time
 * runnable but not running. ~20 µs a turn.
 */
class LoopCpu {
  private last: { at: number; onCpu: number; waiting: number } | null = null;
  private maxOnCpuMs = 0;
  private longestGap = { ms: 0, onCpuMs: 0, waitingMs: 0 };

  constructor(private readonly read: () => [number, number]) {
    const timer = setInterval(() => this.tick(), 5);
    timer.unref();
  }

  private tick(): void {
    const at = performance.now();
    const [onCpu, waiting] = this.read();
    if (this.last !== null) {
      const ms = at - this.last.at;
      const onCpuMs = (onCpu - this.last.onCpu) / 1e6;
      const waitingMs = (waiting - this.last.waiting) / 1e6;
      this.maxOnCpuMs = Math.max(this.maxOnCpuMs, onCpuMs);
      if (ms > this.longestGap.ms) this.longestGap = { ms, onCpuMs, waitingMs };
    }
    this.last = { at, onCpu, waiting };
  }

  /** Since the previous report. */
  report(): NonNullable<EventLoopDelay["cpu"]> {
    const out = { maxOnCpuMs: this.maxOnCpuMs, longestGap: this.longestGap };
    this.maxOnCpuMs = 0;
    this.longestGap = { ms: 0, onCpuMs: 0, waitingMs: 0 };
    return out;
  }
}

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

async function main(): Promise<void> {
  if (!process.send) throw new Error("gateway-child must be started by the bench (fork with IPC)");
  const config = loadConfig(process.env);
  // As src/index.ts does: LOG_LEVEL decides whether the per-request record is written.
  logger.level = config.logLevel;
  if (!config.agent || !config.bridge)
    throw new Error("the bench must pass AGENT_BASE_URL and BRIDGE_BASE_URL");
  // BENCH_EDGE=all: Apollo's standalone handler, bare and with the edge's books, beside the gateway's
  // edge (run.ts, edgePhase).
  const comparison = process.env.BENCH_EDGE === "all" ? edgeComparison() : null;
  const gateway = await startGateway(config, { agent: config.agent, bridge: config.bridge }, 0, {
    ...(comparison === null ? {} : { edge: comparison.factory }),
  });
  const sampler = setInterval(peakRss, 50);
  sampler.unref();
  // The longest synchronous stretches: the delay of a 5 ms timer, sampled by libuv, reset per report.
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const schedstat = openSchedstat();
  const loopCpu = schedstat === null ? null : new LoopCpu(schedstat);

  process.on("message", (message: ParentMessage) => {
    if (message.type === "stats") {
      const ms = (ns: number) => ns / 1e6;
      send({
        type: "stats",
        peakRssBytes: peakRss(),
        eventLoop: {
          p99Ms: ms(loop.percentile(99)),
          maxMs: ms(loop.max),
          ...(loopCpu === null ? {} : { cpu: loopCpu.report() }),
        },
        cpuMicros: cpuMicros(),
      });
      loop.reset();
    } else if (message.type === "log-level") {
      // Child loggers made without a level of their own (the edge's request logger) follow the root's.
      logger.level = message.level;
      send({ type: "log-level", level: logger.level });
    } else if (message.type === "settle") {
      const { agentSource, bridgeSource } = gateway.services;
      void Promise.all([agentSource.indexBuilt(), bridgeSource.indexBuilt()]).then(() =>
        send({ type: "settled" }),
      );
    } else if (message.type === "stop") {
      clearInterval(sampler);
      // Planning-off runs may leave upstream work in flight: do not wait for it past a moment.
      const force = setTimeout(() => process.exit(0), 300);
      force.unref();
      void gateway.stop().finally(() => process.exit(0));
    }
  });
  process.on("disconnect", () => process.exit(0));

  const url = new URL(gateway.url);
  // The server listens on 0.0.0.0; "localhost" may resolve to ::1 first.
  url.hostname = "127.0.0.1";
  send({
    type: "ready",
    url: url.toString(),
    pid: process.pid,
    ...(comparison === null ? {} : { edges: comparison.urls() }),
  });
}

main().catch((error: unknown) => {
  send({ type: "failed", message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
