/** Messages between the bench and its gateway child process (scripts/bench/gateway-child.ts). */
export type ParentMessage = { type: "stats" } | { type: "stop" };

export type ChildMessage =
  | { type: "ready"; url: string; pid: number }
  | { type: "failed"; message: string }
  | { type: "stats"; peakRssBytes: number };
