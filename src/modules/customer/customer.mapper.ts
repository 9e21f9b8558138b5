import type { AgentCustomer } from "../../upstreams/agent/types";
import type { Customer } from "./customer.type";

/** Agent list row -> GraphQL Customer. usedMb is exact and may be negative when the upstream says so. */
export function toCustomer(row: AgentCustomer): Customer {
  return {
    id: row.customerId,
    userName: row.userName,
    traffic: {
      rechargedMb: row.trafficCount,
      remainingMb: row.residualFlow,
      usedMb: row.trafficCount.minus(row.residualFlow),
    },
  };
}
