import { randomBytes, randomUUID, type KeyObject } from "node:crypto";
import type { Dispatcher } from "undici";
import { parseJsonLosslessInTurns } from "../../lib/json";
import { UpstreamError, type UpstreamErrorKind } from "../errors";
import {
  DEFAULT_POOL,
  DEFAULT_TIMEOUTS,
  DecodeError,
  headerValue,
  hintPeek,
  OriginPools,
  pageCounts,
  parseBaseUrl,
  parseRetryAfter,
  sendHttp,
  turnToDecode,
  type BaseUrl,
  type HttpResponse,
  type HttpTimeouts,
  type PoolConfig,
} from "../http";
import { uninstrumented, type CallInstrument } from "../instrument";
import { DEFAULT_RETRY, withRetries, type RetryOptions } from "../retry";
import { BRIDGE_RATE, bridgeMayRetry } from "./budget";
import { decodePageDataInSlices, pageOf, readEnvelope, type BridgeEnvelope } from "./decode";
import { Semaphore } from "../concurrency";
import { canonicalString, createSigningKey, sign, type SignableObject, type SignScheme } from "./signing";
import type { BridgeCallOptions, BridgeCustomerPage, PageCustomersParams } from "./types";

/** What the upstream said about its rate limit on one answer; fed to a limiter through `onRateLimitHeaders`. */
export interface RateLimitInfo {
  endpoint: string;
  httpStatus: number;
  /** x-ratelimit-limit */
  limit?: number;
  /** x-ratelimit-remairing (sic) or x-ratelimit-remaining */
  remaining?: number;
  /** x-ratelimit-reset, in ms from now */
  resetMs?: number;
  /** Retry-After, in ms from now */
  retryAfterMs?: number;
  /** True on HTTP 418: the key is banned (5 minutes, then longer). */
  banned: boolean;
}

export interface BeforeCallInfo {
  endpoint: string;
  deadline: number;
  signal?: AbortSignal;
  /** 1 for the first attempt, 2.. for retries. */
  attempt: number;
}

export interface BridgeClientConfig {
  /** Base before /global/{bizType}, e.g. https://api.multimarkets.org/webhook (BRIDGE_BASE_URL). */
  baseUrl: string;
  companyId: string;
  apiKey: string;
  /** Base64 PKCS#8 RSA private key (rsa-sha1) or HMAC secret (hmac-sha256). */
  secretKey: string;
  signScheme?: SignScheme;
  /** recvWindow header, 1..60000 (default 5000). */
  recvWindowMs?: number;
  lang?: string;
  /** Interface version header (default "0.0.1"). */
  version?: string;
  timeouts?: Partial<HttpTimeouts>;
  pool?: Partial<PoolConfig>;
  retry?: Partial<RetryOptions>;
  dispatcher?: Dispatcher;
  /** Clock of the `timestamp` header (default Date.now); deadlines always use Date.now. */
  now?: () => number;
  /**
   * Awaited before every attempt, retries included: the place for a rate limiter to hold or refuse the
   * call (by throwing an UpstreamError of kind rate_limited).
   */
  beforeCall?: (info: BeforeCallInfo) => Promise<void>;
  /** Called with every answer that carries rate-limit headers, and with every 429/418. */
  onRateLimitHeaders?: (info: RateLimitInfo) => void;
  /** Observes every attempt that is sent (metrics, logs, traces); default: nothing. */
  instrument?: CallInstrument;
}

const PAGE_ENDPOINT = "customer.page";
/** A body that does not parse as JSON. */
const NOT_JSON = Symbol("not JSON");
/** The logical endpoints of this upstream, as metrics, logs and traces name them. */
export const BRIDGE_ENDPOINTS = [PAGE_ENDPOINT] as const;
const PAGE_PATH = "/global/customer.admin.WhiteCustomerAdminApiService.page";

const AUTH_CODES = new Set(["00012001", "00012003", "00012006", "00012007", "GGATEWAY_CODE_009"]);
/**
 * Outside the time window / request expired: clock skew or a call stuck longer than recvWindow. A retry
 * with a fresh timestamp would mostly hit the same skew and burn the rate budget, so they are auth_failed
 * (the operator must fix the clock or recvWindow).
 */
const TIME_WINDOW_CODES = new Set(["00012002", "GGATEWAY_CODE_014"]);
const RATE_CODES = new Set(["GGATEWAY_CODE_018", "00012005"]);

/**
 * HTTP client of the MultiMarkets BRIDGE API (customer list). Signs every call per bridge-api.md part C.
 * Errors name only the logical endpoint: never the URL, apiKey, signature or secret.
 */
