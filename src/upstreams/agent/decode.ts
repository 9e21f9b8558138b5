import { mapInSlices } from "../../lib/cooperate";
import { Big, sameDecimal, type Decimal } from "../../lib/decimal";
import { parseJsonLosslessInTurns } from "../../lib/json";
import {
  DecodeError,
  describeJsonType,
  int64Text,
  isJsonObject,
  numberText,
  safeInteger,
  type JsonObject,
} from "../http";
import type { AgentCustomer } from "./types";

/**
 * Decoding of the agent API's RuoYi envelopes. Success is judged by shape, never by HTTP status or
 * `code` alone (agent doc B.2): a rejected token arrives as `code: 200` with a message and no data.
 */

/** The message RuoYi answers, with `code: 200`, for a bad or expired token. */
export const INVALID_TOKEN_MSG = "无效的认证令牌";
/** The message answered, with `code: 200`, when the agent account is incomplete. */
export const INCOMPLETE_ACCOUNT_MSG = "账号信息不完整";

export interface AgentEnvelope {
  /** `code` as canonical text ("200", "500"), undefined when absent or not an integer. */
  code: string | undefined;
  msg: string | undefined;
  body: JsonObject;
}

export function readEnvelope(value: unknown): AgentEnvelope {
  if (!isJsonObject(value)) throw new DecodeError(`answer is ${describeJsonType(value)}, not an object`);
  const code = int64Text(value.code);
  const msg = typeof value.msg === "string" ? value.msg : undefined;
  return { code, msg, body: value };
}

/** The exact source text of a decimal field, checked now; the decimal itself is made on first use. */
function decimalText(row: JsonObject, name: string, where: string): string {
  // numberText gives valid JSON number texts only, so new Big() on it later cannot fail.
  const text = numberText(row[name]);
  if (text === undefined) {
    throw new DecodeError(`${where}.${name} is ${describeJsonType(row[name])}, not a decimal`);
  }
  return text;
}

/**
 * A decoded row: its two BigDecimal amounts are kept as their exact source texts and made into decimals
 * (big.js: an object and an array of digits each) only when a request reads them. A scan decodes every
 * row of the list (10,000 here) and a request reads a page of them: parsing 20,000 decimals up front was
 * CPU on the cold path and young-generation copying of objects nobody read.
 */
class CustomerRow implements AgentCustomer {
  private traffic: Decimal | undefined;
  private residual: Decimal | undefined;

  constructor(
    readonly customerId: string,
    readonly userName: string,
    readonly trafficText: string,
    readonly residualText: string,
  ) {}

  get trafficCount(): Decimal {
    return (this.traffic ??= new Big(this.trafficText));
  }

  get residualFlow(): Decimal {
    return (this.residual ??= new Big(this.residualText));
  }
}

/**
 * Whether two rows' amounts are the same decimals ("1.50" and "1.5" are): by their texts when both were
 * decoded here and the texts agree (an unchanged row on a refresh, without making its decimals).
 */
export function sameAmounts(a: AgentCustomer, b: AgentCustomer): boolean {
  if (
    a instanceof CustomerRow &&
    b instanceof CustomerRow &&
    a.trafficText === b.trafficText &&
    a.residualText === b.residualText
  ) {
    return true;
  }
  return sameDecimal(a.trafficCount, b.trafficCount) && sameDecimal(a.residualFlow, b.residualFlow);
}

export function decodeCustomerRow(value: unknown, where: string): AgentCustomer {
  if (!isJsonObject(value)) throw new DecodeError(`${where} is ${describeJsonType(value)}, not an object`);
  const customerId = int64Text(value.customerId);
  if (customerId === undefined) {
    throw new DecodeError(
      `${where}.customerId is ${describeJsonType(value.customerId)}, not an int64 integer`,
    );
  }
  if (typeof value.userName !== "string") {
    throw new DecodeError(`${where}.userName is ${describeJsonType(value.userName)}, not a string`);
  }
  return new CustomerRow(
    customerId,
    value.userName,
    decimalText(value, "trafficCount", where),
    decimalText(value, "residualFlow", where),
  );
}

export interface DecodedListData {
  total: number;
  rows: AgentCustomer[];
}

/** `data`'s total, checked, and its rows still undecoded. */
function listOf(data: unknown): { total: number; rows: unknown[] } {
  if (!isJsonObject(data)) throw new DecodeError(`data is ${describeJsonType(data)}, not an object`);
  const total = safeInteger(data.total);
  if (total === undefined || total < 0) {
    throw new DecodeError(`data.total is ${describeJsonType(data.total)}, not a non-negative integer`);
  }
  const rows = data.rows ?? [];
  if (!Array.isArray(rows)) throw new DecodeError(`data.rows is ${describeJsonType(rows)}, not an array`);
  return { total, rows };
}

const rowAt = (r: unknown, i: number) => decodeCustomerRow(r, `data.rows[${i}]`);

/** `data` of a successful list answer; the caller has already ruled out the in-200 error messages. */
export function decodeListData(data: unknown): DecodedListData {
  const list = listOf(data);
  return { total: list.total, rows: list.rows.map(rowAt) };
}

/** The same, its rows decoded in slices that give the event loop a turn in between (lib/cooperate.ts). */
export async function decodeListDataInSlices(data: unknown): Promise<DecodedListData> {
  const list = listOf(data);
  return { total: list.total, rows: await mapInSlices(list.rows, rowAt) };
}

/**
 * A successful list answer's text read back (another replica received it: src/replicas/shared-reads.ts),
 * through the same decoder as the client's, so that ids and decimals keep their exact text; in turns of
 * the event loop, as the client decodes (lib/cooperate.ts).
 */
export async function decodeListAnswerInSlices(text: string): Promise<DecodedListData> {
  return decodeListDataInSlices(readEnvelope(await parseJsonLosslessInTurns(text)).body.data);
}
