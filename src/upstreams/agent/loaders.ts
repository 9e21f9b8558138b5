import DataLoader from "dataloader";
import type { RequestScope } from "../request-scope";
import type { AgentCustomerSource } from "./customer-source";
import type { AgentCustomer } from "./types";

/** Per-request agent loaders: every lookup of one request is batched into one planned read. */
export function createAgentLoaders(source: AgentCustomerSource, scope: RequestScope) {
  return {
    customerById: new DataLoader<string, AgentCustomer | null>((ids) => source.byIds(ids, scope)),
    /** Keys are compared case-insensitively: the match is exact but not case-sensitive. */
    customerByUserName: new DataLoader<string, AgentCustomer | null, string>(
      (names) => source.byUserNames(names, scope),
      { cacheKeyFn: (name) => name.toLowerCase() },
    ),
  };
}

export type AgentLoaders = ReturnType<typeof createAgentLoaders>;
