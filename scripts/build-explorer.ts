import { build, type Plugin } from "esbuild";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DEFAULT_EXPLORER_ASSETS_DIR,
  EXPLORER_ENTRY,
  EXPLORER_SCRIPT,
  EXPLORER_STYLESHEET,
} from "../src/explorer/assets";

const DATA_URI = /url\(\s*["']?data:(font|image)\/([a-z0-9+.-]+);base64,([A-Za-z0-9+/=]+)["']?\s*\)/g;
const EXTENSION: Record<string, string> = { "svg+xml": "svg", jpeg: "jpg" };

/**
 * GraphiQL's stylesheet embeds its fonts and a few images as data: URIs, which a CSP of 'self' blocks.
 * This plugin writes each one to a file that esbuild then emits next to the bundle, so the page loads
 * them from the gateway and the policy needs no `data:` exception.
 */
function dataUrisToFiles(scratch: string): Plugin {
  return {
    name: "data-uris-to-files",
    setup(pluginBuild) {
      pluginBuild.onLoad({ filter: /\.css$/ }, (args) => {
        const css = readFileSync(args.path, "utf8");
        if (!DATA_URI.test(css)) return undefined;
        const rewritten = css.replace(DATA_URI, (_match, kind: string, subtype: string, base64: string) => {
          const bytes = Buffer.from(base64, "base64");
          const name = `${kind}-${createHash("sha256").update(bytes).digest("hex").slice(0, 12)}.${EXTENSION[subtype] ?? subtype}`;
          writeFileSync(join(scratch, name), bytes);
          return `url("./${name}")`;
        });
        return { contents: rewritten, loader: "css", resolveDir: scratch };
      });
    },
  };
}

/**
 * Bundles the offline explorer (GraphiQL, React, their CSS and fonts) from node_modules into `outdir`,
 * so that /explorer needs nothing but the gateway: no CDN, no inline script (the page's CSP allows only
 * 'self'). Part of `npm run build`; the browser test builds into a temporary folder of its own.
 */
export async function buildExplorer(outdir = DEFAULT_EXPLORER_ASSETS_DIR): Promise<Record<string, number>> {
  const scratch = mkdtempSync(join(tmpdir(), "explorer-assets-"));
  try {
    await bundle(outdir, scratch);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const sizes: Record<string, number> = {};
  for (const name of [EXPLORER_SCRIPT, EXPLORER_STYLESHEET]) sizes[name] = statSync(join(outdir, name)).size;
  return sizes;
}

async function bundle(outdir: string, scratch: string): Promise<void> {
  await build({
    entryPoints: { explorer: EXPLORER_ENTRY },
    outdir,
    bundle: true,
    minify: true,
    format: "iife",
    platform: "browser",
    target: ["es2022"],
    jsx: "automatic",
    // React and GraphiQL read NODE_ENV to drop their development checks.
    define: { "process.env.NODE_ENV": '"production"' },
    // Fonts and images referenced from CSS become files next to the bundle (served from 'self').
    loader: {
      ".woff": "file",
      ".woff2": "file",
      ".ttf": "file",
      ".svg": "file",
      ".png": "file",
      ".gif": "file",
      ".jpg": "file",
    },
    plugins: [dataUrisToFiles(scratch)],
    assetNames: "[name]-[hash]",
    legalComments: "linked",
    logLevel: "warning",
  });
}

if (require.main === module) {
  buildExplorer()
    .then((sizes) => {
      const summary = Object.entries(sizes)
        .map(([name, bytes]) => `${name} ${(bytes / 1024).toFixed(0)} KiB`)
        .join(", ");
      console.log(`Explorer bundle in ${DEFAULT_EXPLORER_ASSETS_DIR}: ${summary}`);
    })
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    });
}
