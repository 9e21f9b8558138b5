import type { RequestScope } from "../request-scope";
import { SharedReads, sharedRead } from "../single-flight";
import { SharedSnapshot } from "../snapshot";
import { mapSettled } from "../concurrency";
import { fetchRange, scanWhole, type FetchPage, type FirstPage } from "../page-scan";
import type { AgentCustomer, AgentCustomerPage, CallOptions, ListCustomersParams } from "./types";

/** Rows of answered list pages kept for re-use within the freshness bound. */
const MAX_CACHED_ROWS = 50_000;
/** Pages of one scan read at the same time (after the first, which tells the total). */
const SCAN_CONCURRENCY = 4;

/** What the source needs of the agent client: the one list call. */
export interface AgentListPort {
  listCustomers(params: ListCustomersParams, opts?: CallOptions): Promise<AgentCustomerPage>;
}

export interface AgentSourceOptions {
  /** Largest pageSize asked of the list (the upstream may cap lower; the source learns that cap). */
  maxPageSize: number;
  /** Page size of one filtered (user name) lookup. */
  filteredPageSize: number;
  /** How old shared customer data may be when served (traffic figures), ms. */
  maxAgeMs: number;
  /** Concurrent calls of one per-key batch. */
  perKeyConcurrency: number;
  /** false: the naive baseline (one call per key, no index, no coalescing), for benchmarks. */
  planning: boolean;
}

/** Every agent customer, in upstream order, keyed for lookups. */
export interface AgentCustomerIndex {
  rows: AgentCustomer[];
  byId: Map<string, AgentCustomer>;
  byLowerName: Map<string, AgentCustomer>;
}

function buildIndex(rows: AgentCustomer[]): AgentCustomerIndex {
  const byId = new Map<string, AgentCustomer>();
  const byLowerName = new Map<string, AgentCustomer>();
  for (const row of rows) {
    byId.set(row.customerId, row);
    const lower = row.userName.toLowerCase();
    if (!byLowerName.has(lower)) byLowerName.set(lower, row);
  }
  return { rows, byId, byLowerName };
}

/** The upstream's own filter: case-insensitive substring, empty = everything (RuoYi LIKE '%v%'). */
function matchesSubstring(row: AgentCustomer, filter: string): boolean {
  return row.userName.toLowerCase().includes(filter.toLowerCase());
}

/**
 * The gateway's shared view of the agent customer list: it plans every read for the fewest list calls,
 * coalesces identical reads in flight, and keeps a short-lived index of the whole list. Shared by all
 * requests (its data is read with the gateway's own token, the same for every caller).
 */
export class AgentCustomerSource {
  /** Page reads shared while in flight and served again while younger than the freshness bound. */
  private readonly reads: SharedReads<AgentCustomerPage>;
  private readonly index: SharedSnapshot<AgentCustomerIndex>;
  /** The row cap the upstream showed (fewer rows than asked on a non-last page); null until seen. */
  private observedCap: number | null = null;
  private lastKnownTotal: number | null = null;

  constructor(
    private readonly client: AgentListPort,
    private readonly options: AgentSourceOptions,
  ) {
    this.index = new SharedSnapshot(options.maxAgeMs);
    this.reads = new SharedReads(options.maxAgeMs, (page) => page.rows.length, MAX_CACHED_ROWS);
  }

  get pageCap(): number {
    return Math.min(this.options.maxPageSize, this.observedCap ?? Infinity);
  }

  /** One list call, coalesced with an identical one in flight, counted for the request. */
  private listPage(
    params: ListCustomersParams,
    scope: RequestScope,
    acceptAnswered: boolean,
  ): Promise<AgentCustomerPage> {
    const key = `${params.pageNum}|${params.pageSize}|${params.userName ?? ""}`;
    return sharedRead(this.options.planning ? this.reads : null, key, scope, {
      upstream: "agent",
      endpoint: "customer.list",
      acceptAnswered,
      start: async () => {
        const page = await this.client.listCustomers(params, {
          deadline: scope.deadline,
          requestId: scope.requestId,
        });
        if (!params.userName) this.lastKnownTotal = page.total;
        return page;
      },
    });
  }

