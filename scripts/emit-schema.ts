import "reflect-metadata";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { printGatewaySchema, printSubgraphSchema } from "../src/schema";

/**
 * `emit` writes the generated schema files from the code; `check` fails when a committed one differs:
 * schema/schema.graphql, the client-facing API, and schema/subgraph.graphql, the Federation 2 subgraph
 * SDL (what `_service { sdl }` answers; what `rover subgraph publish` sends).
 */
const SCHEMA_DIR = join(__dirname, "..", "..", "schema");
const FILES: readonly { name: string; sdl: string }[] = [
  { name: "schema.graphql", sdl: printGatewaySchema() },
  { name: "subgraph.graphql", sdl: printSubgraphSchema() },
];
const mode = process.argv[2] ?? "emit";

if (mode === "check") {
  let stale = false;
  for (const { name, sdl } of FILES) {
    let committed = "";
    try {
      committed = readFileSync(join(SCHEMA_DIR, name), "utf8");
    } catch {
      // A missing file is stale too.
    }
    if (committed === sdl) {
      console.log(`schema/${name} matches the code.`);
    } else {
      console.error(
        `schema/${name} is out of date with the code: run \`npm run schema:emit\` and commit it.`,
      );
      stale = true;
    }
  }
  if (stale) process.exit(1);
} else {
  for (const { name, sdl } of FILES) {
    writeFileSync(join(SCHEMA_DIR, name), sdl);
    console.log(`Wrote schema/${name}`);
  }
}
