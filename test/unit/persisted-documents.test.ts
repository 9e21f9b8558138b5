import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig } from "../../src/config";
import { PersistedDocuments } from "../../src/persisted-documents/manifest";

const DOCUMENT = "query One { __typename }";
const HASH = createHash("sha256").update(DOCUMENT).digest("hex");
const dir = mkdtempSync(join(tmpdir(), "manifest-"));

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function loadError(path: string): string {
  try {
    PersistedDocuments.load(path);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("the persisted-documents manifest", () => {
  it("finds documents by documentId (sha256:<hex>) and by APQ hash (hex), and knows their exact text", () => {
    const manifest = PersistedDocuments.load(
      file("ok.json", JSON.stringify({ [`sha256:${HASH}`]: DOCUMENT })),
    );
    expect(manifest.size).toBe(1);
    expect(manifest.byId(`sha256:${HASH}`)).toBe(DOCUMENT);
    expect(manifest.byId(HASH)).toBe(DOCUMENT);
    expect(manifest.byId("sha256:00")).toBeUndefined();
    expect(manifest.includesText(DOCUMENT)).toBe(true);
    expect(manifest.includesText(`${DOCUMENT} `)).toBe(false);
  });

  it("refuses at start-up, naming the variable, a file that is missing, not JSON, or whose ids are not its documents' hashes", () => {
    expect(loadError(join(dir, "absent.json"))).toBe(
      "Configuration error: GATEWAY_PERSISTED_DOCUMENTS names a file that cannot be read (ENOENT)",
    );
    expect(loadError(file("bad.json", "{"))).toMatch(
      /GATEWAY_PERSISTED_DOCUMENTS names a file that is not JSON/,
    );
    expect(loadError(file("array.json", "[]"))).toMatch(/must be a JSON object/);
    expect(loadError(file("key.json", JSON.stringify({ one: DOCUMENT })))).toMatch(/not "sha256:<hash>"/);
    const edited = JSON.stringify({ [`sha256:${HASH}`]: "query One { customers { totalCount } }" });
    expect(loadError(file("edited.json", edited))).toMatch(/does not hash to its id/);
  });

  it("needs a manifest for GATEWAY_PERSISTED_DOCUMENTS_ONLY", () => {
    expect(() => loadConfig({ GATEWAY_PERSISTED_DOCUMENTS_ONLY: "1" })).toThrow(
      "GATEWAY_PERSISTED_DOCUMENTS is required with GATEWAY_PERSISTED_DOCUMENTS_ONLY=1",
    );
    expect(
      loadConfig({ GATEWAY_PERSISTED_DOCUMENTS: "m.json", GATEWAY_PERSISTED_DOCUMENTS_ONLY: "yes" }),
    ).toMatchObject({
      persistedDocumentsFile: "m.json",
      persistedDocumentsOnly: true,
    });
  });
});
