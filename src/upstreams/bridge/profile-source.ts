import { forEachInSlices } from "../../lib/cooperate";
import { positiveIdOf } from "../../lib/ids";
import type { RequestScope } from "../request-scope";
import type { Clock } from "../reads/clock";
import {
  ListSource,
  type BudgetPort,
  type IndexBuilder,
  type ListAdapter,
  type ListFacts,
  type Lookup,
} from "../reads/list-source";
import type { CacheBudget } from "../reads/page-reuse";
import type { Planner } from "../reads/planner";
import type { SharedReads } from "../reads/shared-reads";
import { decodePageAnswerInSlices } from "./decode";
import type {
  BridgeCallOptions,
  BridgeCustomerPage,
  BridgeCustomerRecord,
  PageCustomersParams,
} from "./types";

/**
 * The Bridge page call's facts (bridge-api.md B.4): a documented maximum of 2000 records a page, an
 * upstream filter on customerNo only (its exactness undocumented), and 100 calls a minute per key, which
 * makes calls the binding constraint: the planner spends the fewest (budget.ts holds the budget).
 */
export const BRIDGE_PAGE: ListFacts & { preconnect: number; cacheBudget: CacheBudget } = {
  maxPageSize: 2000,
  filteredPageSize: 20,
  scanConcurrency: 4,
  perKeyConcurrency: 8,
  /** Connections opened at start-up: the widest fan-out of a cold read (a per-key batch). */
  preconnect: 8,
  /** Records of answered pages kept for reuse within the freshness bound (GATEWAY_BRIDGE_PAGE_CACHE). */
  cacheBudget: { records: 20_000 },
};

/** What the source needs of the Bridge client: the one page call. */
export interface BridgePagePort {
  pageCustomers(params: PageCustomersParams, opts?: BridgeCallOptions): Promise<BridgeCustomerPage>;
}

export interface BridgeProfileIndex {
  records: BridgeCustomerRecord[];
  byId: Map<string, BridgeCustomerRecord>;
  byCustomerNo: Map<string, BridgeCustomerRecord>;
  byLinkValue: Map<string, BridgeCustomerRecord[]>;
}

/** The link value of a record as the agent customerId it names: canonical decimal, else null. */
export function linkValueOf(record: BridgeCustomerRecord, linkField: string): string | null {
  const raw = record.rawText[linkField];
  return raw === null || raw === undefined ? null : positiveIdOf(raw);
}

/** Whether two records say the same: every member's text (rawText) equal, so every decoded field too. */
function sameRecord(a: BridgeCustomerRecord, b: BridgeCustomerRecord): boolean {
  if (a.id !== b.id) return false;
  const keys = Object.keys(a.rawText);
  if (keys.length !== Object.keys(b.rawText).length) return false;
  for (const key of keys) if (a.rawText[key] !== b.rawText[key]) return false;
  return true;
}

/** The index, built page by page as a scan hands the records over (each once, in upstream order). */
function indexBuilder(linkField: string): IndexBuilder<BridgeCustomerRecord, BridgeProfileIndex> {
  const records: BridgeCustomerRecord[] = [];
  const byId = new Map<string, BridgeCustomerRecord>();
  const byCustomerNo = new Map<string, BridgeCustomerRecord>();
  const byLinkValue = new Map<string, BridgeCustomerRecord[]>();
  return {
    add: (rows) =>
      forEachInSlices(rows, (record) => {
        if (byId.has(record.id)) return;
        records.push(record);
        byId.set(record.id, record);
        if (record.customerNo !== null && !byCustomerNo.has(record.customerNo))
          byCustomerNo.set(record.customerNo, record);
        const link = linkValueOf(record, linkField);
        if (link === null) return;
        const list = byLinkValue.get(link);
        if (list) list.push(record);
        else byLinkValue.set(link, [record]);
      }),
    finish: () => ({ records, byId, byCustomerNo, byLinkValue }),
  };
}

