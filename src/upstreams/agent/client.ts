import type { Dispatcher } from "undici";
import { canonicalInteger } from "../../lib/ids";
import { parseJsonLossless, parseJsonLosslessInTurns } from "../../lib/json";
import { UpstreamError, type UpstreamErrorKind } from "../errors";
import {
  DEFAULT_POOL,
  DEFAULT_TIMEOUTS,
  DecodeError,
  headerValue,
  hintPeek,
  int64Text,
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
import {
  decodeListDataInSlices,
  INCOMPLETE_ACCOUNT_MSG,
  INVALID_TOKEN_MSG,
  readEnvelope,
  type AgentEnvelope,
} from "./decode";
import type { AddUserResult, AgentCustomerPage, CallOptions, ListCustomersParams } from "./types";

export interface AgentClientConfig {
  /** Base of /open/customer/list, e.g. http://user.ipweb.cc/prod-api (AGENT_BASE_URL). */
  listBaseUrl: string;
  /** Base of /api/agent/* (AGENT_ADMIN_BASE_URL); defaults to listBaseUrl. */
  adminBaseUrl?: string;
  token: string;
  timeouts?: Partial<HttpTimeouts>;
  pool?: Partial<PoolConfig>;
  /** Applies to the list only: mutations are never retried. */
  retry?: Partial<RetryOptions>;
  /** Replaces the per-origin Pools (tests, a shared Agent); its owner closes it. */
  dispatcher?: Dispatcher;
  /** Observes every attempt (metrics, logs, traces); default: nothing. */
  instrument?: CallInstrument;
}

/** The logical endpoints of this upstream, as metrics, logs and traces name them. */
export const AGENT_ENDPOINTS = ["customer.list", "addUser", "updatePwd", "changeStatus"] as const;
type AgentEndpoint = (typeof AGENT_ENDPOINTS)[number];

/**
 * HTTP client of the Agent Customer API. Every failure is an UpstreamError (src/upstreams/errors.ts)
 * whose message names only the logical endpoint: the token travels in a header and the new password in
 * the query string, and neither may surface anywhere.
 */
export class AgentClient {
  private readonly listBase: BaseUrl;
  private readonly adminBase: BaseUrl;
  private readonly token: string;
  private readonly timeouts: HttpTimeouts;
  private readonly retry: RetryOptions;
  private readonly pools: OriginPools;
  private readonly instrument: CallInstrument;

  constructor(config: AgentClientConfig) {
    this.instrument = config.instrument ?? uninstrumented;
    this.listBase = parseBaseUrl(config.listBaseUrl, "AGENT_BASE_URL");
    this.adminBase =
      config.adminBaseUrl === undefined
        ? this.listBase
        : parseBaseUrl(config.adminBaseUrl, "AGENT_ADMIN_BASE_URL");
    if (config.token === "") throw new Error("AGENT_TOKEN must not be empty");
    this.token = config.token;
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...config.timeouts };
    this.retry = { ...DEFAULT_RETRY, ...config.retry };
    this.pools = new OriginPools({ ...DEFAULT_POOL, ...config.pool }, this.timeouts, config.dispatcher);
  }

  /** One page of the customer list. `userName` is the upstream's substring filter. Retried when transient. */
  async listCustomers(params: ListCustomersParams, opts: CallOptions = {}): Promise<AgentCustomerPage> {
    assertPositiveInteger(params.pageNum, "pageNum");
    assertPositiveInteger(params.pageSize, "pageSize");
    const query: Record<string, string> = {
      pageNum: String(params.pageNum),
      pageSize: String(params.pageSize),
    };
    if (params.userName !== undefined && params.userName !== "") query.userName = params.userName;
    const deadline = this.deadlineOf(opts);
    return withRetries(
      (attempt) =>
        this.instrument(
          { upstream: "agent", endpoint: "customer.list", attempt, requestId: opts.requestId },
          async (call) => {
            const res = await this.send(
              "customer.list",
              this.listBase,
              "/open/customer/list",
              query,
              deadline,
              opts,
            );
            call.httpStatus = res.status;
            // A list page is up to ~2,000 rows to parse and decode: in turns of the loop with budget left.
            await turnToDecode({
              upstream: "agent",
              endpoint: "customer.list",
              deadline,
              signal: opts.signal,
              mutation: false,
            });
            const peek = hintPeek(opts.onHint, res.status, listHint);
            const parsed = await parseJsonLosslessInTurns(res.text, peek).then(
              (value) => ({ value }),
              (): typeof NOT_JSON => NOT_JSON,
            );
            const env = this.judge("customer.list", res, parsed);
            if (env.code !== "200") throw this.envelopeError("customer.list", env);
            // A rejected token is `code: 200` without data (handled in judge); anything else without data is
            // an answer we do not understand, never an empty list.
            if (env.body.data === null || env.body.data === undefined) {
              throw this.error("customer.list", "bad_response", "answer has no data", { env });
            }
            const data = await decodeListDataInSlices(env.body.data).catch((err: unknown) => {
              throw this.decodeFailure("customer.list", err);
            });
            return {
              total: data.total,
              pageNum: params.pageNum,
              pageSize: params.pageSize,
              rows: data.rows,
              text: res.text,
            };
          },
        ),
      { deadline, signal: opts.signal, options: this.retry },
    );
  }

  /** Creates a customer. Never retried; after an `ambiguous` failure read the list back instead. */
  async addUser(userName: string, opts: CallOptions = {}): Promise<AddUserResult> {
    return this.mutate("addUser", { userName }, opts, (env) => this.addUserResult(env));
  }

  private addUserResult(env: AgentEnvelope): AddUserResult {
    if (env.code === "201") return { outcome: "taken" };
    if (env.code === "202") return { outcome: "taken_by_other_channel" };
    if (env.code !== "200") throw this.envelopeError("addUser", env);
    const customerId = int64Text(env.body.customerId);
    const token = env.body.Token ?? env.body.token;
    const password = env.body.password;
    if (customerId === undefined || typeof token !== "string" || typeof password !== "string") {
      // code 200 means the customer was probably created: the caller must read the list back.
      throw this.error("addUser", "bad_response", "success answer lacks customerId, Token or password", {
        env,
        ambiguous: true,
      });
    }
    return { outcome: "created", customerId, password, token };
  }

  /** Sets a customer's proxy password. Never retried. */
  async updatePwd(customerId: string, password: string, opts: CallOptions = {}): Promise<void> {
    await this.mutate("updatePwd", { customerId: canonicalId(customerId), password }, opts, (env) => {
      if (env.code !== "200") throw this.envelopeError("updatePwd", env);
    });
  }

  /** Sets a customer's numeric customerState (values configured by the caller). Never retried. */
  async changeStatus(customerId: string, customerState: number, opts: CallOptions = {}): Promise<void> {
    if (!Number.isSafeInteger(customerState)) throw new RangeError("customerState must be an integer");
    await this.mutate(
      "changeStatus",
      { customerId: canonicalId(customerId), customerState: String(customerState) },
      opts,
      (env) => {
        if (env.code !== "200") throw this.envelopeError("changeStatus", env);
      },
    );
  }

  /** Opens `count` connections to the list's origin ahead of the first calls (see OriginPools.preconnect). */
  preconnect(count: number): void {
    this.pools.preconnect(this.listBase.origin, count);
  }

  /** Closes the Pools this client created (not an injected dispatcher). */
  async close(): Promise<void> {
    await this.pools.close();
  }

  /** One call, never retried; `conclude` judges the business code inside the attempt's observation. */
  private mutate<T>(
    endpoint: Exclude<AgentEndpoint, "customer.list">,
    query: Record<string, string>,
    opts: CallOptions,
    conclude: (env: AgentEnvelope) => T,
  ): Promise<T> {
    return this.instrument(
      { upstream: "agent", endpoint, attempt: 1, requestId: opts.requestId },
      async (call) => {
        const res = await this.send(
          endpoint,
          this.adminBase,
          `/api/agent/${endpoint}`,
          query,
          this.deadlineOf(opts),
          opts,
        );
        call.httpStatus = res.status;
        return conclude(this.judge(endpoint, res));
      },
    );
  }

  private deadlineOf(opts: CallOptions): number {
    const own = Date.now() + this.timeouts.totalMs;
    return opts.deadline === undefined ? own : Math.min(opts.deadline, own);
  }

  private send(
    endpoint: AgentEndpoint,
    base: BaseUrl,
    path: string,
    query: Record<string, string>,
    deadline: number,
    opts: CallOptions,
  ): Promise<HttpResponse> {
    const mutation = endpoint !== "customer.list";
    return sendHttp(
      this.pools.get(base.origin),
      {
        origin: base.origin,
        path: `${base.pathPrefix}${path}?${new URLSearchParams(query).toString()}`,
        method: "GET",
        headers: { token: this.token, accept: "application/json" },
      },
      { upstream: "agent", endpoint, deadline, signal: opts.signal, timeouts: this.timeouts, mutation },
    );
  }

  /**
   * HTTP status, JSON and the in-200 error messages, common to all four calls. Returns the envelope for
   * the endpoint-specific success check.
   */
  /** `parsed`: the body, parsed losslessly, or NOT_JSON (parsed here when not given). */
  private judge(endpoint: AgentEndpoint, res: HttpResponse, parsed = parseBody(res.text)): AgentEnvelope {
    const httpStatus = res.status;
    if (httpStatus === 429) {
      throw this.error(endpoint, "rate_limited", "HTTP 429", {
        httpStatus,
        retryAfterMs: parseRetryAfter(headerValue(res.headers, "retry-after")),
      });
    }
    if (httpStatus >= 500)
      throw this.error(endpoint, "unavailable", `HTTP ${httpStatus}`, { httpStatus, ambiguous: true });
    if (httpStatus === 401) throw this.error(endpoint, "auth_failed", "HTTP 401", { httpStatus });
    // RuoYi answers everything with 200; a 403 comes from a firewall or proxy in front of it.
    if (httpStatus === 403) throw this.error(endpoint, "unavailable", "HTTP 403", { httpStatus });
    if (httpStatus < 200 || httpStatus >= 300) {
      throw this.error(endpoint, "bad_response", `HTTP ${httpStatus}`, { httpStatus });
    }
    if (parsed === NOT_JSON) {
      throw this.error(endpoint, "bad_response", "answer is not JSON", { httpStatus, ambiguous: true });
    }
    const env = this.decode(endpoint, () => readEnvelope(parsed.value));
    if (env.msg === INVALID_TOKEN_MSG || env.code === "401") {
      throw this.error(endpoint, "auth_failed", "token refused", { env, httpStatus });
    }
    // The agent account itself is refused for business reasons (not the token): no retry cures it.
    if (env.msg === INCOMPLETE_ACCOUNT_MSG) {
      throw this.error(endpoint, "rejected", "agent account incomplete", { env, httpStatus });
    }
    if (env.code === undefined)
      throw this.error(endpoint, "bad_response", "answer has no code", { httpStatus });
    return env;
  }

  /** A non-success `code` other than 201/202 (addUser). */
  private envelopeError(endpoint: AgentEndpoint, env: AgentEnvelope): UpstreamError {
    // RuoYi's AjaxResult.error() answers code 500 both for its exception handler and for business refusals
    // ("客户不存在或不属于该渠道"). On the list, whose parameters we always send well-formed, it can only be
    // an internal failure: unavailable (and retried). On a mutation the upstream answered and said no:
    // rejected, with its message for the user (its handlers are transactional, so nothing half-happened).
    if (endpoint === "customer.list" && env.code === "500") {
      return this.error(endpoint, "unavailable", "upstream internal error", { env });
    }
    return this.error(endpoint, "rejected", `refused with code ${env.code ?? "?"}`, { env });
  }

  private decode<T>(endpoint: AgentEndpoint, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw this.decodeFailure(endpoint, err);
    }
  }

  /** A shape problem is the upstream's bad_response; anything else is ours and goes on as it is. */
  private decodeFailure(endpoint: AgentEndpoint, err: unknown): unknown {
    if (err instanceof DecodeError) {
      return this.error(endpoint, "bad_response", err.message, { ambiguous: true });
    }
    return err;
  }

  private error(
    endpoint: AgentEndpoint,
    kind: UpstreamErrorKind,
    what: string,
    extra: { env?: AgentEnvelope; httpStatus?: number; retryAfterMs?: number; ambiguous?: boolean },
  ): UpstreamError {
    const mutation = endpoint !== "customer.list";
    return new UpstreamError(`agent ${endpoint}: ${what}`, {
      upstream: "agent",
      kind,
      endpoint,
      upstreamCode: extra.env?.code,
      upstreamMessage: extra.env?.msg,
      httpStatus: extra.httpStatus,
      retryAfterMs: extra.retryAfterMs,
      // Only a mutation has an outcome to be unsure about.
      ambiguous: mutation && (extra.ambiguous ?? false),
    });
  }
}

/**
 * A successful list answer's total and row count from the native parse (its numbers still doubles),
 * before the exact decoding: undefined unless the envelope says success (code 200, not the refused-token
 * or incomplete-account message) and both are plainly there.
 */
function listHint(plain: unknown): { total: number; received: number } | undefined {
  if (typeof plain !== "object" || plain === null) return undefined;
  const env = plain as Record<string, unknown>;
  if (env.code !== 200 || env.msg === INVALID_TOKEN_MSG || env.msg === INCOMPLETE_ACCOUNT_MSG)
    return undefined;
  return pageCounts(env.data, "rows");
}

/** A body that does not parse as JSON. */
const NOT_JSON = Symbol("not JSON");

/** The body parsed losslessly, or NOT_JSON. */
function parseBody(text: string): { value: unknown } | typeof NOT_JSON {
  try {
    return { value: parseJsonLossless(text) };
  } catch {
    return NOT_JSON;
  }
}

function assertPositiveInteger(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
}

function canonicalId(customerId: string): string {
  const id = canonicalInteger(customerId);
  if (id === null) throw new RangeError("customerId must be a decimal integer");
  return id;
}
