import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { ConfigError } from "../config";

const VARIABLE = "GATEWAY_PERSISTED_DOCUMENTS";
/** GraphQL Code Generator writes "sha256:<hex>" (GraphQL-over-HTTP's document identifier); APQ sends bare hex. */
const DOCUMENT_ID = /^(?:sha256:)?([0-9a-f]{64})$/;

function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/**
 * The trusted documents (API.md §9): the client preset's persisted-documents manifest,
 * `{ "sha256:<hex>": "<document>" }`, read once at start-up.
 */
export class PersistedDocuments {
  private constructor(private readonly byHash: ReadonlyMap<string, string>) {}

  static empty(): PersistedDocuments {
    return new PersistedDocuments(new Map());
  }

  /**
   * Reads and checks the manifest. Every key must be the SHA-256 of its document: ids are content
   * addresses, so a hand-edited document (or a manifest from another hashing setup) is refused at
   * start-up instead of serving a document its id does not name.
   */
  static load(file: string): PersistedDocuments {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
      throw new ConfigError(VARIABLE, `names a file that cannot be read (${code})`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ConfigError(VARIABLE, "names a file that is not JSON");
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new ConfigError(VARIABLE, 'must be a JSON object { "sha256:<hash>": "<document>" }');
    }
    const byHash = new Map<string, string>();
    for (const [key, document] of Object.entries(parsed)) {
      const hash = DOCUMENT_ID.exec(key)?.[1];
      if (hash === undefined || typeof document !== "string") {
        throw new ConfigError(
          VARIABLE,
          `holds an entry that is not "sha256:<hash>": "<document>" (${key.slice(0, 80)})`,
        );
      }
      if (sha256Hex(document) !== hash) {
        throw new ConfigError(VARIABLE, `holds ${key.slice(0, 80)}, whose document does not hash to its id`);
      }
      byHash.set(hash, document);
    }
    return new PersistedDocuments(byHash);
  }

  get size(): number {
    return this.byHash.size;
  }

  /** The document a client's id names, as `documentId` ("sha256:<hex>") or an APQ `sha256Hash` (hex). */
  byId(id: string): string | undefined {
    const hash = DOCUMENT_ID.exec(id)?.[1];
    return hash === undefined ? undefined : this.byHash.get(hash);
  }

  /** Is this exact document text in the manifest? Decided by its hash, so without parsing it. */
  includesText(document: string): boolean {
    return this.byHash.has(sha256Hex(document));
  }
}
