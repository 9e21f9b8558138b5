/** Starts and stops the gateway under benchmark as a child process (scripts/bench/gateway-child.ts). */
import { fork, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { startFlags } from "../support/start-flags";
import type { ChildMessage, EventLoopDelay, ParentMessage } from "./protocol";

/** The compiled child entry: next to this file when running from dist/, else the repo's dist/. */
function childScript(): string {
  const candidates = [
    join(__dirname, "gateway-child.js"),
    join(__dirname, "..", "..", "dist", "scripts", "bench", "gateway-child.js"),
  ];
  const found = candidates.find((path) => existsSync(path));
  if (!found) throw new Error("the bench's gateway child is not compiled: run `npm run build` first");
  return found;
}

export class GatewayProcess {
  private stderrTail = "";

  private constructor(
    private readonly child: ChildProcess,
    readonly url: URL,
    /** With BENCH_EDGE=all: the standalone handlers' URLs beside the gateway's edge (`url`). */
    readonly edges: Record<"standalone" | "standalone-books", URL> | null = null,
  ) {}

  /** `nodeArgs`: extra Node flags for the gateway process, e.g. --cpu-prof to profile it. */
  static start(
    env: NodeJS.ProcessEnv,
    nodeArgs: string[] = [],
    startTimeoutMs = 30_000,
  ): Promise<GatewayProcess> {
    const child = fork(childScript(), [], {
      env,
      execArgv: [...startFlags(), ...nodeArgs],
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    let tail = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      tail = (tail + chunk.toString("utf8")).slice(-4000);
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`the gateway did not start within ${startTimeoutMs} ms\n${tail}`));
      }, startTimeoutMs);
      const onMessage = (message: ChildMessage) => {
        if (message.type === "ready") {
          clearTimeout(timer);
          child.off("message", onMessage);
          const gateway = new GatewayProcess(
            child,
            new URL(message.url),
            message.edges === undefined
              ? null
              : {
                  standalone: new URL(message.edges.standalone),
                  "standalone-books": new URL(message.edges["standalone-books"]),
                },
          );
          child.stderr?.on("data", (chunk: Buffer) => {
            gateway.stderrTail = (gateway.stderrTail + chunk.toString("utf8")).slice(-4000);
          });
          resolve(gateway);
        } else if (message.type === "failed") {
          clearTimeout(timer);
          reject(new Error(`the gateway could not start: ${message.message}\n${tail}`));
        }
      };
      child.on("message", onMessage);
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`the gateway exited with code ${code} before it was ready\n${tail}`));
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  private send(message: ParentMessage): void {
    this.child.send(message);
  }

  /** Sends `message` and resolves with the child's answer of type `answer`. */
  private ask<T extends ChildMessage["type"]>(
    message: ParentMessage,
    answer: T,
  ): Promise<Extract<ChildMessage, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.child.off("message", onMessage);
        reject(new Error(`the gateway did not answer a ${message.type} message`));
      }, 5000);
      const onMessage = (reply: ChildMessage) => {
        if (reply.type !== answer) return;
        clearTimeout(timer);
        this.child.off("message", onMessage);
        resolve(reply as Extract<ChildMessage, { type: T }>);
      };
      this.child.on("message", onMessage);
      this.send(message);
    });
  }

  /** The child's peak RSS so far (bytes), its event-loop delay since the previous call, its CPU so far. */
  async stats(): Promise<{ peakRssBytes: number; eventLoop: EventLoopDelay; cpuMicros: number }> {
    const { peakRssBytes, eventLoop, cpuMicros } = await this.ask({ type: "stats" }, "stats");
    return { peakRssBytes, eventLoop, cpuMicros };
  }

  /**
   * Once the child's index builds have ended: a cold lookup may be answered from a scan's first pages
   * while the scan goes on for the index, whose calls belong to the cold phase.
   */
  async settle(): Promise<void> {
    await this.ask({ type: "settle" }, "settled");
  }

  /** Sets the level of the child's root logger (and so of the edge's request logger). */
  async setLogLevel(level: string): Promise<void> {
    await this.ask({ type: "log-level", level }, "log-level");
  }

  /**
   * Stops the child. Nothing of it needs to outlive the measurement, and a planning-off gateway may still be
   * working through a backlog: ask it to stop (it exits within a moment, in flight or not), else kill it.
   */
  stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const force = setTimeout(() => this.child.kill("SIGKILL"), 3000);
      this.child.once("exit", () => {
        clearTimeout(force);
        resolve();
      });
      try {
        this.send({ type: "stop" });
      } catch {
        this.child.kill("SIGKILL");
      }
    });
  }

  /** The last lines the child wrote to stderr (for failure reports). */
  get stderr(): string {
    return this.stderrTail;
  }
}
