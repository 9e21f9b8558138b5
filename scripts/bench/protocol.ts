/** Messages between the bench and its gateway child process (scripts/bench/gateway-child.ts). */
export type ParentMessage = { type: "stats" } | { type: "stop" };

export type ChildMessage =
  | { type: "ready"; url: string; pid: number }
  | { type: "failed"; message: string }
  | { type: "stats"; peakRssBytes: number; eventLoop: EventLoopDelay };

/** Event-loop delay since the previous stats message (perf_hooks.monitorEventLoopDelay), ms. */
export interface EventLoopDelay {
  p99Ms: number;
  maxMs: number;
}
