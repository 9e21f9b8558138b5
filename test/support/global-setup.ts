import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { ensureRedisServer } from "./redis";

/**
 * Once per jest run: builds dist/ (the process tests start the gateway the way `npm start` does) and
 * installs redis-server when it is missing (the replica tests start real ones).
 */
export default function globalSetup(): void {
  const root = join(__dirname, "..", "..");
  execFileSync(
    process.execPath,
    [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"],
    {
      cwd: root,
      stdio: "inherit",
    },
  );
  ensureRedisServer();
}