  /** `forIndex`: pages for an index build, which must be read now, not served from earlier answers. */
  private fetcher(scope: RequestScope, userName?: string, forIndex = false): FetchPage<AgentCustomer> {
    return async (pageNum, pageSize) => {
      const page = await this.listPage({ pageNum, pageSize, userName }, scope, !forIndex);
      // Fewer rows than asked on a page that is not the last: the upstream's hidden cap. Remember it,
      // so that later plans ask for pages the upstream really serves.
      if (
        page.rows.length > 0 &&
        page.rows.length < pageSize &&
        (pageNum - 1) * pageSize + page.rows.length < page.total
      ) {
        this.observedCap = Math.min(this.observedCap ?? Infinity, page.rows.length);
      }
      return { total: page.total, rows: page.rows };
    };
  }

  private range(scope: RequestScope, userName: string | undefined, offset: number, limit: number) {
    return fetchRange(this.fetcher(scope, userName), offset, limit, {
      upstream: "agent",
      endpoint: "customer.list",
      maxPageSize: this.pageCap,
      keyOf: (row) => row.customerId,
    });
  }

  /**
   * The shared index while fresh, else null. Under steady demand, an index past most of its age bound
   * is rebuilt in the background (single-flight) while it is still served, so that requests rarely
   * wait for a scan; a failed refresh costs nothing but the next request's own scan.
   */
  private indexIfFresh(scope: RequestScope): AgentCustomerIndex | null {
    const fresh = this.index.fresh();
    if (fresh !== null) this.refreshAheadIfDue(scope);
    return fresh;
  }

  private refreshAheadIfDue(scope: RequestScope): void {
    if (this.index.dueForRefresh()) {
      this.fullIndex(scope, "agent.refreshAhead", undefined, true).catch(() => undefined);
    }
  }

  /**
   * The whole list as a fresh shared index: a scan at the largest page size, shared by concurrent
   * callers. `head` is a first page already read (by a planning probe), so that it is not read twice.
   */
  private async fullIndex(
    scope: RequestScope,
    lookup: string,
    head?: FirstPage<AgentCustomer>,
    rebuild = false,
  ): Promise<AgentCustomerIndex> {
    if (!rebuild) this.refreshAheadIfDue(scope);
    const { promise, joined, hit } = this.index.get(async () => {
      const { rows } = await scanWhole(this.fetcher(scope, undefined, true), {
        upstream: "agent",
        endpoint: "customer.list",
        maxPageSize: this.pageCap,
        keyOf: (row) => row.customerId,
        concurrency: SCAN_CONCURRENCY,
        first: head,
      });
      return buildIndex(rows);
    }, rebuild);
    if (hit) scope.accounting.recordIndexHit("agent.customers");
    else
      scope.accounting.recordPlan(
        lookup,
        "scan",
        joined ? "joined a scan in flight" : `page size ${this.pageCap}`,
      );
    return promise;
  }

  /** Rows [offset, offset + limit) of the list (optionally filtered by the upstream's substring filter). */
  async window(
    offset: number,
    limit: number,
    userName: string | undefined,
    scope: RequestScope,
  ): Promise<{ total: number; rows: AgentCustomer[] }> {
    const filter = userName ?? "";
    if (this.options.planning) {
      const fresh = this.indexIfFresh(scope);
      if (fresh) {
        scope.accounting.recordIndexHit("agent.customers");
        const all = filter === "" ? fresh.rows : fresh.rows.filter((row) => matchesSubstring(row, filter));
        return { total: all.length, rows: all.slice(offset, offset + limit) };
      }
    }
    scope.accounting.recordPlan("agent.window", filter ? "filtered-window" : "window", `${offset}+${limit}`);
    return this.range(scope, filter || undefined, offset, limit);
  }

