import { mapSettled } from "../concurrency";
import { positiveIdOf } from "../../lib/ids";
import { UpstreamError } from "../errors";
import { fetchRange, scanWhole, type FetchPage, type FirstPage } from "../page-scan";
import type { RequestScope } from "../request-scope";
import { SharedReads, sharedRead } from "../single-flight";
import { SharedSnapshot } from "../snapshot";
import type {
  BridgeCallOptions,
  BridgeCustomerPage,
  BridgeCustomerRecord,
  PageCustomersParams,
} from "./types";

/** Records of answered pages kept for re-use within the freshness bound. */
const MAX_CACHED_RECORDS = 20_000;
/** Pages of one scan read at the same time (after the first, which tells the total). */
const SCAN_CONCURRENCY = 4;

/** What the source needs of the Bridge client: the one page call. */
export interface BridgePagePort {
  pageCustomers(params: PageCustomersParams, opts?: BridgeCallOptions): Promise<BridgeCustomerPage>;
}

/** What the source needs of the rate budget. */
export interface BridgeBudget {
  /** Calls allowed right now. */
  available(): number;
  /** Calls that will be allowed at `at` (absolute ms) if nothing else is spent before. */
  slotsFreeBy(at: number): number;
  readonly limitPerMinute: number;
}

export interface BridgeSourceOptions {
  /** Bridge's documented page maximum (2000). */
  maxPageSize: number;
  /** Page size of one filtered (customerNo) lookup. */
  filteredPageSize: number;
  /** The record field that holds the agent customerId (BRIDGE_LINK_FIELD). */
  linkField: string;
  /** How old shared profile data may be when served, ms. */
  maxAgeMs: number;
  perKeyConcurrency: number;
  /** false: the naive baseline (one call per key, no index, no coalescing), for benchmarks. */
  planning: boolean;
}

export interface BridgeProfileIndex {
  records: BridgeCustomerRecord[];
  byCustomerNo: Map<string, BridgeCustomerRecord>;
  byLinkValue: Map<string, BridgeCustomerRecord[]>;
}

/** The link value of a record as the agent customerId it names: canonical decimal, else null. */
export function linkValueOf(record: BridgeCustomerRecord, linkField: string): string | null {
  const raw = record.rawText[linkField];
  return raw === null || raw === undefined ? null : positiveIdOf(raw);
}

function buildIndex(records: BridgeCustomerRecord[], linkField: string): BridgeProfileIndex {
  const byCustomerNo = new Map<string, BridgeCustomerRecord>();
  const byLinkValue = new Map<string, BridgeCustomerRecord[]>();
  for (const record of records) {
    if (record.customerNo !== null && !byCustomerNo.has(record.customerNo))
      byCustomerNo.set(record.customerNo, record);
    const link = linkValueOf(record, linkField);
    if (link === null) continue;
    const list = byLinkValue.get(link);
    if (list) list.push(record);
    else byLinkValue.set(link, [record]);
  }
  return { records, byCustomerNo, byLinkValue };
}

/**
 * The gateway's shared view of Bridge customer records: plans every read for the fewest calls (Bridge
 * allows 100 a minute per key), coalesces identical reads in flight, and keeps a short-lived index of all
 * records by customer number and by link value. Only `customerNo` can be filtered upstream; every other
 * lookup (the link field) needs the whole list, which the index makes one scan for all requests.
 */
export class BridgeProfileSource {
  /** Page reads shared while in flight and served again while younger than the freshness bound. */
  private readonly reads: SharedReads<BridgeCustomerPage>;
  private readonly index: SharedSnapshot<BridgeProfileIndex>;
  private lastKnownTotal: number | null = null;

  constructor(
    private readonly client: BridgePagePort,
    private readonly budget: BridgeBudget,
    private readonly options: BridgeSourceOptions,
  ) {
    this.index = new SharedSnapshot(options.maxAgeMs);
    this.reads = new SharedReads(options.maxAgeMs, (page) => page.records.length, MAX_CACHED_RECORDS);
  }

  /** One page call, coalesced with an identical one in flight, counted for the request. */
  private page(
    params: PageCustomersParams,
    scope: RequestScope,
    acceptAnswered: boolean,
  ): Promise<BridgeCustomerPage> {
    const key = `${params.current}|${params.size}|${params.customerNo ?? ""}`;
    return sharedRead(this.options.planning ? this.reads : null, key, scope, {
      upstream: "bridge",
      endpoint: "customer.page",
      acceptAnswered,
      start: async () => {
        const page = await this.client.pageCustomers(params, {
          deadline: scope.deadline,
          tracePrefix: scope.requestId,
        });
        if (params.customerNo === undefined) this.lastKnownTotal = page.total;
        return page;
      },
    });
  }

