/**
 * The contract of the upstream simulators: what tests, benchmarks and the embedded default rely on.
 * Implemented in src/simulators/ (agent.ts, bridge.ts, dataset.ts, faults.ts, index.ts).
 */

/** One call the simulator received, as tests and benchmarks read it. Never holds a secret value. */
export interface SimulatorCall {
  upstream: "agent" | "bridge";
  /** "customer.list" | "addUser" | "updatePwd" | "changeStatus" | "customer.page" | "unknown" */
  endpoint: string;
  method: string;
  /** Non-secret parameters: agent query (password redacted to "***"), Bridge JSON body fields. */
  params: Record<string, unknown>;
  /** HTTP status answered (0 when the connection was reset or left hanging). */
  status: number;
  /** The envelope code answered (agent numeric code as text, Bridge string code), if any. */
  code?: string;
  /** Bridge: the trace header received. */
  trace?: string;
  at: number;
}

export type Fault =
  | { kind: "delay"; ms: number }
  | { kind: "http"; status: number; body?: string; headers?: Record<string, string> }
  /** An error inside HTTP 200: agent `{code, msg}` / Bridge envelope with `code` != "0". */
  | { kind: "envelope"; code: string; msg?: string }
  | { kind: "malformed" }
  | { kind: "reset" }
  | { kind: "hang" }
  /** addUser only: the user is created, then the connection hangs (no answer ever). */
  | { kind: "createThenHang" }
  /** addUser only: the user is created, then the connection is reset. */
  | { kind: "createThenReset" };

export interface FaultRule {
  fault: Fault;
  /** How many calls it applies to; undefined = until cleared. */
  times?: number;
}

export interface FaultController {
  /** endpoint as in SimulatorCall.endpoint, or "*" for every endpoint of this simulator. */
  set(endpoint: string, fault: Fault, times?: number): void;
  clear(endpoint?: string): void;
}

export interface CallLog {
  readonly calls: readonly SimulatorCall[];
  count(endpoint?: string): number;
  /** Requests received, answered or not yet (a call is logged in `calls` once it is answered). */
  arrivals(endpoint?: string): number;
  reset(): void;
}

/** A stored agent customer. Numbers are kept as the exact JSON text the simulator writes. */
export interface SimAgentCustomer {
  /** JSON integer text, may exceed 2^53, e.g. "39", "9007199254740993". */
  customerId: string;
  userName: string;
  /** JSON number text as Jackson might write it: "512000000.0", "5.12E+8", "1E-10". */
  trafficCount: string;
  residualFlow: string;
  /** Agent channel that owns the name: "self" = the gateway's agent, "other" = another channel. */
  channel: "self" | "other";
  /** Numeric customerState as last set, if ever. */
  state: number;
  /** Last proxy password set (never logged). */
  password: string;
}

/** A stored Bridge record: field name -> exact JSON text of the value ("null" for null, quoted for strings). */
export type SimBridgeRecord = Record<string, string>;

export interface AgentSimulator {
  /** Base of /open/customer/list, e.g. http://127.0.0.1:PORT/prod-api */
  readonly listBaseUrl: string;
  /** Base of /api/agent/* (a second server when `separateAdminHost`), e.g. http://127.0.0.1:PORT2 */
  readonly adminBaseUrl: string;
  readonly token: string;
  readonly faults: FaultController;
  readonly log: CallLog;
  /** Customers in upstream order (the order /open/customer/list returns them). */
  readonly customers: SimAgentCustomer[];
  /** Largest number of rows one list page returns, whatever pageSize asks (default 1000). */
  pageSizeCap: number;
  /** customerState values: active / disabled (default 0 / 1). */
  readonly stateValues: { active: number; disabled: number };
  addCustomer(c: Partial<SimAgentCustomer> & { userName: string }): SimAgentCustomer;
  /** Names registered by another channel (addUser answers 202); they are not in `customers`. */
  readonly otherChannelUserNames: string[];
  /** Latency added to every call, ms (starts at SimulatorOptions.latencyMs). */
  latencyMs: number;
  close(): Promise<void>;
}

export interface BridgeSimulator {
  /** Base before /global/{bizType}, e.g. http://127.0.0.1:PORT/webhook */
  readonly baseUrl: string;
  readonly companyId: string;
  readonly apiKey: string;
  /** The secret the gateway is configured with: Base64 PKCS#8 RSA private key, or the HMAC secret. */
  readonly secretKey: string;
  readonly scheme: "rsa-sha1" | "hmac-sha256";
  readonly faults: FaultController;
  readonly log: CallLog;
  /** Records in upstream order. */
  readonly records: SimBridgeRecord[];
  /** Requests allowed per minute per API key before 429 (default 100); 0 disables the limit. */
  rateLimitPerMinute: number;
  /** Count of answers with 429 and with 418 since start or reset. */
  readonly rateLimitStats: { tooMany429: number; banned418: number };
  resetRateLimit(): void;
  addRecord(fields: Record<string, unknown>): SimBridgeRecord;
  /** Latency added to every call, ms (starts at SimulatorOptions.latencyMs). */
  latencyMs: number;
  close(): Promise<void>;
}

export interface DatasetOptions {
  /** Agent customers (default 3000). */
  agentCustomers?: number;
  /** Bridge profiles (default about agentCustomers: most linked, some twice, some linked to nobody). */
  bridgeProfiles?: number;
  seed?: number;
}

export interface SimulatorOptions {
  dataset?: DatasetOptions;
  /** Fixed latency added to every call, ms (default 0). */
  latencyMs?: number;
  agent?: {
    token?: string;
    separateAdminHost?: boolean;
    pageSizeCap?: number;
    stateValues?: { active: number; disabled: number };
  };
  bridge?: {
    scheme?: "rsa-sha1" | "hmac-sha256";
    rateLimitPerMinute?: number;
    companyId?: string;
    apiKey?: string;
    linkField?: string;
    /** A fixed secret (Base64 PKCS#8 RSA private key, or the HMAC secret) instead of a fresh one. */
    secretKey?: string;
  };
  /** Clock of the Bridge time window and rate limit (default Date.now); tests move time with it. */
  now?: () => number;
  /** Host to bind (default 127.0.0.1); port 0 = free port. */
  host?: string;
  ports?: { agent?: number; agentAdmin?: number; bridge?: number };
}

export interface Simulators {
  agent: AgentSimulator;
  bridge: BridgeSimulator;
  close(): Promise<void>;
}
