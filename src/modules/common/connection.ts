import { BadUserInputError } from "../../errors/errors";
import { LAST_PAGEABLE_ROW } from "../../upstreams/reads/page-scan";
import type { PageInfo } from "./page-info.type";

/**
 * Relay connections over offset-paged upstreams. A cursor is the opaque Base64URL form of the offset of
 * its row ("o:<offset>"), so a window [offset, offset + first) can be served from the upstream's pages.
 */
const CURSOR_PREFIX = "o:";

export function encodeCursor(offset: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${offset}`, "utf8").toString("base64url");
}

export function decodeCursor(cursor: string, argument = "after"): number {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  if (!text.startsWith(CURSOR_PREFIX) || encodeCursor(Number(text.slice(CURSOR_PREFIX.length))) !== cursor) {
    throw new BadUserInputError(`"${argument}" is not a cursor this API gave out.`, argument);
  }
  const offset = Number(text.slice(CURSOR_PREFIX.length));
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new BadUserInputError(`"${argument}" is not a cursor this API gave out.`, argument);
  }
  return offset;
}

export interface ConnectionWindow {
  offset: number;
  first: number;
}

/**
 * Validates first/after before any upstream call. A window the upstreams cannot number (a forged or
 * corrupted cursor: no listing this large exists) is refused rather than sent as a page number a Java
 * int cannot hold. A cursor within that range but past the end of the list is not an error: rows may
 * have been removed since it was given out, and the answer is an empty page (served from the shared
 * index without a call while it is fresh; otherwise one call, since the list may also have grown).
 */
export function connectionWindow(
  first: number,
  after: string | null | undefined,
  maxFirst: number,
): ConnectionWindow {
  if (!Number.isInteger(first) || first < 0 || first > maxFirst) {
    throw new BadUserInputError(`"first" must be between 0 and ${maxFirst}, got ${first}.`, "first");
  }
  const offset = after === null || after === undefined ? 0 : decodeCursor(after) + 1;
  if (offset + Math.max(first, 1) - 1 > LAST_PAGEABLE_ROW) {
    throw new BadUserInputError(
      `"after" points beyond the ${LAST_PAGEABLE_ROW + 1} rows the upstream can page through.`,
      "after",
    );
  }
  return { offset, first };
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  nodes: T[];
  pageInfo: PageInfo;
  totalCount: number;
}

/**
 * The edges (and their cursors, one Base64 encoding each) are made only when a query selects `edges`:
 * most ask for `nodes`, and 50 cursors were a tenth of a traffic page's own work.
 */
export function buildConnection<T>(window: ConnectionWindow, nodes: T[], totalCount: number): Connection<T> {
  let edges: Connection<T>["edges"] | undefined;
  const last = nodes.length - 1;
  return {
    get edges() {
      edges ??= nodes.map((node, i) => ({ cursor: encodeCursor(window.offset + i), node }));
      return edges;
    },
    nodes,
    totalCount,
    pageInfo: {
      hasNextPage: window.offset + nodes.length < totalCount,
      hasPreviousPage: window.offset > 0,
      startCursor: last >= 0 ? encodeCursor(window.offset) : null,
      endCursor: last >= 0 ? encodeCursor(window.offset + last) : null,
    },
  };
}
