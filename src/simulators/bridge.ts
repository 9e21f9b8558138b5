import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { isLosslessNumber, parseJsonLossless } from "../lib/json";
import { generateDataset, jsonText, type Dataset } from "./dataset";
import { CallRecorder, FaultRules } from "./faults";
import { applyFault, Exchange, readBody, SimRuntime, type FaultBodies } from "./http";
import { canonicalString, createVerifier, type SignatureVerifier } from "./signature";
import type { BridgeSimulator, SimBridgeRecord, SimulatorOptions } from "./types";

const BASE_PATH = "/webhook";
const PAGE_BIZ_TYPE = "customer.admin.WhiteCustomerAdminApiService.page";
const REQUIRED_HEADERS = ["companyid", "trace", "apikey", "signature", "version", "timestamp"] as const;
const MAX_PAGE_SIZE = 2000;
const WINDOW_MS = 60_000;
const BAN_STEP_MS = 5 * 60_000;

/** The platform's error envelope: `code` is a string, `ok`/`fail` opposite, `data` null. */
function errorEnvelope(code: string, msg: string, trace: string | undefined, now: number): string {
  return `{"bizCode":null,"code":${JSON.stringify(code)},"data":null,"fail":true,"msg":${JSON.stringify(msg)},"msgParams":null,"ok":false,"tm":${now},"trace":${jsonText(trace ?? null)}}`;
}

interface KeyState {
  calls: number[];
  /** After a 429: until when the window stays full; a call before then gets the key banned. */
  limitedUntil: number;
  bannedUntil: number;
  bans: number;
}

type RateDecision = { status: 200 | 429 | 418; headers: Record<string, string> };

/** Per API key sliding 60 s window; continuing after a 429 bans the key for 5, then 10, 15... minutes. */
class RateLimiter {
  private readonly keys = new Map<string, KeyState>();
  readonly stats = { tooMany429: 0, banned418: 0 };

  constructor(
    public limit: number,
    private readonly now: () => number,
  ) {}

  reset(): void {
    this.keys.clear();
    this.stats.tooMany429 = 0;
    this.stats.banned418 = 0;
  }

  check(apiKey: string): RateDecision {
    if (this.limit <= 0) return { status: 200, headers: {} };
    const now = this.now();
    let s = this.keys.get(apiKey);
    if (s === undefined) {
      s = { calls: [], limitedUntil: 0, bannedUntil: 0, bans: 0 };
      this.keys.set(apiKey, s);
    }
    while (s.calls.length > 0 && s.calls[0] <= now - WINDOW_MS) s.calls.shift();
    const seconds = (until: number) => String(Math.max(1, Math.ceil((until - now) / 1000)));
    const headers = (remaining: number, resetAt: number): Record<string, string> => ({
      "x-ratelimit-limit": String(this.limit),
      "x-ratelimit-remairing": String(remaining), // sic: the platform's spelling
      "x-ratelimit-reset": seconds(resetAt),
    });
    if (s.bannedUntil > now || s.limitedUntil > now) {
      if (s.bannedUntil <= now) {
        s.bans += 1;
        s.bannedUntil = now + BAN_STEP_MS * s.bans;
        s.limitedUntil = 0;
      }
      this.stats.banned418 += 1;
      return {
        status: 418,
        headers: { ...headers(0, s.bannedUntil), "retry-after": seconds(s.bannedUntil) },
      };
    }
    if (s.calls.length >= this.limit) {
      s.limitedUntil = s.calls[0] + WINDOW_MS;
      this.stats.tooMany429 += 1;
      return {
        status: 429,
        headers: { ...headers(0, s.limitedUntil), "retry-after": seconds(s.limitedUntil) },
      };
    }
    s.calls.push(now);
    return { status: 200, headers: headers(this.limit - s.calls.length, s.calls[0] + WINDOW_MS) };
  }
}

/** current/size as Jackson binds a Long: a JSON integer or a numeric string; absent or null = default. */
function pageParam(value: unknown, fallback: number): number | null {
  if (value === undefined || value === null) return fallback;
  const text = isLosslessNumber(value) ? value.toString() : typeof value === "string" ? value.trim() : "";
  return /^-?\d{1,15}$/.test(text) ? Number(text) : null;
}

class BridgeSim implements BridgeSimulator {
  baseUrl = "";
  readonly companyId: string;
  readonly apiKey: string;
  readonly faults = new FaultRules();
  readonly log = new CallRecorder();
  readonly records: SimBridgeRecord[];
  readonly runtime: SimRuntime;
  private readonly verifier: SignatureVerifier;
  private readonly limiter: RateLimiter;
  private readonly bodies: FaultBodies;

