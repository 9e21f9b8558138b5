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
  /**
   * Aborted when the client goes away before its answer is finished (src/http/app.ts): work only this
   * request needed stops; work another request still waits for goes on (reads/list-source.ts).
   */
  readonly signal?: AbortSignal;
  /** The client went away before its answer was finished: start no more work of its own. */
  readonly clientGone: boolean;
  /**
   * Whether data past its freshness bound may answer when an upstream read fails (API.md §6 "stale if
   * error"). Mutations turn it off: what they read (a read-back after a lost answer) must be the truth.
   */
  staleIfError: boolean;
}

/** One upstream served stale in an answer: its oldest data served, in whole seconds (rounded down). */
export interface StaleServed {
  upstream: UpstreamName;
  ageSeconds: number;
}

export type PlanName =
  "index" | "scan" | "probe" | "per-key" | "refused" | "window" | "filtered-window" | "readback" | "stale";

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
  /** Upstreams whose failed reads were answered with stale data: the oldest age served, ms. */
  private readonly staleAges = new Map<UpstreamName, number>();

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

  /** A failed read of `upstream` was answered with data `ageMs` old (past its freshness bound). */
  recordStale(upstream: UpstreamName, ageMs: number): void {
    this.staleAges.set(upstream, Math.max(ageMs, this.staleAges.get(upstream) ?? 0));
  }

  /**
   * `extensions.stale` of the answer: once per upstream, with the age of the oldest data served from it,
   * rounded down to whole seconds (data 59.9 s old is "59": as old as, never older than, it says).
   */
  stale(): StaleServed[] {
    return [...this.staleAges].map(([upstream, ms]) => ({ upstream, ageSeconds: Math.floor(ms / 1000) }));
  }

  toJSON(): Record<string, unknown> {
    return { calls: this.calls, sharedCalls: this.sharedCalls, indexHits: this.indexHits, plans: this.plans };
  }
}

/** The request's client, as the read path needs to know it (src/http/app.ts makes one per request). */
export interface ClientLink {
  /** Whether the client went away before its answer was finished. */
  gone(): boolean;
  /** A signal aborted when it goes; made once, when first asked for. */
  signal(): AbortSignal;
}

/**
 * `client`: most requests never reach an upstream call, so the abort signal is made only when the read
 * path first passes it to one; until then, whether the client has gone is asked directly.
 */
export function createRequestScope(requestId: string, timeoutMs: number, client?: ClientLink): RequestScope {
  let signal: AbortSignal | undefined;
  return {
    requestId,
    deadline: Date.now() + timeoutMs,
    accounting: new RequestAccounting(),
    staleIfError: true,
    get signal() {
      return client === undefined ? undefined : (signal ??= client.signal());
    },
    get clientGone() {
      return signal !== undefined ? signal.aborted : (client?.gone() ?? false);
    },
  };
}