export class BridgeClient {
  private readonly base: BaseUrl;
  private readonly companyId: string;
  private readonly apiKey: string;
  private readonly scheme: SignScheme;
  private readonly key: KeyObject;
  private readonly recvWindowMs: number;
  private readonly lang?: string;
  private readonly version: string;
  private readonly timeouts: HttpTimeouts;
  private readonly retry: RetryOptions;
  private readonly pools: OriginPools;
  private readonly sending: Semaphore;
  private readonly now: () => number;
  private readonly beforeCall?: (info: BeforeCallInfo) => Promise<void>;
  private readonly instrument: CallInstrument;
  private readonly onRateLimitHeaders?: (info: RateLimitInfo) => void;

  constructor(config: BridgeClientConfig) {
    this.base = parseBaseUrl(config.baseUrl, "BRIDGE_BASE_URL");
    if (config.companyId === "") throw new Error("BRIDGE_COMPANY_ID must not be empty");
    if (config.apiKey === "") throw new Error("BRIDGE_API_KEY must not be empty");
    this.companyId = config.companyId;
    this.apiKey = config.apiKey;
    this.scheme = config.signScheme ?? "rsa-sha1";
    this.key = createSigningKey(this.scheme, config.secretKey);
    this.recvWindowMs = config.recvWindowMs ?? 5000;
    if (!Number.isSafeInteger(this.recvWindowMs) || this.recvWindowMs < 1 || this.recvWindowMs > 60_000) {
      throw new Error("BRIDGE_RECV_WINDOW_MS must be an integer between 1 and 60000");
    }
    this.lang = config.lang;
    this.version = config.version ?? "0.0.1";
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...config.timeouts };
    this.retry = { ...DEFAULT_RETRY, ...config.retry };
    const pool = { ...DEFAULT_POOL, ...config.pool };
    this.pools = new OriginPools(pool, this.timeouts, config.dispatcher);
    this.sending = new Semaphore(pool.connections);
    this.now = config.now ?? Date.now;
    this.beforeCall = config.beforeCall;
    this.instrument = config.instrument ?? uninstrumented;
    this.onRateLimitHeaders = config.onRateLimitHeaders;
  }

  /**
   * One page of customer profiles. With `customerNo`, only records whose customerNo equals it exactly are
   * kept (the upstream filter is undocumented); `total` stays the upstream's and `receivedCount` says how
   * many records the upstream returned. Retried when transient, never after 418 and after 429 only when
   * the upstream said how long to wait and that fits in the deadline.
   */
  async pageCustomers(
    params: PageCustomersParams,
    opts: BridgeCallOptions = {},
  ): Promise<BridgeCustomerPage> {
    if (!Number.isSafeInteger(params.current) || params.current < 1)
      throw new RangeError("current must be >= 1");
    if (!Number.isSafeInteger(params.size) || params.size < 1 || params.size > 2000) {
      throw new RangeError("size must be between 1 and 2000");
    }
    const body: SignableObject = { current: params.current, size: params.size };
    if (params.customerNo !== undefined) body.customerNo = params.customerNo;
    const own = Date.now() + this.timeouts.totalMs;
    const deadline = opts.deadline === undefined ? own : Math.min(opts.deadline, own);

    return withRetries(
      async (attempt) => {
        if (this.beforeCall)
          await this.beforeCall({ endpoint: PAGE_ENDPOINT, deadline, signal: opts.signal, attempt });
        return this.instrument(
          { upstream: "bridge", endpoint: PAGE_ENDPOINT, attempt, requestId: opts.tracePrefix },
          async (call) => {
            const res = await this.post(PAGE_ENDPOINT, PAGE_PATH, body, deadline, opts);
            call.httpStatus = res.status;
            // A page is up to 2,000 records, ~1.3 MB, to parse and decode: in turns of the loop with budget left.
            await turnToDecode({
              upstream: "bridge",
              endpoint: PAGE_ENDPOINT,
              deadline,
              signal: opts.signal,
              mutation: false,
            });
            const peek = hintPeek(opts.onHint, res.status, pageHint);
            const parsed = await parseJsonLosslessInTurns(res.text, peek).catch(() => NOT_JSON);
            const env = this.judge(PAGE_ENDPOINT, res, parsed);
            const data = await decodePageDataInSlices(env.data).catch((err: unknown) => {
              throw this.decodeFailure(err);
            });
            return { ...pageOf(data, params), text: res.text };
          },
        );
      },
      {
        deadline,
        signal: opts.signal,
        options: this.retry,
        // The budget's policy (budget.ts): never after 418 or a WAF 403, after 429 only with a known wait.
        retryable: bridgeMayRetry,
      },
    );
  }

  /** Opens `count` connections to Bridge ahead of the first calls (see OriginPools.preconnect). */
  preconnect(count: number): void {
    this.pools.preconnect(this.base.origin, count);
  }

  async close(): Promise<void> {
    await this.pools.close();
  }

  /** A fresh trace per call; derived from the GraphQL request id when there is one (API.md §1). */
  private traceFor(opts: BridgeCallOptions): string {
    if (opts.tracePrefix !== undefined && opts.tracePrefix !== "") {
      return `${opts.tracePrefix}-${randomBytes(6).toString("hex")}`;
    }
    return randomUUID();
  }

  /**
   * Signs and sends once a connection is free: a request signed first and then queued in the pool
   * could reach the platform after its recvWindow and be refused (00012002).
   */
  private async post(
    endpoint: string,
    path: string,
    body: SignableObject,
    deadline: number,
    opts: BridgeCallOptions,
  ): Promise<HttpResponse> {
    const release = await this.sending.acquire(deadline);
    if (release === null) {
      throw this.error(endpoint, "timeout", "no connection to Bridge became free before the deadline", {});
    }
    try {
      return await this.send(endpoint, path, body, deadline, opts);
    } finally {
      release();
    }
  }

  /** Signs with the current time and sends at once (called only with a connection free). */
  private send(
    ...[endpoint, path, body, deadline, opts]: Parameters<BridgeClient["post"]>
  ): Promise<HttpResponse> {
    const timestamp = String(this.now());
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: "application/json",
      companyId: this.companyId,
      trace: this.traceFor(opts),
      apiKey: this.apiKey,
      recvWindow: String(this.recvWindowMs),
      signature: sign(canonicalString(body, timestamp), this.scheme, this.key),
      version: this.version,
      timestamp,
    };
    if (this.lang !== undefined) headers.lang = this.lang;
    return sendHttp(
      this.pools.get(this.base.origin),
      {
        origin: this.base.origin,
        path: `${this.base.pathPrefix}${path}`,
        method: "POST",
        headers,
        body: JSON.stringify(body),
      },
      {
        upstream: "bridge",
        endpoint,
        deadline,
        signal: opts.signal,
        timeouts: this.timeouts,
        mutation: false,
      },
    );
  }

  private rateLimitInfo(endpoint: string, res: HttpResponse): RateLimitInfo | undefined {
    const h = res.headers;
    const num = (name: string): number | undefined => {
      const v = headerValue(h, name);
      const n = v === undefined ? NaN : Number(v.trim());
      return Number.isFinite(n) ? n : undefined;
    };
    const limit = num("x-ratelimit-limit");
    const remaining = num("x-ratelimit-remairing") ?? num("x-ratelimit-remaining");
    const reset = num("x-ratelimit-reset");
    const retryAfterMs = parseRetryAfter(headerValue(h, "retry-after"));
    const banned = res.status === 418;
    const limited = banned || res.status === 429;
    if (
      !limited &&
      limit === undefined &&
      remaining === undefined &&
      reset === undefined &&
      retryAfterMs === undefined
    ) {
      return undefined;
    }
    return {
      endpoint,
      httpStatus: res.status,
      limit,
      remaining,
      resetMs: resetToMs(reset),
      retryAfterMs,
      banned,
    };
  }

  /** `parsed`: the body, parsed losslessly (NOT_JSON when it is not JSON). */
  private judge(endpoint: string, res: HttpResponse, parsed: unknown): BridgeEnvelope {
    const httpStatus = res.status;
    const rate = this.rateLimitInfo(endpoint, res);
    if (rate && this.onRateLimitHeaders) this.onRateLimitHeaders(rate);
    const waitMs = rate?.retryAfterMs ?? rate?.resetMs;
    if (httpStatus === 418) {
      throw this.error(endpoint, "rate_limited", "HTTP 418: API key banned for calling after 429", {
        httpStatus,
        retryAfterMs: waitMs ?? BRIDGE_RATE.firstBanMs,
      });
    }
    if (httpStatus === 429) {
      throw this.error(endpoint, "rate_limited", "HTTP 429", {
        httpStatus,
        retryAfterMs: waitMs,
        env: envelopeOf(parsed),
      });
    }
    const env = envelopeOf(parsed);
    if (env?.code !== undefined && env.code !== "0") {
      throw this.codeError(endpoint, env, httpStatus, waitMs);
    }
    if (httpStatus < 200 || httpStatus >= 300) throw this.statusError(endpoint, httpStatus, env);
    if (env === undefined)
      throw this.error(endpoint, "bad_response", "answer is not a JSON envelope", { httpStatus });
    if (env.code === undefined)
      throw this.error(endpoint, "bad_response", "answer has no code", { httpStatus, env });
    // code "0" with ok false or fail true (or ok == fail): we cannot tell success from failure.
    if (env.ok === false || env.fail === true) {
      throw this.error(endpoint, "bad_response", "code, ok and fail disagree", { httpStatus, env });
    }
    return env;
  }

  private codeError(
    endpoint: string,
    env: BridgeEnvelope,
    httpStatus: number,
    waitMs: number | undefined,
  ): UpstreamError {
    const code = env.code ?? "";
    if (AUTH_CODES.has(code))
      return this.error(endpoint, "auth_failed", `credentials refused (${code})`, { httpStatus, env });
    if (TIME_WINDOW_CODES.has(code)) {
      return this.error(endpoint, "auth_failed", `timestamp outside the accepted window (${code})`, {
        httpStatus,
        env,
      });
    }
    if (RATE_CODES.has(code)) {
      return this.error(endpoint, "rate_limited", `too many calls (${code})`, {
        httpStatus,
        env,
        retryAfterMs: waitMs,
      });
    }
    if (code === "G500") {
      return this.error(endpoint, "unavailable", `upstream internal error (${code})`, { httpStatus, env });
    }
    // An unknown code on an error status (the gateway's G404, G502, ...): the status says more.
    if (httpStatus < 200 || httpStatus >= 300) return this.statusError(endpoint, httpStatus, env);
    return this.error(endpoint, "rejected", `refused with code ${code}`, { httpStatus, env });
  }

  private statusError(endpoint: string, httpStatus: number, env: BridgeEnvelope | undefined): UpstreamError {
    if (httpStatus === 401) return this.error(endpoint, "auth_failed", "HTTP 401", { httpStatus, env });
    // 403 is the platform's WAF refusing the call (bridge doc B.10), not a credential problem.
    if (httpStatus === 403)
      return this.error(endpoint, "unavailable", "HTTP 403 (firewall)", { httpStatus, env });
    if (httpStatus >= 500)
      return this.error(endpoint, "unavailable", `HTTP ${httpStatus}`, { httpStatus, env });
    // 404 and other statuses: the gateway and the platform disagree about the API itself.
    return this.error(endpoint, "bad_response", `HTTP ${httpStatus}`, { httpStatus, env });
  }

  /** A shape problem is the upstream's bad_response; anything else is ours and goes on as it is. */
  private decodeFailure(err: unknown): unknown {
    if (err instanceof DecodeError) return this.error(PAGE_ENDPOINT, "bad_response", err.message, {});
    return err;
  }

  private error(
    endpoint: string,
    kind: UpstreamErrorKind,
    what: string,
    extra: { env?: BridgeEnvelope; httpStatus?: number; retryAfterMs?: number },
  ): UpstreamError {
    return new UpstreamError(`bridge ${endpoint}: ${what}`, {
      upstream: "bridge",
      kind,
      endpoint,
      upstreamCode: extra.env?.code,
      upstreamMessage: extra.env?.msg,
      httpStatus: extra.httpStatus,
      retryAfterMs: extra.retryAfterMs,
    });
  }
}

/**
 * A successful page answer's total and record count from the native parse (its numbers still doubles),
 * before the exact decoding: undefined unless the envelope says success and both are plainly there.
 */
function pageHint(plain: unknown): { total: number; received: number } | undefined {
  if (typeof plain !== "object" || plain === null) return undefined;
  const env = plain as Record<string, unknown>;
  if ((env.code !== "0" && env.code !== 0) || env.ok === false || env.fail === true) return undefined;
  return pageCounts(env.data, "records");
}

/** The envelope of a parsed body; undefined when it is not JSON or not an envelope. */
function envelopeOf(parsed: unknown): BridgeEnvelope | undefined {
  if (parsed === NOT_JSON) return undefined;
  try {
    return readEnvelope(parsed);
  } catch {
    return undefined;
  }
}

/**
 * x-ratelimit-reset is documented as "seconds": a small value is a delay, a value that looks like an
 * epoch (seconds since 1970, > 1e9) is a moment.
 */
function resetToMs(reset: number | undefined, nowMs: number = Date.now()): number | undefined {
  if (reset === undefined || reset < 0) return undefined;
  if (reset > 1e9) return Math.max(0, reset * 1000 - nowMs);
  return Math.ceil(reset * 1000);
}
