import type { AgentCustomer } from "../../upstreams/agent/types";
import { Customer, Traffic } from "./customer.type";

/**
 * Rows are immutable and shared (indexes, page cache), so each is mapped once. The result is a class
 * instance, which TypeGraphQL's field resolvers then use as it is instead of copying it per field.
 */
const mapped = new WeakMap<AgentCustomer, Customer>();

/** Agent list row -> GraphQL Customer. usedMb is exact and may be negative when the upstream says so. */
export function toCustomer(row: AgentCustomer): Customer {
  let customer = mapped.get(row);
  if (!customer) {
    customer = Object.assign(new Customer(), {
      id: row.customerId,
      userName: row.userName,
      traffic: Object.assign(new Traffic(), {
        rechargedMb: row.trafficCount,
        remainingMb: row.residualFlow,
        usedMb: row.trafficCount.minus(row.residualFlow),
      }),
    });
    mapped.set(row, customer);
  }
  return customer;
}