  constructor(
    options: SimulatorOptions,
    dataset: Dataset,
    private readonly now: () => number,
  ) {
    const bridge = options.bridge ?? {};
    this.companyId = bridge.companyId ?? "1001";
    this.apiKey = bridge.apiKey ?? `ak_${randomBytes(12).toString("hex")}`;
    this.verifier = createVerifier(
      bridge.scheme ?? "rsa-sha1",
      bridge.secretKey,
      randomBytes(24).toString("hex"),
    );
    this.limiter = new RateLimiter(bridge.rateLimitPerMinute ?? 100, now);
    this.records = dataset.bridgeRecords;
    this.runtime = new SimRuntime(options.latencyMs ?? 0);
    this.bodies = {
      envelope: (code, msg) => errorEnvelope(code, msg ?? "error", undefined, this.now()),
      // A 403 comes from the platform's WAF, which answers with its own HTML page, not the envelope.
      httpError: (status) =>
        status === 403
          ? "<html><head><title>403 Forbidden</title></head><body>Request blocked by WAF</body></html>"
          : errorEnvelope(`G${status}`, `HTTP ${status}`, undefined, this.now()),
      malformed: '{"bizCode":null,"code":"0","data":{"current":1,"records":[{"id":',
    };
  }

  get secretKey(): string {
    return this.verifier.secretKey;
  }

  get scheme(): "rsa-sha1" | "hmac-sha256" {
    return this.verifier.scheme;
  }

  get rateLimitPerMinute(): number {
    return this.limiter.limit;
  }

  set rateLimitPerMinute(limit: number) {
    this.limiter.limit = limit;
  }

  get rateLimitStats(): { tooMany429: number; banned418: number } {
    return this.limiter.stats;
  }

  get latencyMs(): number {
    return this.runtime.latencyMs;
  }

  set latencyMs(ms: number) {
    this.runtime.latencyMs = ms;
  }

  resetRateLimit(): void {
    this.limiter.reset();
  }

  addRecord(fields: Record<string, unknown>): SimBridgeRecord {
    const record: SimBridgeRecord = {};
    for (const [name, value] of Object.entries(fields)) record[name] = jsonText(value);
    if (record.id === undefined) {
      let max = 0n;
      for (const r of this.records) {
        const id = r.id === undefined || r.id === "null" ? 0n : BigInt(r.id);
        if (id < 2n ** 50n && id > max) max = id;
      }
      record.id = (max + 1n).toString();
    }
    this.records.push(record);
    return record;
  }

  close(): Promise<void> {
    return this.runtime.close();
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await readBody(req);
    const path = new URL(req.url ?? "/", "http://simulator").pathname;
    const endpoint =
      req.method === "POST" && path === `${BASE_PATH}/global/${PAGE_BIZ_TYPE}` ? "customer.page" : "unknown";
    const header = (name: string): string | undefined => {
      const value = req.headers[name];
      return typeof value === "string" ? value : undefined;
    };
    const trace = header("trace");
    const ex = new Exchange(req, res, this.log, {
      upstream: "bridge",
      endpoint,
      method: req.method ?? "POST",
      params: plainParams(text),
      ...(trace === undefined ? {} : { trace }),
    });
    const fail = (code: string, msg: string, status = 200, headers: Record<string, string> = {}) =>
      ex.send(status, errorEnvelope(code, msg, trace, this.now()), code, headers);

    await this.runtime.sleep(this.runtime.latencyMs);
    if (await applyFault(this.faults.take(endpoint), ex, this.runtime, this.bodies)) return;
    if (endpoint === "unknown") return fail("G404", `no such service: ${path}`, 404);
    const missing = REQUIRED_HEADERS.find((name) => (header(name) ?? "") === "");
    if (missing !== undefined) return fail("GGATEWAY_CODE_009", `missing required header: ${missing}`);

    const rate = this.limiter.check(header("apikey") as string);
    if (rate.status === 429) return fail("GGATEWAY_CODE_018", "too many requests", 429, rate.headers);
    if (rate.status === 418)
      return fail("00012005", "api key banned for too many requests", 418, rate.headers);
    const failHere = (code: string, msg: string) => fail(code, msg, 200, rate.headers);

    // A key of another company is as unknown as a made-up one.
    if (header("apikey") !== this.apiKey || header("companyid") !== this.companyId) {
      return failHere("00012003", "unknown api key");
    }
    const timestamp = header("timestamp") as string;
    const recvWindowText = header("recvwindow") ?? "5000";
    const recvWindow = /^\d{1,6}$/.test(recvWindowText) ? Number(recvWindowText) : Number.NaN;
    const serverTime = this.now();
    const ts = /^\d{1,16}$/.test(timestamp) ? Number(timestamp) : Number.NaN;
    if (!(recvWindow <= 60_000 && serverTime - recvWindow <= ts && ts <= serverTime + 1000)) {
      return failHere("00012002", "request outside the time window");
    }
    let body: unknown;
    try {
      body = text.trim() === "" ? {} : parseJsonLossless(text);
    } catch {
      body = undefined;
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      return failHere("G500", "request body must be a JSON object");
    }
    const fields = body as Record<string, unknown>;
    if (!this.verifier.verify(canonicalString(fields, timestamp), header("signature") as string)) {
      return failHere("00012001", "signature check failed");
    }

    const current = pageParam(fields.current, 1);
    const size = pageParam(fields.size, 20);
    if (current === null || size === null) return failHere("G500", "current and size must be integers");
    this.page(
      ex,
      fields.customerNo,
      Math.max(1, current),
      size < 1 ? 20 : Math.min(size, MAX_PAGE_SIZE),
      rate,
    );
  }

