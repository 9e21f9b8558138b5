import type { IncomingHttpHeaders } from "node:http";
import type { Socket } from "node:net";
import { StringDecoder } from "node:string_decoder";
import { buildConnector, Pool, type Dispatcher } from "undici";
import { Big, decimalFromJsonText, isJsonNumberText } from "../lib/decimal";
import { canonicalInteger } from "../lib/ids";
import { takeTurn } from "../lib/cooperate";
import { isLosslessNumber } from "../lib/json";
import { UpstreamError, type UpstreamErrorKind, type UpstreamName } from "./errors";

/**
 * Shared undici plumbing for both upstream clients: one bounded Pool per origin, explicit timeouts (the
 * undici defaults are 300 s), a hard absolute deadline per call, every body consumed, and network faults
 * turned into UpstreamErrors whose messages name only the logical endpoint. undici's own error messages
 * can carry the request URL, whose query string holds the agent password, so they are never passed on.
 */

export interface HttpTimeouts {
  /** TCP (and TLS) connect. */
  connectMs: number;
  /** From sending the request to receiving the complete response headers. */
  headersMs: number;
  /** Longest silence between two chunks of the response body. */
  bodyMs: number;
  /** Deadline of a whole call (all attempts) when the caller gives none. */
  totalMs: number;
}

export interface PoolConfig {
  /** Most concurrent connections per origin: the client's concurrency cap towards the upstream. */
  connections: number;
  /** How long an idle keep-alive connection is kept. */
  keepAliveTimeoutMs: number;
  /** Largest response body accepted; a bigger one is a bad_response, not an out-of-memory. */
  maxResponseBytes: number;
}

export const DEFAULT_TIMEOUTS: HttpTimeouts = {
  connectMs: 3_000,
  headersMs: 10_000,
  bodyMs: 10_000,
  totalMs: 15_000,
};
export const DEFAULT_POOL: PoolConfig = {
  connections: 16,
  keepAliveTimeoutMs: 10_000,
  maxResponseBytes: 64 * 1024 * 1024,
};

/** A base URL split into the origin (one Pool each) and the path prefix before the endpoint paths. */
export interface BaseUrl {
  origin: string;
  pathPrefix: string;
}

/** Validates a configured base URL; the error names the setting, never echoes the value's query. */
export function parseBaseUrl(value: string, settingName: string): BaseUrl {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${settingName} is not a valid absolute URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`${settingName} must be an http or https URL`);
  }
  if (url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
    throw new Error(`${settingName} must not carry a query, fragment or credentials`);
  }
  return { origin: url.origin, pathPrefix: url.pathname.replace(/\/+$/, "") };
}

/**
 * Connections to one origin opened before any call needs them (issue 8 §3, cold queries): the first
 * calls after start-up then skip the TCP (and TLS) handshake, and a burst of requests arriving at once
 * does not hold their first call until its connect completes behind the burst's own work. No byte is
 * sent until a call takes the connection. A spare the upstream closes, that receives anything unasked
 * or that nobody took within `lifetimeMs` (the pool's keep-alive time) is dropped.
 */
class SpareConnections {
  private readonly spare = new Set<Socket>();
  private closed = false;

  constructor(
    private readonly open: buildConnector.connector,
    private readonly lifetimeMs: number,
  ) {}

  /** The Pool's connector: a spare while one is usable, else a new connection. */
  readonly connect: buildConnector.connector = (options, callback) => {
    for (const socket of this.spare) {
      this.release(socket);
      if (socket.destroyed || socket.readyState !== "open" || socket.readableLength > 0) {
        socket.destroy();
        continue;
      }
      // Asynchronously, as a new connection would be: the Pool does not expect its callback re-entered.
      queueMicrotask(() => callback(null, socket));
      return;
    }
    this.open(options, callback);
  };

  /** Opens `count` spares to `origin`; failures are only spares not had. */
  fill(origin: string, count: number): void {
    const url = new URL(origin);
    const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
    for (let i = 0; i < count; i++) {
      this.open({ hostname, host: url.host, protocol: url.protocol, port: url.port }, (error, socket) => {
        if (error !== null) return;
        if (this.closed) {
          socket.destroy();
          return;
        }
        this.keep(socket as Socket);
      });
    }
  }

  private keep(socket: Socket): void {
    const drop = () => {
      this.release(socket);
      socket.destroy();
    };
    const timer = setTimeout(drop, this.lifetimeMs);
    timer.unref();
    // Anything readable on a connection nobody asked on (a 408, an end) makes it unfit for a call.
    socket.on("readable", drop).on("end", drop).on("error", drop).on("close", drop);
    socket.unref();
    this.spare.add(socket);
    this.cleanup.set(socket, () => {
      clearTimeout(timer);
      socket.off("readable", drop).off("end", drop).off("error", drop).off("close", drop);
      socket.ref();
    });
  }

