import { stringify } from "lossless-json";
import { mapInSlices } from "../../lib/cooperate";
import { isLosslessNumber, parseJsonLosslessInTurns } from "../../lib/json";
import {
  DecodeError,
  describeJsonType,
  int64Text,
  isJsonObject,
  safeInteger,
  type JsonObject,
} from "../http";
import type { BridgeCustomerPage, BridgeCustomerRecord, PageCustomersParams } from "./types";

/** Decoding of Bridge envelopes and customer records, exact for int64 ids (bridge doc B.6). */

export interface BridgeEnvelope {
  code: string | undefined;
  msg: string | undefined;
  ok: boolean | undefined;
  fail: boolean | undefined;
  data: unknown;
}

export function readEnvelope(value: unknown): BridgeEnvelope {
  if (!isJsonObject(value)) throw new DecodeError(`answer is ${describeJsonType(value)}, not an object`);
  // `code` is documented as a string; a number is read by its text so that 0 and "0" agree.
  const code =
    typeof value.code === "string" ? value.code : isLosslessNumber(value.code) ? value.code.value : undefined;
  return {
    code,
    msg: typeof value.msg === "string" ? value.msg : undefined,
    ok: typeof value.ok === "boolean" ? value.ok : undefined,
    fail: typeof value.fail === "boolean" ? value.fail : undefined,
    data: value.data,
  };
}

/** Text of any JSON value: strings as-is, numbers as exact source text, null as null. */
function rawTextOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  if (isLosslessNumber(value)) return value.value;
  if (typeof value === "boolean") return String(value);
  return stringify(value) ?? null;
}

function stringField(rec: JsonObject, name: string, where: string): string | null {
  const v = rec[name];
  if (v === null || v === undefined) return null;
  if (typeof v === "string") return v;
  // Digit strings such as customerNo written as a bare JSON number keep their exact text.
  if (isLosslessNumber(v)) return v.value;
  throw new DecodeError(`${where}.${name} is ${describeJsonType(v)}, not a string`);
}

function int64Field(rec: JsonObject, name: string, where: string): string | null {
  const v = rec[name];
  if (v === null || v === undefined) return null;
  const text = int64Text(v);
  if (text === undefined)
    throw new DecodeError(`${where}.${name} is ${describeJsonType(v)}, not an int64 integer`);
  return text;
}

function smallIntField(rec: JsonObject, name: string, where: string): number | null {
  const v = rec[name];
  if (v === null || v === undefined) return null;
  const n = safeInteger(v);
  if (n === undefined) throw new DecodeError(`${where}.${name} is ${describeJsonType(v)}, not an integer`);
  return n;
}

/** Epoch ms; 0, null and absent all mean "never". */
function timeField(rec: JsonObject, name: string, where: string): number | null {
  const n = smallIntField(rec, name, where);
  return n === 0 ? null : n;
}

export function decodeRecord(value: unknown, where: string): BridgeCustomerRecord {
  if (!isJsonObject(value)) throw new DecodeError(`${where} is ${describeJsonType(value)}, not an object`);
  const id = int64Field(value, "id", where);
  if (id === null) throw new DecodeError(`${where}.id is missing`);
  // One literal rather than generic field loops: this runs for every record of every scan.
  const str = (name: string) => stringField(value, name, where);
  const int64 = (name: string) => int64Field(value, name, where);
  const small = (name: string) => smallIntField(value, name, where);
  const time = (name: string) => timeField(value, name, where);
  return {
    id,
    customerNo: str("customerNo"),
    agentCustomerNo: str("agentCustomerNo"),
    companyId: int64("companyId"),
    email: str("email"),
    name: str("name"),
    firstName: str("firstName"),
    lastName: str("lastName"),
    phone: str("phone"),
    phoneArea: str("phoneArea"),
    status: small("status"),
    customerType: small("customerType"),
    openAccountType: small("openAccountType"),
    registerSource: small("registerSource"),
    remark: str("remark"),
    customerGroupId: int64("customerGroupId"),
    customerGroupName: str("customerGroupName"),
    unitId: int64("unitId"),
    unitName: str("unitName"),
    tgUserId: str("tgUserId"),
    tgUserName: str("tgUserName"),
    thirdAccountNo: str("thirdAccountNo"),
    thirdLoginSource: str("thirdLoginSource"),
    thirdUserId: str("thirdUserId"),
    idCardType: str("idCardType"),
    idCard: str("idCard"),
    createTime: time("createTime"),
    updateTime: time("updateTime"),
    loginTime: time("loginTime"),
    firstAccountActivateTime: time("firstAccountActivateTime"),
    rawText: textsInPlace(value),
  };
}

