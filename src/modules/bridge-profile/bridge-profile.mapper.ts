import { compareIntegerStrings } from "../../lib/ids";
import { linkValueOf } from "../../upstreams/bridge/profile-source";
import type { BridgeCustomerRecord } from "../../upstreams/bridge/types";
import { BridgeCustomerStatus, BridgeCustomerType, BridgeOpenAccountType } from "./bridge-profile.enums";
import {
  BridgeCustomerGroup,
  BridgeProfile,
  BridgeUnit,
  TelegramAccount,
  ThirdPartyAccount,
} from "./bridge-profile.type";

const STATUS: Record<number, BridgeCustomerStatus> = {
  1: BridgeCustomerStatus.NORMAL,
  2: BridgeCustomerStatus.DISABLED,
  3: BridgeCustomerStatus.DELETED,
  4: BridgeCustomerStatus.CLOSED,
  5: BridgeCustomerStatus.LOCKED,
  6: BridgeCustomerStatus.CLOSING,
};
const CUSTOMER_TYPE: Record<number, BridgeCustomerType> = {
  0: BridgeCustomerType.DEFAULT,
  1: BridgeCustomerType.AGENT,
  2: BridgeCustomerType.CREDIT,
  3: BridgeCustomerType.ACTIVITY_SETTLEMENT,
};
const OPEN_ACCOUNT_TYPE: Record<number, BridgeOpenAccountType> = {
  0: BridgeOpenAccountType.PERSONAL,
  1: BridgeOpenAccountType.COMPANY,
};

/** null stays null; a number outside the known values is UNKNOWN. */
function enumOf<E>(table: Record<number, E>, unknown: E, value: number | null): E | null {
  if (value === null) return null;
  return table[value] ?? unknown;
}

/** Epoch milliseconds -> Date; 0 or absent is null ("never"). */
function instant(ms: number | null): Date | null {
  return ms === null || ms === 0 ? null : new Date(ms);
}

function allNull(...values: (string | null)[]): boolean {
  return values.every((v) => v === null);
}

/**
 * Records are immutable and shared (index, page cache), so each is mapped once per link field. The
 * result is a class instance, which TypeGraphQL's field resolvers use as it is instead of copying it.
 */
const mapped = new WeakMap<BridgeCustomerRecord, { linkField: string; profile: BridgeProfile }>();

export function toBridgeProfile(record: BridgeCustomerRecord, linkField: string): BridgeProfile {
  const known = mapped.get(record);
  if (known?.linkField === linkField) return known.profile;
  const profile = mapRecord(record, linkField);
  mapped.set(record, { linkField, profile });
  return profile;
}

function mapRecord(record: BridgeCustomerRecord, linkField: string): BridgeProfile {
  return Object.assign(new BridgeProfile(), {
    id: record.id,
    customerNo: record.customerNo as string,
    agentCustomerNo: record.agentCustomerNo,
    companyId: record.companyId,
    email: record.email,
    name: record.name,
    firstName: record.firstName,
    lastName: record.lastName,
    phone: record.phone,
    phoneArea: record.phoneArea,
    status: enumOf(STATUS, BridgeCustomerStatus.UNKNOWN, record.status),
    customerType: enumOf(CUSTOMER_TYPE, BridgeCustomerType.UNKNOWN, record.customerType),
    openAccountType: enumOf(OPEN_ACCOUNT_TYPE, BridgeOpenAccountType.UNKNOWN, record.openAccountType),
    registerSource: record.registerSource,
    remark: record.remark,
    group:
      record.customerGroupId === null
        ? null
        : Object.assign(new BridgeCustomerGroup(), {
            id: record.customerGroupId,
            name: record.customerGroupName,
          }),
    unit:
      record.unitId === null
        ? null
        : Object.assign(new BridgeUnit(), { id: record.unitId, name: record.unitName }),
    telegram: allNull(record.tgUserId, record.tgUserName)
      ? null
      : Object.assign(new TelegramAccount(), { userId: record.tgUserId, userName: record.tgUserName }),
    thirdParty: allNull(record.thirdAccountNo, record.thirdLoginSource, record.thirdUserId)
      ? null
      : Object.assign(new ThirdPartyAccount(), {
          accountNo: record.thirdAccountNo,
          loginSource: record.thirdLoginSource,
          userId: record.thirdUserId,
        }),
    idCardType: record.idCardType,
    idCard: record.idCard,
    createdAt: instant(record.createTime),
    updatedAt: instant(record.updateTime),
    lastLoginAt: instant(record.loginTime),
    firstAccountActivatedAt: instant(record.firstAccountActivateTime),
    linkValue: linkValueOf(record, linkField),
  });
}

/** API.md: updateTime descending ("never" last), ties by Bridge id descending, compared as integers. */
export function compareProfilesNewestFirst(a: BridgeCustomerRecord, b: BridgeCustomerRecord): number {
  const ta = a.updateTime ?? 0;
  const tb = b.updateTime ?? 0;
  if (ta !== tb) return tb - ta;
  return compareIntegerStrings(b.id, a.id);
}
