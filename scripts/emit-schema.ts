import "reflect-metadata";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { printGatewaySchema } from "../src/schema";

/** `emit` writes schema/schema.graphql from the code; `check` fails when the committed file differs. */
const SCHEMA_FILE = join(__dirname, "..", "..", "schema", "schema.graphql");
const mode = process.argv[2] ?? "emit";
const sdl = printGatewaySchema();

if (mode === "check") {
  let committed = "";
  try {
    committed = readFileSync(SCHEMA_FILE, "utf8");
  } catch {
    // A missing file is stale too.
  }
  if (committed !== sdl) {
    console.error(
      "schema/schema.graphql is out of date with the code: run `npm run schema:emit` and commit it.",
    );
    process.exit(1);
  }
  console.log("schema/schema.graphql matches the code.");
} else {
  writeFileSync(SCHEMA_FILE, sdl);
  console.log(`Wrote ${SCHEMA_FILE}`);
}