  /** `forIndex`: pages for an index build, which must be read now, not served from earlier answers. */
  private fetcher(
    scope: RequestScope,
    customerNo?: string,
    forIndex = false,
  ): FetchPage<BridgeCustomerRecord> {
    return async (current, size) => {
      const page = await this.page({ current, size, customerNo }, scope, !forIndex);
      // Rows the upstream sent before the exact customerNo filter: paging advances by those.
      return { total: page.total, rows: page.records, received: page.receivedCount };
    };
  }

  private range(
    scope: RequestScope,
    customerNo: string | undefined,
    offset: number,
    limit: number,
    pageSize: number,
  ) {
    return fetchRange(this.fetcher(scope, customerNo), offset, limit, {
      upstream: "bridge",
      endpoint: "customer.page",
      maxPageSize: pageSize,
      keyOf: (record) => record.id,
    });
  }

  /** Every record: page 1 (or the probe's) first, then the rest `SCAN_CONCURRENCY` at a time. */
  private scanAll(
    scope: RequestScope,
    first?: FirstPage<BridgeCustomerRecord>,
  ): Promise<{ total: number; rows: BridgeCustomerRecord[] }> {
    return scanWhole(this.fetcher(scope, undefined, true), {
      upstream: "bridge",
      endpoint: "customer.page",
      maxPageSize: this.options.maxPageSize,
      keyOf: (record) => record.id,
      concurrency: SCAN_CONCURRENCY,
      first,
    });
  }

  /**
   * The shared index while fresh, else null. Under steady demand, an index past most of its age bound
   * is rebuilt in the background (single-flight) while it is still served, so that requests rarely
   * wait for a scan; a failed refresh costs nothing but the next request's own scan.
   */
  private indexIfFresh(scope: RequestScope): BridgeProfileIndex | null {
    const fresh = this.index.fresh();
    if (fresh !== null) this.refreshAheadIfDue(scope);
    return fresh;
  }

  private refreshAheadIfDue(scope: RequestScope): void {
    if (this.index.dueForRefresh() && this.canAffordRefresh()) {
      this.fullIndex(scope, "bridge.refreshAhead", undefined, true).catch(() => undefined);
    }
  }

  /** `head`: the scan's first page, already read by a planning probe, so that it is not read twice. */
  private async fullIndex(
    scope: RequestScope,
    lookup: string,
    head?: FirstPage<BridgeCustomerRecord>,
    rebuild = false,
  ): Promise<BridgeProfileIndex> {
    const cost = (this.scanCost() ?? 1) - (head ? 1 : 0);
    if (
      this.index.fresh() === null &&
      !this.index.isBuilding() &&
      this.budget.slotsFreeBy(scope.deadline) < cost
    ) {
      // Starting a scan the budget cannot finish before the deadline would spend calls for nothing.
      throw new UpstreamError("The gateway's Bridge call budget cannot pay for this read now.", {
        upstream: "bridge",
        kind: "rate_limited",
        endpoint: "customer.page",
      });
    }
    if (!rebuild) this.refreshAheadIfDue(scope);
    const { promise, joined, hit } = this.index.get(async () => {
      const { rows } = await this.scanAll(scope, head);
      return buildIndex(rows, this.options.linkField);
    }, rebuild);
    if (hit) scope.accounting.recordIndexHit("bridge.profiles");
    else
      scope.accounting.recordPlan(
        lookup,
        "scan",
        joined ? "joined a scan in flight" : `page size ${this.options.maxPageSize}`,
      );
    return promise;
  }

  private scanCost(): number | null {
    return this.lastKnownTotal === null
      ? null
      : Math.max(1, Math.ceil(this.lastKnownTotal / this.options.maxPageSize));
  }

  /** A refresh ahead of time only spends budget that leaves the reserve for requests untouched. */
  private canAffordRefresh(): boolean {
    const reserve = Math.ceil(this.budget.limitPerMinute / 4);
    return this.budget.available() >= (this.scanCost() ?? 1) + reserve;
  }

  /**
   * Scan (and index for everyone) rather than one filtered call per key when: a scan is already in flight
   * (joining costs nothing); it costs no more calls than the keys; or the budget is running low, where
   * one scan now serves every later lookup from the index while per-key calls would drain it.
   */
  private shouldScan(keys: number, scanCost: number): boolean {
    if (scanCost <= keys) return true;
    const available = this.budget.available();
    const reserve = Math.ceil(this.budget.limitPerMinute / 4);
    return available - keys < reserve && scanCost <= available;
  }