  private page(ex: Exchange, customerNo: unknown, current: number, size: number, rate: RateDecision): void {
    const wanted = isLosslessNumber(customerNo)
      ? customerNo.toString()
      : typeof customerNo === "string" && customerNo.trim() !== ""
        ? customerNo
        : undefined;
    // Exact match on the stored JSON text; a blank customerNo means no filter.
    const quoted = wanted === undefined ? undefined : JSON.stringify(wanted);
    const matching =
      quoted === undefined ? this.records : this.records.filter((r) => r.customerNo === quoted);
    const bytes = bridgePageBytes(matching.slice((current - 1) * size, current * size), {
      current,
      size,
      total: matching.length,
      tm: this.now(),
      trace: ex.call.trace,
    });
    ex.send(200, bytes, "0", rate.headers);
  }
}

/** A record's JSON text as last written, with the names and values it was written from. */
interface WrittenRecord {
  names: string[];
  values: string[];
  text: string;
  /** `text` in UTF-8, made when first needed. */
  bytes?: Buffer;
}

const written = new WeakMap<SimBridgeRecord, WrittenRecord>();

/**
 * One record's JSON text, its members as stored. Kept per record and written again only when a member
 * changed (tests edit records in place): building a 2,000-record page took ~25 ms of the simulator's
 * thread, which the bench's cold scans waited for four pages in a row — time a real Bridge spends on its
 * own machines, not the gateway's.
 */
function writtenRecord(record: SimBridgeRecord): WrittenRecord {
  const names = Object.keys(record);
  const last = written.get(record);
  if (last !== undefined && last.names.length === names.length) {
    let same = true;
    for (let i = 0; i < names.length && same; i++) {
      const name = names[i] as string;
      same = last.names[i] === name && last.values[i] === record[name];
    }
    if (same) return last;
  }
  const values = names.map((name) => record[name] as string);
  const text = `{${names.map((name, i) => `${JSON.stringify(name)}:${values[i]}`).join(",")}}`;
  const made = { names, values, text };
  written.set(record, made);
  return made;
}

function recordText(record: SimBridgeRecord): string {
  return writtenRecord(record).text;
}

/** The record's text in UTF-8, kept with it (encoding a 1.2 MB page took ~6-10 ms of the simulator's thread). */
function recordBytes(record: SimBridgeRecord): Buffer {
  const w = writtenRecord(record);
  w.bytes ??= Buffer.from(w.text, "utf8");
  return w.bytes;
}

const COMMA = Buffer.from(",");

/** The answer text of a customer page (also what the decode benchmark parses). */
export function bridgePageText(
  records: readonly SimBridgeRecord[],
  page: { current: number; size: number; total: number; tm: number; trace?: string },
): string {
  const items = records.map(recordText);
  // Hand-built: int64 ids and times go out as raw JSON numbers, exactly as stored.
  return `{"bizCode":null,"code":"0","data":{"current":${page.current},"records":[${items.join(",")}],"size":${page.size},"total":${page.total}},"fail":false,"msg":"success","msgParams":null,"ok":true,"tm":${page.tm},"trace":${jsonText(page.trace ?? null)}}`;
}

/**
 * The same answer as bridgePageText, as UTF-8 bytes put together from the records' kept bytes: the
 * simulator answers 1.2 MB pages one after another on one thread that the bench shares with the gateway,
 * and a real Bridge spends that time on its own machines.
 */
export function bridgePageBytes(
  records: readonly SimBridgeRecord[],
  page: { current: number; size: number; total: number; tm: number; trace?: string },
): Buffer {
  const parts: Buffer[] = [
    Buffer.from(`{"bizCode":null,"code":"0","data":{"current":${page.current},"records":[`),
  ];
  records.forEach((record, i) => {
    if (i > 0) parts.push(COMMA);
    parts.push(recordBytes(record));
  });
  parts.push(
    Buffer.from(
      `],"size":${page.size},"total":${page.total}},"fail":false,"msg":"success","msgParams":null,"ok":true,"tm":${page.tm},"trace":${jsonText(page.trace ?? null)}}`,
    ),
  );
  return Buffer.concat(parts);
}

/** The call log keeps the body's fields as plain values (numbers as JS numbers are fine for reading). */
function plainParams(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/** The MultiMarkets BRIDGE API: `POST /webhook/global/{bizType}`, signed, time-windowed and rate limited. */
export async function startBridgeSimulator(
  options: SimulatorOptions = {},
  dataset: Dataset = generateDataset(options.dataset, {
    companyId: options.bridge?.companyId,
    linkField: options.bridge?.linkField,
  }),
): Promise<BridgeSimulator> {
  const sim = new BridgeSim(options, dataset, options.now ?? Date.now);
  const server = createServer((req, res) => {
    sim.handle(req, res).catch(() => res.destroy());
  });
  try {
    sim.baseUrl = `${await sim.runtime.listen(server, options.host ?? "127.0.0.1", options.ports?.bridge ?? 0)}${BASE_PATH}`;
  } catch (error) {
    await sim.close();
    throw error;
  }
  return sim;
}
