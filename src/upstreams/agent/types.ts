import type { Decimal } from "../../lib/decimal";

/** One row of `GET /open/customer/list`, decoded exactly (no JS number anywhere). */
export interface AgentCustomer {
  /** customerId (Java Long) as canonical decimal text, e.g. "39", "9007199254740993". */
  customerId: string;
  userName: string;
  /** trafficCount (BigDecimal), exact. */
  trafficCount: Decimal;
  /** residualFlow (BigDecimal), exact. */
  residualFlow: Decimal;
}

export interface AgentCustomerPage {
  /** data.total: all rows matching the filter. */
  total: number;
  /** The page number the caller asked for. */
  pageNum: number;
  pageSize: number;
  /** The rows received: possibly fewer than pageSize (an unknown upstream cap), or a repeated last page. */
  rows: AgentCustomer[];
  /**
   * The answer's body as received: what replicas share (decode.ts decodeListAnswerInSlices reads it back). The
   * list source drops it before keeping a page.
   */
  text: string;
}

export interface ListCustomersParams {
  pageNum: number;
  pageSize: number;
  /** Substring, case-insensitive filter of the upstream; empty/undefined = no filter. */
  userName?: string;
}

export type AddUserResult =
  | { outcome: "created"; customerId: string; password: string; token: string }
  /** upstream 201: the name exists in this channel. */
  | { outcome: "taken" }
  /** upstream 202: the name exists in another channel. */
  | { outcome: "taken_by_other_channel" };

export interface CallOptions {
  /** Absolute deadline (Date.now() based) after which the call and its retries give up with "timeout". */
  deadline?: number;
  signal?: AbortSignal;
  /** The GraphQL request the call is made for (operators' logs and traces). */
  requestId?: string;
  /**
   * Told a successful list answer's total and row count once its body is parsed, before its rows are
   * decoded (a scan starts its other pages then); never for an error answer.
   */
  onHint?: (hint: { total: number; received: number }) => void;
}
