import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Debian's redis-server; REDIS_SERVER points elsewhere. */
const REDIS_SERVER = process.env.REDIS_SERVER ?? "/usr/bin/redis-server";

/**
 * The replica tests' (and the bench's replica workload's) Redis, installed when missing (from test/support/global-setup.ts, once per run, so
 * that parallel test files never race for apt's lock): `npm test` must pass on a fresh Debian machine.
 * Never a reason to skip a test.
 */
export function ensureRedisServer(): string {
  if (existsSync(REDIS_SERVER)) return REDIS_SERVER;
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  if (process.env.REDIS_SERVER === undefined && root && existsSync("/usr/bin/apt-get")) {
    process.stderr.write(
      "redis-server is missing: installing Debian's redis-server package (apt-get, once).\n",
    );
    execFileSync(
      "sh",
      [
        "-c",
        // policy-rc.d 101: install the binary without starting the system's own Redis service.
        "printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d; " +
          "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; " +
          "status=$?; rm -f /usr/sbin/policy-rc.d; exit $status",
      ],
      { stdio: ["ignore", "inherit", "inherit"], timeout: 15 * 60_000 },
    );
    if (existsSync(REDIS_SERVER)) return REDIS_SERVER;
  }
  throw new Error(
    `The replica tests need redis-server at ${REDIS_SERVER}. On Debian as root it installs itself ` +
      "(apt-get install -y redis-server); elsewhere install Redis 6 or later with the system's package " +
      "manager (brew install redis, dnf install redis, ...) and set REDIS_SERVER to its executable.",
  );
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface TestRedis {
  /** redis://127.0.0.1:PORT */
  url: string;
  port: number;
  /** Stops the server (SIGKILL: as if it crashed); `start()` brings it back on the same port, empty. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** A real redis-server on a free loopback port, in memory only (no snapshot, no AOF), for one test file. */
export async function startRedis(): Promise<TestRedis> {
  const executable = ensureRedisServer();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "gateway-redis-"));
  let child: ChildProcess | null = null;
  const start = async (): Promise<void> => {
    const proc = spawn(
      executable,
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child = proc;
    let out = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${out}`)), 10_000);
      const onData = (chunk: Buffer) => {
        out += chunk.toString();
        if (/Ready to accept connections/.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout?.on("data", onData);
      proc.stderr?.on("data", onData);
      proc.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code}:\n${out}`));
      });
    });
  };
  const stop = async (): Promise<void> => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once("exit", () => resolve());
      proc.kill("SIGKILL");
    });
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    start,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
