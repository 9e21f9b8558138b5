import { registerEnumType } from "type-graphql";

export enum BridgeCustomerStatus {
  NORMAL = "NORMAL",
  DISABLED = "DISABLED",
  DELETED = "DELETED",
  CLOSED = "CLOSED",
  LOCKED = "LOCKED",
  CLOSING = "CLOSING",
  UNKNOWN = "UNKNOWN",
}

export enum BridgeCustomerType {
  DEFAULT = "DEFAULT",
  AGENT = "AGENT",
  CREDIT = "CREDIT",
  ACTIVITY_SETTLEMENT = "ACTIVITY_SETTLEMENT",
  UNKNOWN = "UNKNOWN",
}

export enum BridgeOpenAccountType {
  PERSONAL = "PERSONAL",
  COMPANY = "COMPANY",
  UNKNOWN = "UNKNOWN",
}

registerEnumType(BridgeCustomerStatus, { name: "BridgeCustomerStatus" });
registerEnumType(BridgeCustomerType, { name: "BridgeCustomerType" });
registerEnumType(BridgeOpenAccountType, { name: "BridgeOpenAccountType" });
