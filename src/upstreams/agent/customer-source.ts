import { forEachInSlices } from "../../lib/cooperate";
import type { RequestScope } from "../request-scope";
import type { CacheBudget } from "../reads/page-reuse";
import {
  ListSource,
  type IndexBuilder,
  type ListAdapter,
  type ListFacts,
  type Lookup,
} from "../reads/list-source";
import type { Clock } from "../reads/clock";
import type { Planner } from "../reads/planner";
import type { SharedReads } from "../reads/shared-reads";
import { decodeListAnswerInSlices, sameAmounts } from "./decode";
import type { AgentCustomer, AgentCustomerPage, CallOptions, ListCustomersParams } from "./types";

/**
 * The agent list's facts (agent-customer-api.md): no documented page maximum (2000 is assumed, its
 * sibling's; a lower hidden cap is learned from short pages), a case-insensitive substring filter on the
 * user name, and no documented rate limit, so that per-key lookups may run in parallel when that is
 * sooner than a scan.
 */
export const AGENT_LIST: ListFacts & {
  connections: number;
  preconnect: number;
  cacheBudget: CacheBudget;
} = {
  maxPageSize: 2000,
  filteredPageSize: 50,
  scanConcurrency: 16,
  perKeyConcurrency: 20,
  /** Connections of the agent client's pool: enough for a per-key batch plus a scan's pages. */
  connections: 24,
  /** Connections opened at start-up: the widest fan-out of a cold read (a per-key batch). */
  preconnect: 20,
  /** Rows of answered list pages kept for reuse within the freshness bound (GATEWAY_AGENT_PAGE_CACHE). */
  cacheBudget: { records: 50_000 },
};

/** What the source needs of the agent client: the one list call. */
export interface AgentListPort {
  listCustomers(params: ListCustomersParams, opts?: CallOptions): Promise<AgentCustomerPage>;
}

/** Every agent customer, in upstream order, keyed for lookups. */
export interface AgentCustomerIndex {
  rows: AgentCustomer[];
  byId: Map<string, AgentCustomer>;
  byLowerName: Map<string, AgentCustomer>;
}

/** Whether two rows of one customer say the same: the older one may then stand for both. */
function sameRow(a: AgentCustomer, b: AgentCustomer): boolean {
  return a.userName === b.userName && sameAmounts(a, b);
}

/** The index, built page by page as a scan hands the rows over (each once, in upstream order). */
function indexBuilder(): IndexBuilder<AgentCustomer, AgentCustomerIndex> {
  const rows: AgentCustomer[] = [];
  const byId = new Map<string, AgentCustomer>();
  const byLowerName = new Map<string, AgentCustomer>();
  return {
    add: (page) =>
      forEachInSlices(page, (row) => {
        if (byId.has(row.customerId)) return;
        rows.push(row);
        byId.set(row.customerId, row);
        const lower = row.userName.toLowerCase();
        if (!byLowerName.has(lower)) byLowerName.set(lower, row);
      }),
    finish: () => ({ rows, byId, byLowerName }),
  };
}

export function agentListAdapter(client: AgentListPort): ListAdapter<AgentCustomer, AgentCustomerIndex> {
  return {
    upstream: "agent",
    endpoint: "customer.list",
    indexName: "agent.customers",
    page: async ({ page, size, filter }, call) => {
      const answer = await client.listCustomers(
        { pageNum: page, pageSize: size, userName: filter },
        { deadline: call.deadline, requestId: call.requestId, signal: call.signal, onHint: call.hint },
      );
      return { total: answer.total, rows: answer.rows, text: answer.text };
    },
    decode: (text) => decodeListAnswerInSlices(text),
    learnsCap: true,
    // The upstream's filter is the meaning of customers(userName:): RuoYi LIKE '%v%', case-insensitive.
    windowFilter: "upstream",
    matchesFilter: (row, filter) => row.userName.toLowerCase().includes(filter.toLowerCase()),
    keyOf: (row) => row.customerId,
    indexBuilder,
    rowByKey: (index, customerId) => index.byId.get(customerId),
    sameRow,
    rowsOf: (index) => index.rows,
  };
}

const byId: Lookup<AgentCustomer, AgentCustomerIndex, AgentCustomer | null> = {
  name: "agent.byId",
  // No id filter upstream: only the whole list answers.
  pick: (rows, id) => rows.find((row) => row.customerId === id),
  fromIndex: (index, id) => index.byId.get(id) ?? null,
  early: (index, id) => index.byId.get(id),
  missing: null,
};

/** Keys are lower-cased user names: the match is exact but not case-sensitive, over a substring filter. */
const byLowerName: Lookup<AgentCustomer, AgentCustomerIndex, AgentCustomer | null> = {
  name: "agent.byUserName",
  filterOf: (name) => name,
  pick: (rows, name) => rows.find((row) => row.userName.toLowerCase() === name),
  fromIndex: (index, name) => index.byLowerName.get(name) ?? null,
  early: (index, name) => index.byLowerName.get(name),
  missing: null,
};

export interface AgentSourceOptions {
  /** How old shared customer data may be when served (traffic figures), ms. */
  maxAgeMs: number;
  /** Stale if error: how old kept data may answer a failed read, ms; 0 or absent: never. */
  staleIfErrorMs?: number;
  planner: Planner;
  cacheBudget?: CacheBudget;
  clock?: Clock;
  /** Where replicas share their reads (REDIS_URL); absent: this process alone. */
  shared?: SharedReads | null;
}

/** The agent customer list, shared by all requests: its lookups over the generic list source. */
export class AgentCustomerSource extends ListSource<AgentCustomer, AgentCustomerIndex> {
  constructor(client: AgentListPort, options: AgentSourceOptions) {
    super(agentListAdapter(client), AGENT_LIST, {
      cacheBudget: AGENT_LIST.cacheBudget,
      budget: null,
      ...options,
    });
  }

  /** Rows of the list narrowed by the upstream's substring filter; empty or absent: every row. */
  override window(offset: number, limit: number, userName: string | undefined, scope: RequestScope) {
    return super.window(offset, limit, userName || undefined, scope);
  }

  /** Customers by customerId (canonical decimal), one result per id in order. */
  byIds(ids: readonly string[], scope: RequestScope): Promise<(AgentCustomer | null | Error)[]> {
    return this.lookup(byId, ids, scope);
  }

  /** Customers whose user name equals the key case-insensitively, one result per key in order. */
  byUserNames(names: readonly string[], scope: RequestScope): Promise<(AgentCustomer | null | Error)[]> {
    return this.lookup(
      byLowerName,
      names.map((name) => name.toLowerCase()),
      scope,
    );
  }
}