export function bridgePageAdapter(
  client: BridgePagePort,
  linkField: string,
): ListAdapter<BridgeCustomerRecord, BridgeProfileIndex> {
  return {
    upstream: "bridge",
    endpoint: "customer.page",
    indexName: "bridge.profiles",
    page: async ({ page, size, filter }, call) => {
      const answer = await client.pageCustomers(
        { current: page, size, customerNo: filter },
        { deadline: call.deadline, tracePrefix: call.requestId, signal: call.signal, onHint: call.hint },
      );
      // The client keeps only exact customerNo matches: paging advances by the records Bridge sent.
      return { total: answer.total, rows: answer.records, received: answer.receivedCount, text: answer.text };
    },
    decode: async (text, { page, size, filter }) => {
      const answer = await decodePageAnswerInSlices(text, { current: page, size, customerNo: filter });
      return { total: answer.total, rows: answer.records, received: answer.receivedCount };
    },
    learnsCap: false,
    windowFilter: "exact",
    matchesFilter: (record, customerNo) => record.customerNo === customerNo,
    keyOf: (record) => record.id,
    indexBuilder: () => indexBuilder(linkField),
    rowByKey: (index, id) => index.byId.get(id),
    sameRow: sameRecord,
    rowsOf: (index) => index.records,
  };
}

const byCustomerNo: Lookup<BridgeCustomerRecord, BridgeProfileIndex, BridgeCustomerRecord | null> = {
  name: "bridge.byCustomerNo",
  filterOf: (customerNo) => customerNo,
  pick: (records, customerNo) => records.find((r) => r.customerNo === customerNo),
  fromIndex: (index, customerNo) => index.byCustomerNo.get(customerNo) ?? null,
  early: (index, customerNo) => index.byCustomerNo.get(customerNo),
  missing: null,
};

/** No upstream filter on the link field: only the whole list answers. */
function byLinkValue(
  linkField: string,
): Lookup<BridgeCustomerRecord, BridgeProfileIndex, BridgeCustomerRecord[]> {
  return {
    name: "bridge.byLinkValue",
    pick: (records, value) => records.filter((r) => linkValueOf(r, linkField) === value),
    fromIndex: (index, value) => index.byLinkValue.get(value) ?? [],
    missing: [],
  };
}

export interface BridgeSourceOptions {
  /** The record field that holds the agent customerId (BRIDGE_LINK_FIELD). */
  linkField: string;
  /** How old shared profile data may be when served, ms. */
  maxAgeMs: number;
  /** Stale if error: how old kept data may answer a failed read, ms; 0 or absent: never. */
  staleIfErrorMs?: number;
  planner: Planner;
  budget: BudgetPort;
  cacheBudget?: CacheBudget;
  clock?: Clock;
  /** Where replicas share their reads (REDIS_URL); absent: this process alone. */
  shared?: SharedReads | null;
}

/** Bridge customer records, shared by all requests: its lookups over the generic list source. */
export class BridgeProfileSource extends ListSource<BridgeCustomerRecord, BridgeProfileIndex> {
  private readonly linkLookup: Lookup<BridgeCustomerRecord, BridgeProfileIndex, BridgeCustomerRecord[]>;

  constructor(
    client: BridgePagePort,
    private readonly options: BridgeSourceOptions,
  ) {
    super(bridgePageAdapter(client, options.linkField), BRIDGE_PAGE, {
      cacheBudget: BRIDGE_PAGE.cacheBudget,
      ...options,
    });
    this.linkLookup = byLinkValue(options.linkField);
  }

  /** One record per customer number, in key order: the record, null when absent, or that key's Error. */
  byCustomerNos(customerNos: readonly string[], scope: RequestScope) {
    return this.lookup(byCustomerNo, customerNos, scope);
  }

  /** Link-value lookups will follow (a selected profile field): start the index they need, if any. */
  warmLinks(scope: RequestScope): Promise<void> {
    return this.options.linkField === "customerNo" ? Promise.resolve() : this.warm(scope);
  }

  /** Every record linked to each agent customerId (canonical decimal), unordered, in key order. */
  async byLinkValues(
    values: readonly string[],
    scope: RequestScope,
  ): Promise<(BridgeCustomerRecord[] | Error)[]> {
    if (this.options.linkField !== "customerNo") return this.lookup(this.linkLookup, values, scope);
    // Linked through customerNo itself: the upstream can filter on it.
    const records = await this.byCustomerNos(values, scope);
    return records.map((r) => (r instanceof Error ? r : r ? [r] : []));
  }
}
