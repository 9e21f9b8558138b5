import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { startFlags } from "../../scripts/support/start-flags";

/** The built gateway, as `npm start` runs it (test/support/global-setup.ts builds it once per run). */
export const ROOT = join(__dirname, "..", "..");
export const ENTRY = join(ROOT, "dist", "src", "index.js");

export interface GatewayProcess {
  child: ChildProcess;
  /** Everything it printed so far, stdout and stderr. */
  out(): string;
  /** Its log records (JSON lines). */
  records(): LogRecord[];
  exited: Promise<number | null>;
}

export interface LogRecord {
  level: string;
  msg: string;
  [field: string]: unknown;
}

/** Starts the gateway with a clean environment plus `env` (metrics on a free port unless said). */
export function startGatewayProcess(env: Record<string, string>): GatewayProcess {
  const child = spawn(process.execPath, [...startFlags(), ENTRY], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", METRICS_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  child.stdout?.on("data", (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  return { child, out: () => text, records: () => parseRecords(text), exited };
}

export function parseRecords(text: string): LogRecord[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as LogRecord);
}

export async function waitFor(predicate: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > until) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Waits for the "ready" line and returns the GraphQL URL it names (on 127.0.0.1). */
export async function readyUrl(gateway: GatewayProcess, ms = 30_000): Promise<string> {
  await waitFor(() => /ready at http/.test(gateway.out()), ms);
  const line = gateway.records().find((r) => /ready at/.test(r.msg)) as LogRecord;
  return ((/ready at (\S+)/.exec(line.msg) as RegExpExecArray)[1] as string).replace(
    "localhost",
    "127.0.0.1",
  );
}
