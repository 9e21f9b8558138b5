import DataLoader from "dataloader";
import type { RequestScope } from "../request-scope";
import type { BridgeProfileSource } from "./profile-source";
import type { BridgeCustomerRecord } from "./types";

/** Per-request Bridge loaders: every lookup of one request is batched into one planned read. */
export function createBridgeLoaders(source: BridgeProfileSource, scope: RequestScope) {
  return {
    profileByCustomerNo: new DataLoader<string, BridgeCustomerRecord | null>((nos) =>
      source.byCustomerNos(nos, scope),
    ),
    /** Key: the agent customerId in canonical decimal; value: every record linked to it, unordered. */
    profilesByLinkValue: new DataLoader<string, BridgeCustomerRecord[]>((values) =>
      source.byLinkValues(values, scope),
    ),
  };
}

export type BridgeLoaders = ReturnType<typeof createBridgeLoaders>;