  private readonly cleanup = new Map<Socket, () => void>();

  private release(socket: Socket): void {
    this.spare.delete(socket);
    this.cleanup.get(socket)?.();
    this.cleanup.delete(socket);
  }

  close(): void {
    this.closed = true;
    for (const socket of [...this.spare]) {
      this.release(socket);
      socket.destroy();
    }
  }
}

/**
 * Hands out one Pool per origin, created on first use. An injected dispatcher (a MockAgent, an Agent, a
 * test Pool) is used for every origin instead and is not closed by `close()`: its owner closes it.
 */
export class OriginPools {
  private readonly pools = new Map<string, { pool: Pool; spares: SpareConnections }>();

  constructor(
    private readonly poolConfig: PoolConfig,
    private readonly timeouts: HttpTimeouts,
    private readonly injected?: Dispatcher,
  ) {}

  private entry(origin: string): { pool: Pool; spares: SpareConnections } {
    let entry = this.pools.get(origin);
    if (!entry) {
      const spares = new SpareConnections(
        buildConnector({ timeout: this.timeouts.connectMs }),
        this.poolConfig.keepAliveTimeoutMs,
      );
      const pool = new Pool(origin, {
        connections: this.poolConfig.connections,
        connect: spares.connect,
        headersTimeout: this.timeouts.headersMs,
        bodyTimeout: this.timeouts.bodyMs,
        keepAliveTimeout: this.poolConfig.keepAliveTimeoutMs,
        maxResponseSize: this.poolConfig.maxResponseBytes,
      });
      entry = { pool, spares };
      this.pools.set(origin, entry);
    }
    return entry;
  }

  get(origin: string): Dispatcher {
    return this.injected ?? this.entry(origin).pool;
  }

  /**
   * Opens `count` connections to `origin` now (at most the pool's size), for the first calls to take;
   * nothing with an injected dispatcher.
   */
  preconnect(origin: string, count: number): void {
    if (this.injected) return;
    this.entry(origin).spares.fill(origin, Math.min(count, this.poolConfig.connections));
  }

  async close(): Promise<void> {
    const entries = [...this.pools.values()];
    this.pools.clear();
    for (const { spares } of entries) spares.close();
    await Promise.all(entries.map(({ pool }) => pool.close()));
  }
}

export interface HttpRequest {
  origin: string;
  /** Path and query; never logged or put in a message. */
  path: string;
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
}

export interface HttpCallContext {
  upstream: UpstreamName;
  endpoint: string;
  /** Absolute Date.now() deadline of this attempt. */
  deadline: number;
  signal?: AbortSignal;
  timeouts: HttpTimeouts;
  /**
   * True for calls with side effects: a failure after the request may have left is then flagged
   * `ambiguous`, and undici is told the request is not idempotent.
   */
  mutation: boolean;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** Network error codes that prove the request never left: the outcome is not ambiguous. */
const NOT_SENT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_DESTROYED",
  "UND_ERR_CLOSED",
]);

function errorCode(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string") return code;
  // undici wraps some socket failures; the cause carries the system code.
  const cause = (err as { cause?: unknown }).cause;
  return cause !== err ? errorCode(cause) : undefined;
}

function networkError(
  ctx: Pick<HttpCallContext, "upstream" | "endpoint" | "mutation">,
  kind: UpstreamErrorKind,
  what: string,
  maybeSent: boolean,
  gatewaySide = false,
  cancelled = false,
): UpstreamError {
  return new UpstreamError(`${ctx.upstream} ${ctx.endpoint}: ${what}`, {
    upstream: ctx.upstream,
    kind,
    endpoint: ctx.endpoint,
    ambiguous: ctx.mutation && maybeSent,
    gatewaySide,
    cancelled,
  });
}