  /** Records [offset, offset + limit) in upstream order; with `customerNo`, only its exact matches. */
  async window(
    offset: number,
    limit: number,
    customerNo: string | undefined,
    scope: RequestScope,
  ): Promise<{ total: number; rows: BridgeCustomerRecord[] }> {
    if (this.options.planning) {
      const fresh = this.indexIfFresh(scope);
      if (fresh) {
        scope.accounting.recordIndexHit("bridge.profiles");
        const all =
          customerNo === undefined ? fresh.records : fresh.records.filter((r) => r.customerNo === customerNo);
        return { total: all.length, rows: all.slice(offset, offset + limit) };
      }
    }
    if (customerNo !== undefined) {
      // The upstream filter's exactness is undocumented: read every record it returns for the value and
      // keep the exact matches (the client already drops the others), so totals count exact matches only.
      scope.accounting.recordPlan("bridge.window", "filtered-window", customerNo);
      const matches = await this.allMatching(customerNo, scope);
      return { total: matches.length, rows: matches.slice(offset, offset + limit) };
    }
    scope.accounting.recordPlan("bridge.window", "window", `${offset}+${limit}`);
    return this.range(scope, undefined, offset, limit, this.options.maxPageSize);
  }

  private async allMatching(customerNo: string, scope: RequestScope): Promise<BridgeCustomerRecord[]> {
    const { rows } = await this.range(
      scope,
      customerNo,
      0,
      Number.MAX_SAFE_INTEGER,
      this.options.filteredPageSize,
    );
    return rows.filter((r) => r.customerNo === customerNo);
  }

  /** One record per customer number, in key order: the record, null when absent, or that key's Error. */
  async byCustomerNos(
    customerNos: readonly string[],
    scope: RequestScope,
  ): Promise<(BridgeCustomerRecord | null | Error)[]> {
    if (this.options.planning) {
      const fresh = this.indexIfFresh(scope);
      if (fresh) {
        scope.accounting.recordIndexHit("bridge.profiles", customerNos.length);
        return customerNos.map((no) => fresh.byCustomerNo.get(no) ?? null);
      }
      // With the total unknown (nothing read yet), several keys, or a low budget, justify reading the
      // scan's first page as a probe: it tells the total and may already hold some of the keys.
      let head: FirstPage<BridgeCustomerRecord> | undefined;
      if (this.scanCost() === null && !this.index.isBuilding() && this.shouldScan(customerNos.length, 2)) {
        head = await this.fetcher(scope, undefined, true)(1, this.options.maxPageSize);
      }
      const scanCost = this.scanCost();
      if (this.index.isBuilding() || (scanCost !== null && this.shouldScan(customerNos.length, scanCost))) {
        const index = await this.fullIndex(scope, "bridge.byCustomerNo", head);
        return customerNos.map((no) => index.byCustomerNo.get(no) ?? null);
      }
      const known = new Map((head?.rows ?? []).map((r) => [r.customerNo, r] as const));
      if (known.size > 0) {
        const found = customerNos.map((no) => known.get(no) ?? null);
        const missing = customerNos.filter((_, i) => found[i] === null);
        const fetched = await this.perKey(missing, scope);
        return found.map((r) => r ?? fetched.shift() ?? null);
      }
      scope.accounting.recordPlan(
        "bridge.byCustomerNo",
        "per-key",
        `${customerNos.length} keys, scan would cost ${scanCost ?? "?"}`,
      );
    }
    return this.perKey(customerNos, scope);
  }

  private perKey(
    customerNos: readonly string[],
    scope: RequestScope,
  ): Promise<(BridgeCustomerRecord | null | Error)[]> {
    return mapSettled(customerNos, this.options.perKeyConcurrency, async (no) => {
      const matches = await this.allMatching(no, scope);
      return matches[0] ?? null;
    });
  }

  /** Every record linked to each agent customerId (canonical decimal), unordered, in key order. */
  async byLinkValues(
    values: readonly string[],
    scope: RequestScope,
  ): Promise<(BridgeCustomerRecord[] | Error)[]> {
    if (this.options.linkField === "customerNo") {
      const records = await this.byCustomerNos(values, scope);
      return records.map((r) => (r instanceof Error ? r : r ? [r] : []));
    }
    if (!this.options.planning) {
      // Baseline: no upstream filter on the link field, so every key costs its own full scan.
      return mapSettled(values, values.length, async (value) => {
        const { rows } = await this.scanAll(scope);
        return rows.filter((r) => linkValueOf(r, this.options.linkField) === value);
      });
    }
    const index = await this.fullIndex(scope, "bridge.byLinkValue");
    return values.map((value) => index.byLinkValue.get(value) ?? []);
  }

  /** Age of the shared index in ms, or null before the first build (the index-age gauge). */
  indexAgeMs(): number | null {
    return this.index.ageMs();
  }

  invalidate(): void {
    this.index.invalidate();
    this.reads.clear();
  }
}
