import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

/** Debian's Chromium; CHROMIUM_PATH points elsewhere (Chrome, another distribution's Chromium). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * The flags that let Chromium run here: as root (no sandbox), without a GPU, and without the
 * background connections (updates, sync, QUIC probes) that a closed network refuses. Playwright adds a
 * fresh profile directory of its own for each launch.
 */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * The browser test's Chromium, installed on first use: `npm test` must pass on a fresh Debian machine.
 * Idempotent (nothing runs when the executable exists); never a reason to skip the test.
 */
export function ensureChromium(): string {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  if (process.env.CHROMIUM_PATH === undefined && root && existsSync("/usr/bin/apt-get")) {
    process.stderr.write("Chromium is missing: installing Debian's chromium package (apt-get, once).\n");
    execFileSync(
      "sh",
      ["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium"],
      { stdio: ["ignore", "inherit", "inherit"], timeout: 15 * 60_000 },
    );
    if (existsSync(CHROMIUM)) return CHROMIUM;
  }
  throw new Error(
    `The explorer's browser test needs Chromium at ${CHROMIUM}. On Debian as root it installs itself ` +
      "(apt-get install -y chromium); elsewhere install Chromium or Google Chrome with the system's " +
      "package manager and set CHROMIUM_PATH to its executable. (Playwright's own browser download " +
      "is not used: `npx playwright install` needs the internet.)",
  );
}
