/**
 * The gateway under benchmark, as its own process (forked by scripts/bench/run.ts with an IPC channel), so
 * that its CPU and memory are measured apart from the load generator and the simulators. Configured only
 * by the environment the bench passes (upstream URLs and credentials of the bench's simulators,
 * GATEWAY_PLANNING, ...), exactly as a deployment would be; listens on a free port.
 */
import "reflect-metadata";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { loadConfig } from "../../src/config";
import { startGateway } from "../../src/server";
import type { ChildMessage, ParentMessage } from "./protocol";

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

async function main(): Promise<void> {
  if (!process.send) throw new Error("gateway-child must be started by the bench (fork with IPC)");
  const config = loadConfig(process.env);
  if (!config.agent || !config.bridge)
    throw new Error("the bench must pass AGENT_BASE_URL and BRIDGE_BASE_URL");
  const gateway = await startGateway(config, { agent: config.agent, bridge: config.bridge }, 0);
  const sampler = setInterval(peakRss, 50);
  sampler.unref();
  // The longest synchronous stretches: the delay of a 5 ms timer, sampled by libuv, reset per report.
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();

  process.on("message", (message: ParentMessage) => {
    if (message.type === "stats") {
      const ms = (ns: number) => ns / 1e6;
      send({
        type: "stats",
        peakRssBytes: peakRss(),
        eventLoop: { p99Ms: ms(loop.percentile(99)), maxMs: ms(loop.max) },
      });
      loop.reset();
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
  send({ type: "ready", url: url.toString(), pid: process.pid });
}

main().catch((error: unknown) => {
  send({ type: "failed", message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
