import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

/** The folder holding package.json: the same from src/ (tests) and from dist/src/ (npm start). */
function projectRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("package.json not found above " + from);
    dir = parent;
  }
  return dir;
}

const ROOT = projectRoot(__dirname);

/** The browser entry that `npm run build` bundles with esbuild. */
export const EXPLORER_ENTRY = join(ROOT, "src", "explorer", "client", "main.tsx");

/** Where `npm run build` writes the bundle and where the gateway serves it from by default. */
export const DEFAULT_EXPLORER_ASSETS_DIR = join(ROOT, "dist", "explorer");

/** The bundle's two files, named by build-explorer and referenced by the page. */
export const EXPLORER_SCRIPT = "explorer.js";
export const EXPLORER_STYLESHEET = "explorer.css";