/** Classifies a failure of undici (or of our own abort) without ever reading its message. */
function classifyFailure(
  err: unknown,
  ctx: HttpCallContext,
  deadlineHit: boolean,
  callerAborted: boolean,
): UpstreamError {
  if (callerAborted) return networkError(ctx, "timeout", "call cancelled by the caller", true, true, true);
  if (deadlineHit) return networkError(ctx, "timeout", "no answer before the deadline", true);
  const code = errorCode(err);
  switch (code) {
    case "UND_ERR_CONNECT_TIMEOUT":
      return networkError(ctx, "timeout", "connect timed out", false);
    case "UND_ERR_HEADERS_TIMEOUT":
      return networkError(ctx, "timeout", "no response headers in time", true);
    case "UND_ERR_BODY_TIMEOUT":
      return networkError(ctx, "timeout", "response body stalled", true);
    case "UND_ERR_RES_EXCEEDED_MAX_SIZE":
      return networkError(ctx, "bad_response", "response body too large", true);
    case "HPE_INVALID_CONSTANT":
    case "HPE_INVALID_STATUS":
    case "HPE_INVALID_HEADER_TOKEN":
      return networkError(ctx, "bad_response", "response is not valid HTTP", true);
    default:
      if (code !== undefined && NOT_SENT_CODES.has(code)) {
        return networkError(ctx, "unavailable", "connection failed", false);
      }
      // Reset, closed socket, truncated body and anything unknown: the request may have been processed.
      return networkError(ctx, "unavailable", "connection lost", true);
  }
}

/**
 * Sends one request and reads the whole body as text, within the attempt's deadline. Any HTTP status is
 * returned (the clients judge statuses and envelopes); only network-level failures throw.
 */
export async function sendHttp(
  dispatcher: Dispatcher,
  req: HttpRequest,
  ctx: HttpCallContext,
): Promise<HttpResponse> {
  const remaining = ctx.deadline - Date.now();
  if (ctx.signal?.aborted)
    throw networkError(ctx, "timeout", "call cancelled by the caller", false, true, true);
  if (remaining <= 0) throw networkError(ctx, "timeout", "deadline passed before sending", false, true);

  // One abort covers connect, headers and body: per-phase timeouts alone would let a slow trickle outlive
  // the deadline.
  const deadlineController = new AbortController();
  const timer = setTimeout(() => deadlineController.abort(), remaining);
  const signal = ctx.signal
    ? AbortSignal.any([ctx.signal, deadlineController.signal])
    : deadlineController.signal;
  let body: Dispatcher.ResponseData["body"] | undefined;
  try {
    const res = await dispatcher.request({
      origin: req.origin,
      path: req.path,
      method: req.method,
      headers: req.headers,
      body: req.body ?? null,
      signal,
      idempotent: !ctx.mutation,
      headersTimeout: Math.min(ctx.timeouts.headersMs, remaining),
      bodyTimeout: Math.min(ctx.timeouts.bodyMs, remaining),
    });
    body = res.body;
    const text = await bodyText(res.body, ctx);
    return { status: res.statusCode, headers: res.headers, text };
  } catch (err) {
    if (body && !body.destroyed) body.destroy();
    if (err instanceof UpstreamError) throw err;
    throw classifyFailure(err, ctx, deadlineController.signal.aborted, ctx.signal?.aborted ?? false);
  } finally {
    clearTimeout(timer);
  }
}

type AnswerContext = Pick<HttpCallContext, "upstream" | "endpoint" | "deadline" | "signal" | "mutation">;

/**
 * A read's answer that waited for its turn (lib/cooperate.ts) past the call's deadline, or until every
 * request that wanted it had gone, is dropped before any decoding: under a CPU backlog the turns are
 * taken first come, first served, and decoding answers nobody can use any more kept the requests behind
 * them waiting far past their own deadlines (the naive baseline's 200 per-key scans left requests
 * unanswered after 30 s against a 10 s deadline). The gateway's own failure, not the upstream's
 * (`gatewaySide`: circuits stay closed). A mutation's answer is always read: it says what happened.
 */
function abandonIfTooLate(ctx: AnswerContext): void {
  if (ctx.mutation) return;
  if (ctx.signal?.aborted)
    throw networkError(ctx, "timeout", "call cancelled by the caller", false, true, true);
  if (Date.now() >= ctx.deadline) {
    throw networkError(ctx, "timeout", "deadline passed while the answer waited to be decoded", false, true);
  }
}

/**
 * A turn of the event loop with budget left to decode a read's answer in (lib/cooperate.ts), the
 * answer dropped then if it came too late (abandonIfTooLate): every decoding step of an answer waits so.
 */
export async function turnToDecode(ctx: AnswerContext): Promise<void> {
  await takeTurn();
  abandonIfTooLate(ctx);
}

