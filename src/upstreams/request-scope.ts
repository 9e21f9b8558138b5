import type { UpstreamName } from "./errors";

/**
 * What one GraphQL request's upstream work is bounded and accounted by. Created per request in
 * src/context.ts; passed down to every read so that calls honour the request's deadline, carry its
 * trace id, and are counted for that request.
 */
export interface RequestScope {
  /** The request id; Bridge traces start with it. */
  readonly requestId: string;
  /** Absolute time (Date.now() based) after which upstream work for this request gives up. */
  readonly deadline: number;
  readonly accounting: RequestAccounting;
  /** Aborts the request's upstream work (not wired yet: a client disconnect will set it). */
  readonly signal?: AbortSignal;
}

export type PlanName =
  "index" | "scan" | "probe" | "per-key" | "refused" | "window" | "filtered-window" | "readback";

/** Per-request counts of upstream calls, shared reads, index hits and the plans chosen. */
export class RequestAccounting {
  /** Calls this request caused, by "upstream:endpoint". */
  readonly calls: Record<string, number> = {};
  /** Reads this request joined that another request had already started (coalesced). */
  readonly sharedCalls: Record<string, number> = {};
  /** Lookups answered from a shared index without any call, by index name. */
  readonly indexHits: Record<string, number> = {};
  /** Plans chosen, in order, e.g. "agent.byUserName: per-key (3 keys, 3 calls)". */
  readonly plans: string[] = [];

  recordCall(upstream: UpstreamName, endpoint: string, shared = false): void {
    const key = `${upstream}:${endpoint}`;
    const table = shared ? this.sharedCalls : this.calls;
    table[key] = (table[key] ?? 0) + 1;
  }

  recordIndexHit(index: string, hits = 1): void {
    this.indexHits[index] = (this.indexHits[index] ?? 0) + hits;
  }

  recordPlan(lookup: string, plan: PlanName, detail: string): void {
    this.plans.push(`${lookup}: ${plan} (${detail})`);
  }

  toJSON(): Record<string, unknown> {
    return { calls: this.calls, sharedCalls: this.sharedCalls, indexHits: this.indexHits, plans: this.plans };
  }
}

export function createRequestScope(requestId: string, timeoutMs: number): RequestScope {
  return { requestId, deadline: Date.now() + timeoutMs, accounting: new RequestAccounting() };
}
