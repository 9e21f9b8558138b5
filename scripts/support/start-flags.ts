import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * The Node flags `npm start` gives the gateway (package.json's start script, e.g. --max-old-space-size),
 * so that the bench and the process tests run the process production runs.
 */
export function startFlags(): string[] {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { scripts?: Record<string, string> };
      return (pkg.scripts?.start ?? "").split(/\s+/).filter((word) => word.startsWith("--"));
    }
    if (dirname(dir) === dir) return [];
  }
}