/**
 * rawText: the parsed record itself, once its fields are decoded, with its non-strings replaced by their
 * texts, frozen. Made in place rather than as a copy: a copy was one more object of some thirty members
 * a record (2,000 a page) for the young generation to allocate and carry while a scan is in flight.
 */
function textsInPlace(value: JsonObject): Readonly<Record<string, string | null>> {
  for (const k of Object.keys(value)) {
    const v = value[k];
    if (typeof v === "string" || v === null) continue;
    // JSON.parse makes "__proto__" an own member; assigning to it would set the prototype instead.
    if (k === "__proto__") Object.defineProperty(value, k, { value: rawTextOf(v) });
    else value[k] = rawTextOf(v);
  }
  return Object.freeze(value as Record<string, string | null>);
}

export interface DecodedPageData {
  /** Absent or unreadable: the caller falls back to what it asked for. */
  current: number | undefined;
  size: number | undefined;
  total: number;
  records: BridgeCustomerRecord[];
}

/** The page's envelope fields, checked, and its records still undecoded. */
function pageShape(data: unknown): Omit<DecodedPageData, "records"> & { records: unknown[] } {
  if (!isJsonObject(data)) throw new DecodeError(`data is ${describeJsonType(data)}, not an object`);
  const total = safeInteger(data.total);
  if (total === undefined || total < 0) {
    throw new DecodeError(`data.total is ${describeJsonType(data.total)}, not a non-negative integer`);
  }
  const records = data.records ?? [];
  if (!Array.isArray(records))
    throw new DecodeError(`data.records is ${describeJsonType(records)}, not an array`);
  return { current: safeInteger(data.current), size: safeInteger(data.size), total, records };
}

const recordAt = (r: unknown, i: number) => decodeRecord(r, `data.records[${i}]`);

/** The whole page at once (one synchronous stretch: ~30 ms for 2,000 records). */
export function decodePageData(data: unknown): DecodedPageData {
  const page = pageShape(data);
  return { ...page, records: page.records.map(recordAt) };
}

/** The same, its records decoded in slices that give the event loop a turn in between (lib/cooperate.ts). */
export async function decodePageDataInSlices(data: unknown): Promise<DecodedPageData> {
  const page = pageShape(data);
  return { ...page, records: await mapInSlices(page.records, recordAt) };
}

/**
 * The page as the gateway uses it: with a customerNo filter only the exact matches are kept (the
 * upstream's filter is undocumented), and `receivedCount` says how many records the upstream sent.
 */
export function pageOf(data: DecodedPageData, params: PageCustomersParams): Omit<BridgeCustomerPage, "text"> {
  const records =
    params.customerNo === undefined
      ? data.records
      : data.records.filter((r) => r.customerNo === params.customerNo);
  return {
    current: data.current ?? params.current,
    size: data.size ?? params.size,
    total: data.total,
    records,
    receivedCount: data.records.length,
  };
}

/**
 * A successful page answer's text read back (another replica received it: src/replicas/shared-reads.ts),
 * through the same decoder as the client's, so that every number keeps its exact text; in turns of the
 * event loop, as the client decodes (lib/cooperate.ts): the parse in up to three turns, the records in
 * slices.
 */
export async function decodePageAnswerInSlices(
  text: string,
  params: PageCustomersParams,
): Promise<BridgeCustomerPage> {
  const data = await decodePageDataInSlices(readEnvelope(await parseJsonLosslessInTurns(text)).data);
  return { ...pageOf(data, params), text };
}
