import { execFileSync } from "node:child_process";
import { join } from "node:path";

/** Builds dist/ once per jest run: the process tests start the gateway the way `npm start` does. */
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
}