  /**
   * Customers by customerId (canonical decimal), one result per id in order: the customer, null when
   * absent, or the Error of that key's read (DataLoader fails only that key).
   */
  async byIds(ids: readonly string[], scope: RequestScope): Promise<(AgentCustomer | null | Error)[]> {
    if (!this.options.planning) {
      // Baseline: the list has no id filter, so every id costs its own full scan.
      return mapSettled(ids, ids.length, async (id) => {
        const { rows } = await this.range(scope, undefined, 0, Number.MAX_SAFE_INTEGER);
        return rows.find((row) => row.customerId === id) ?? null;
      });
    }
    const index = await this.fullIndex(scope, "agent.byId");
    return ids.map((id) => index.byId.get(id) ?? null);
  }

  /** Customers whose user name equals the key case-insensitively, one result per key in order. */
  async byUserNames(
    names: readonly string[],
    scope: RequestScope,
  ): Promise<(AgentCustomer | null | Error)[]> {
    const lowered = names.map((name) => name.toLowerCase());
    if (!this.options.planning) {
      return mapSettled(lowered, this.options.perKeyConcurrency, (name) => this.findByUserName(name, scope));
    }
    const fresh = this.indexIfFresh(scope);
    if (fresh) {
      scope.accounting.recordIndexHit("agent.customers", names.length);
      return lowered.map((name) => fresh.byLowerName.get(name) ?? null);
    }
    // Cost in calls: one filtered call per key, or a scan of ceil(total / page cap) pages. With the
    // total unknown (nothing read yet), several keys justify reading the scan's first page as a probe:
    // it tells the total and may already hold some of the names.
    let head: FirstPage<AgentCustomer> | undefined;
    if (this.lastKnownTotal === null && names.length > 1) {
      head = await this.fetcher(scope, undefined, true)(1, this.pageCap);
    }
    const scanCost = this.scanCost();
    // A scan also warms the shared index for every other request: prefer it on a tie.
    if (scanCost !== null && scanCost <= names.length) {
      const index = await this.fullIndex(scope, "agent.byUserName", head);
      return lowered.map((name) => index.byLowerName.get(name) ?? null);
    }
    const known = new Map((head?.rows ?? []).map((row) => [row.userName.toLowerCase(), row] as const));
    scope.accounting.recordPlan(
      "agent.byUserName",
      "per-key",
      `${names.length} keys, ${known.size > 0 ? "after a probe page, " : ""}scan would cost ${scanCost ?? "?"}`,
    );
    return mapSettled(lowered, this.options.perKeyConcurrency, async (name) =>
      known.has(name) ? (known.get(name) as AgentCustomer) : this.findByUserName(name, scope),
    );
  }

  /** Calls a full scan costs, from the last known total and the page cap; null while unknown. */
  private scanCost(): number | null {
    return this.lastKnownTotal === null ? null : Math.max(1, Math.ceil(this.lastKnownTotal / this.pageCap));
  }

  /**
   * The upstream filter is a substring filter: ask with the name, then keep only the exact
   * (case-insensitive) match, reading further pages only while a match could still be there.
   */
  private async findByUserName(lowerName: string, scope: RequestScope): Promise<AgentCustomer | null> {
    let offset = 0;
    for (;;) {
      const { total, rows } = await this.range(scope, lowerName, offset, this.options.filteredPageSize);
      const match = rows.find((row) => row.userName.toLowerCase() === lowerName);
      if (match) return match;
      offset += rows.length;
      if (rows.length === 0 || offset >= total) return null;
    }
  }

  /** Age of the shared index in ms, or null before the first build (the index-age gauge). */
  indexAgeMs(): number | null {
    return this.index.ageMs();
  }

  /** After a mutation: what the index holds may have changed. */
  invalidate(): void {
    this.index.invalidate();
    this.reads.clear();
  }
}
