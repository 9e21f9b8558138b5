/**
 * What one GraphQL request's log record and metrics are made of, filled by whoever learns each part: the
 * edge (status, refusals), the GraphQL plugin (operation, error codes, upstream calls).
 */
export interface RequestRecord {
  operationName: string | null;
  operationType: string | null;
  /** `extensions.code` of every error in the answer, in order. */
  errorCodes: string[];
  /** Upstream calls this request made, by upstream. */
  calls: Record<string, number>;
  /** Why the edge refused the request before GraphQL ran, for operators (never the body or a token). */
  refused: string | null;
}

export function newRequestRecord(): RequestRecord {
  return { operationName: null, operationType: null, errorCodes: [], calls: {}, refused: null };
}