/**
 * The body as text (UTF-8, a leading byte-order mark dropped, as undici's own `text()` does), each chunk
 * decoded as it arrives, and the answer then let on in a turn of the event loop with budget left
 * (lib/cooperate.ts). `text()` decoded a 1.2 MB Bridge page (5-15 ms here) in the I/O callback that
 * ended it, so pages answered together were decoded back to back in one poll phase. Collecting the
 * chunks and decoding them together after the last one cost a 1.2 MB `Buffer.concat` per page on top:
 * fresh memory, whose page faults are expensive on this machine (README "Event loop and cold path").
 * Decoded chunk by chunk (~64 KB, well under a millisecond each), the text is built while the rest of
 * the page is still on its way, and only the string itself is ever whole (flattened once, by the parse):
 * a cold profile page, 5 alternated runs, 299–423 → 244–277 ms.
 */
async function bodyText(body: Dispatcher.ResponseData["body"], ctx: HttpCallContext): Promise<string> {
  const decoder = new StringDecoder("utf8");
  let text = "";
  for await (const chunk of body) text += decoder.write(chunk as Buffer);
  text += decoder.end();
  if (text === "") return "";
  await turnToDecode(ctx);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * What a client hands `parseJsonLosslessInTurns` to look at the native parse of a 2xx answer first: the
 * page's hint (total, row count), taken by `extract` and passed to `onHint`, so that a scan can ask for its
 * next pages before this one is decoded. Nothing for an error status or a caller that wants no hint.
 */
export function hintPeek<H>(
  onHint: ((hint: H) => void) | undefined,
  status: number,
  extract: (plain: unknown) => H | undefined,
): ((plain: unknown) => void) | undefined {
  if (onHint === undefined || status < 200 || status >= 300) return undefined;
  return (plain) => {
    const hint = extract(plain);
    if (hint !== undefined) onHint(hint);
  };
}

/**
 * A page's hint from the native parse of its envelope's `data` (numbers still doubles): the total and how
 * many rows `rowsKey` holds; undefined unless both are plainly there (a non-negative safe integer total).
 */
export function pageCounts(data: unknown, rowsKey: string): { total: number; received: number } | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const page = data as Record<string, unknown>;
  const rows = page[rowsKey];
  const total = page.total;
  if (!Array.isArray(rows) || typeof total !== "number" || !Number.isSafeInteger(total) || total < 0)
    return undefined;
  return { total, received: rows.length };
}

/** First value of a response header, if any. */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  if (Array.isArray(v)) return v[0];
  return v;
}

/**
 * Retry-After in ms: delta-seconds or an HTTP date; undefined when absent or unreadable.
 * `nowMs` is injectable for tests.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/*
 * Lossless JSON value helpers shared by both decoders. Values come from parseJsonLossless: numbers are
 * LosslessNumbers holding their exact source text.
 */

/** A shape problem in an upstream answer; the client turns it into a bad_response. */
export class DecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DecodeError";
  }
}

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !isLosslessNumber(value);
}

/**
 * Exact source text of a JSON number (or of a numeric string, which some Jackson setups write): always a
 * valid JSON number text (a LosslessNumber holds one by construction; a string is checked).
 */
export function numberText(value: unknown): string | undefined {
  if (isLosslessNumber(value)) return value.value;
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  return isJsonNumberText(text) ? text : undefined;
}

const SHORT_CANONICAL_INTEGER = /^(?:0|-?[1-9]\d{0,14})$/;
const INT64_MIN = new Big("-9223372036854775808");
const INT64_MAX = new Big("9223372036854775807");

/**
 * Canonical decimal text of a Java Long written in any JSON number form ("39", "39.0", "3.9E+1"), or
 * undefined when it is not an exact integer within int64: a fraction or an out-of-range value is a
 * corrupted id, never something to round.
 */
export function int64Text(value: unknown): string | undefined {
  const text = numberText(value);
  if (text === undefined) return undefined;
  // Most ids, codes and epoch-ms times: already canonical, far inside int64; no BigInt needed.
  if (SHORT_CANONICAL_INTEGER.test(text)) return text;
  const plain = canonicalInteger(text);
  if (plain !== null) {
    return BigInt(plain) >= -(2n ** 63n) && BigInt(plain) < 2n ** 63n ? plain : undefined;
  }
  const d = decimalFromJsonText(text);
  if (d === null || d.lt(INT64_MIN) || d.gt(INT64_MAX) || !d.round(0, Big.roundDown).eq(d)) return undefined;
  return canonicalInteger(d.toFixed(0)) ?? undefined;
}

/** A JSON integer that fits a JS number exactly (totals, page numbers, enum codes, epoch ms). */
export function safeInteger(value: unknown): number | undefined {
  const text = int64Text(value);
  if (text === undefined) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

export function describeJsonType(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "absent";
  if (isLosslessNumber(value)) return "number";
  if (Array.isArray(value)) return "array";
  return typeof value;
}
