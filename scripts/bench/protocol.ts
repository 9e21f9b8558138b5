/** Messages between the bench and its gateway child process (scripts/bench/gateway-child.ts). */
export type ParentMessage =
  | { type: "stats" }
  | { type: "stop" }
  /** Answered ("settled") once no index build of either source is in flight. */
  | { type: "settle" }
  /** The root logger's level, which its children without a level of their own follow (answered with "log-level"). */
  | { type: "log-level"; level: string };

export type ChildMessage =
  /** `edges`: with BENCH_EDGE=all, the standalone handlers' URLs beside the gateway's edge (`url`). */
  | { type: "ready"; url: string; pid: number; edges?: Record<"standalone" | "standalone-books", string> }
  | { type: "log-level"; level: string }
  | { type: "settled" }
  | { type: "failed"; message: string }
  | {
      type: "stats";
      peakRssBytes: number;
      eventLoop: EventLoopDelay;
      /** CPU time of the whole process so far (user + system, all its threads), µs. */
      cpuMicros: number;
    };

/** Event-loop delay since the previous stats message (perf_hooks.monitorEventLoopDelay), ms. */
export interface EventLoopDelay {
  p99Ms: number;
  maxMs: number;
  /**
   * The same gaps seen from the kernel (Linux /proc schedstat of the main thread; absent elsewhere):
   * the most on-CPU time of the main thread between two turns of a 5 ms timer (an upper bound of the
   * longest synchronous stretch, main-thread GC included), and the longest gap between two turns split
   * into on-CPU time and time runnable but waiting for a core.
   */
  cpu?: { maxOnCpuMs: number; longestGap: { ms: number; onCpuMs: number; waitingMs: number } };
}
