/** One Bridge customer record, decoded exactly. Every field may be null (upstream null or absent). */
export interface BridgeCustomerRecord {
  /** int64 record id as canonical decimal text. */
  id: string;
  customerNo: string | null;
  agentCustomerNo: string | null;
  /** int64 as canonical decimal text. */
  companyId: string | null;
  email: string | null;
  name: string | null;
  firstName: string | null;
  lastName: string | null;
  phone: string | null;
  phoneArea: string | null;
  /** 1..6 per the vendor; any other integer is passed through for the mapper to call UNKNOWN. */
  status: number | null;
  customerType: number | null;
  openAccountType: number | null;
  registerSource: number | null;
  remark: string | null;
  /** int64 as canonical decimal text. */
  customerGroupId: string | null;
  customerGroupName: string | null;
  /** int64 as canonical decimal text. */
  unitId: string | null;
  unitName: string | null;
  tgUserId: string | null;
  tgUserName: string | null;
  thirdAccountNo: string | null;
  thirdLoginSource: string | null;
  thirdUserId: string | null;
  idCardType: string | null;
  idCard: string | null;
  /** Epoch milliseconds; null when absent, null or 0 ("never"). */
  createTime: number | null;
  updateTime: number | null;
  loginTime: number | null;
  firstAccountActivateTime: number | null;
  /**
   * Every field of the record as text (numbers as their exact JSON source text), so that the link field
   * named by configuration (BRIDGE_LINK_FIELD) can be read whatever it is.
   */
  rawText: Readonly<Record<string, string | null>>;
}

export interface BridgeCustomerPage {
  current: number;
  size: number;
  total: number;
  records: BridgeCustomerRecord[];
  /**
   * How many records the upstream returned on this page before the client kept only exact customerNo
   * matches: page scans advance by this, not by records.length. Set by BridgeClient.
   */
  receivedCount?: number;
  /**
   * The answer's body as received: what replicas share (decode.ts decodePageAnswerInSlices reads it back). The
   * list source drops it before keeping a page.
   */
  text: string;
}

export interface PageCustomersParams {
  current: number;
  /** 1..2000. */
  size: number;
  /** The only upstream filter. The client itself keeps only exact matches (the upstream's is undocumented). */
  customerNo?: string;
}

export interface BridgeCallOptions {
  /** Absolute deadline (Date.now() based). */
  deadline?: number;
  signal?: AbortSignal;
  /** Prefix of the `trace` header: the GraphQL request id. The client appends "-" and a unique suffix. */
  tracePrefix?: string;
  /**
   * Told a successful page answer's total and record count once its body is parsed, before its records
   * are decoded (a scan starts its other pages then); never for an error answer.
   */
  onHint?: (hint: { total: number; received: number }) => void;
}
