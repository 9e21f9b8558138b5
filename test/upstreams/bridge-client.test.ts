import { generateKeyPairSync } from "node:crypto";
import { BridgeClient, type BridgeClientConfig, type RateLimitInfo } from "../../src/upstreams/bridge/client";
import type { BridgeCustomerRecord } from "../../src/upstreams/bridge/types";
import { scanAll, type FetchPage } from "../../src/upstreams/reads/page-scan";
import { startSimulators, type Simulators } from "../../src/simulators";
import { FailureCollector } from "../support/failures";

/** The Bridge client against the real simulator over loopback HTTP. */
let sims: Simulators;
let client: BridgeClient;
const collector = new FailureCollector();
const errors = collector.errors;
const failure = (p: Promise<unknown>) => collector.failure(p);
const fast = { connectMs: 500, headersMs: 300, bodyMs: 300, totalMs: 3000 };
const retry = { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 };

function config(over: Partial<BridgeClientConfig> = {}): BridgeClientConfig {
  return {
    baseUrl: sims.bridge.baseUrl,
    companyId: sims.bridge.companyId,
    apiKey: sims.bridge.apiKey,
    secretKey: sims.bridge.secretKey,
    signScheme: sims.bridge.scheme,
    timeouts: fast,
    retry,
    ...over,
  };
}

beforeAll(async () => {
  sims = await startSimulators({
    dataset: { agentCustomers: 60, seed: 3 },
    bridge: { rateLimitPerMinute: 0 },
  });
  client = new BridgeClient(config());
});

afterAll(async () => {
  await client.close();
  await sims.close();
});

beforeEach(() => {
  sims.bridge.faults.clear();
  sims.bridge.log.reset();
  sims.bridge.rateLimitPerMinute = 0;
  sims.bridge.resetRateLimit();
});

describe("pageCustomers", () => {
  it("signs with rsa-sha1, decodes every record exactly and sends the documented body", async () => {
    const page = await client.pageCustomers({ current: 1, size: 2000 });
    expect(page.total).toBe(sims.bridge.records.length);
    expect(page.records).toHaveLength(sims.bridge.records.length);
    expect(page.receivedCount).toBe(sims.bridge.records.length);
    page.records.forEach((rec, i) => {
      const raw = sims.bridge.records[i];
      expect(rec.id).toBe(BigInt(raw.id).toString());
      for (const [name, text] of Object.entries(raw)) {
        const expected = text === "null" ? null : text.startsWith('"') ? (JSON.parse(text) as string) : text;
        expect(rec.rawText[name]).toBe(expected);
      }
    });
    expect(sims.bridge.log.calls[0]).toMatchObject({
      endpoint: "customer.page",
      status: 200,
      code: "0",
      params: { current: 1, size: 2000 },
    });
  });

  it("keeps only exact customerNo matches when the upstream filter is wider", async () => {
    const env = (records: string[]) =>
      `{"code":"0","ok":true,"fail":false,"msg":"success","data":{"current":1,"size":20,"total":3,"records":[${records.join(",")}]}}`;
    sims.bridge.faults.set("customer.page", {
      kind: "http",
      status: 200,
      body: env([
        '{"id":1,"customerNo":"8600130"}',
        '{"id":2,"customerNo":"86001308"}',
        '{"id":3,"customerNo":"860013080"}',
      ]),
    });
    const page = await client.pageCustomers({ current: 1, size: 20, customerNo: "86001308" });
    expect(page.records.map((r) => r.id)).toEqual(["2"]);
    expect(page.receivedCount).toBe(3);
    expect(page.total).toBe(3);
  });

  it("the simulator's exact filter and the client agree on the planted prefix customerNo", async () => {
    const page = await client.pageCustomers({ current: 1, size: 50, customerNo: "8600130" });
    expect(page.records.length).toBeGreaterThan(0);
    for (const r of page.records) expect(r.customerNo).toBe("8600130");
  });

  it("carries a fresh trace per call, derived from the request id when given", async () => {
    await client.pageCustomers({ current: 1, size: 1 }, { tracePrefix: "req-42" });
    await client.pageCustomers({ current: 1, size: 1 }, { tracePrefix: "req-42" });
    await client.pageCustomers({ current: 1, size: 1 });
    const traces = sims.bridge.log.calls.map((c) => c.trace ?? "");
    expect(traces[0]).toMatch(/^req-42-.+/);
    expect(traces[1]).toMatch(/^req-42-.+/);
    expect(traces[0]).not.toBe(traces[1]);
    expect(traces[2]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("scans every record with the page scanner", async () => {
    const fetchPage: FetchPage<BridgeCustomerRecord> = async (current, size) => {
      const p = await client.pageCustomers({ current, size });
      return { rows: p.records, total: p.total, received: p.receivedCount };
    };
    const ids: string[] = [];
    for await (const chunk of scanAll(fetchPage, {
      upstream: "bridge",
      endpoint: "customer.page",
      pageSize: 7,
      keyOf: (r) => r.id,
    })) {
      ids.push(...chunk.rows.map((r) => r.id));
    }
    expect(ids).toEqual(sims.bridge.records.map((r) => BigInt(r.id).toString()));
    expect(sims.bridge.log.count("customer.page")).toBe(Math.ceil(sims.bridge.records.length / 7));
  });
});

describe("hmac-sha256 scheme", () => {
  it("is accepted by a simulator configured for it", async () => {
    const hsims = await startSimulators({
      dataset: { agentCustomers: 5 },
      bridge: { scheme: "hmac-sha256", rateLimitPerMinute: 0 },
    });
    const h = new BridgeClient({
      baseUrl: hsims.bridge.baseUrl,
      companyId: hsims.bridge.companyId,
      apiKey: hsims.bridge.apiKey,
      secretKey: hsims.bridge.secretKey,
      signScheme: "hmac-sha256",
      timeouts: fast,
    });
    try {
      const page = await h.pageCustomers({ current: 1, size: 3, customerNo: "86001308" });
      expect(page.total).toBeGreaterThanOrEqual(0);
      expect(hsims.bridge.log.calls[0]).toMatchObject({ status: 200, code: "0" });
      const wrong = new BridgeClient({
        ...config(),
        baseUrl: hsims.bridge.baseUrl,
        companyId: hsims.bridge.companyId,
        apiKey: hsims.bridge.apiKey,
        secretKey: "not-the-secret",
        signScheme: "hmac-sha256",
      });
      expect(await failure(wrong.pageCustomers({ current: 1, size: 1 }))).toMatchObject({
        kind: "auth_failed",
        upstreamCode: "00012001",
      });
      await wrong.close();
    } finally {
      await h.close();
      await hsims.close();
    }
  });
});

describe("errors", () => {
  it("a wrong RSA key is auth_failed (00012001), not retried", async () => {
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 })
      .privateKey.export({ format: "der", type: "pkcs8" })
      .toString("base64");
    const wrong = new BridgeClient(config({ secretKey: other }));
    const err = await failure(wrong.pageCustomers({ current: 1, size: 1 }));
    await wrong.close();
    expect(err).toMatchObject({ kind: "auth_failed", upstreamCode: "00012001", httpStatus: 200 });
    expect(sims.bridge.log.count("customer.page")).toBe(1);
  });

  it("an unknown apiKey is auth_failed (00012003)", async () => {
    const wrong = new BridgeClient(config({ apiKey: "ak_unknown" }));
    expect(await failure(wrong.pageCustomers({ current: 1, size: 1 }))).toMatchObject({
      kind: "auth_failed",
      upstreamCode: "00012003",
    });
    await wrong.close();
  });

  it("a skewed clock is auth_failed (00012002): retrying would only repeat the skew", async () => {
    const skewed = new BridgeClient(config({ now: () => Date.now() - 60_000 }));
    expect(await failure(skewed.pageCustomers({ current: 1, size: 1 }))).toMatchObject({
      kind: "auth_failed",
      upstreamCode: "00012002",
    });
    await skewed.close();
    expect(sims.bridge.log.count("customer.page")).toBe(1);
  });

  it("429 is rate_limited with retryAfterMs, not retried when the wait exceeds the deadline, never reaching 418", async () => {
    const seen: RateLimitInfo[] = [];
    const limited = new BridgeClient(config({ onRateLimitHeaders: (i) => seen.push(i) }));
    sims.bridge.rateLimitPerMinute = 2;
    await limited.pageCustomers({ current: 1, size: 1 });
    await limited.pageCustomers({ current: 1, size: 1 });
    const err = await failure(limited.pageCustomers({ current: 1, size: 1 }));
    await limited.close();
    expect(err).toMatchObject({ kind: "rate_limited", httpStatus: 429, upstreamCode: "GGATEWAY_CODE_018" });
    expect(err.retryAfterMs).toBeGreaterThan(1000);
    expect(sims.bridge.log.count("customer.page")).toBe(3);
    expect(sims.bridge.rateLimitStats).toEqual({ tooMany429: 1, banned418: 0 });
    expect(seen[0]).toMatchObject({ limit: 2, remaining: 1, banned: false });
    expect(seen[2]).toMatchObject({ httpStatus: 429, remaining: 0 });
  });

  it("418 is rate_limited and never retried", async () => {
    sims.bridge.faults.set("customer.page", { kind: "http", status: 418, body: "{}" });
    const err = await failure(client.pageCustomers({ current: 1, size: 1 }));
    expect(err).toMatchObject({ kind: "rate_limited", httpStatus: 418, retryAfterMs: 300_000 });
    expect(sims.bridge.log.count("customer.page")).toBe(1);
  });

  it("a 429 whose Retry-After fits the deadline is retried once the wait is over", async () => {
    sims.bridge.faults.set(
      "customer.page",
      { kind: "http", status: 429, body: "{}", headers: { "retry-after": "0.2" } },
      1,
    );
    const page = await client.pageCustomers({ current: 1, size: 1 });
    expect(page.records).toHaveLength(1);
    expect(sims.bridge.log.calls.map((c) => c.status)).toEqual([429, 200]);
    expect(sims.bridge.log.calls[1].at - sims.bridge.log.calls[0].at).toBeGreaterThanOrEqual(190);
  });

  it("403 (WAF) is unavailable, not retried", async () => {
    sims.bridge.faults.set("customer.page", { kind: "http", status: 403 });
    expect(await failure(client.pageCustomers({ current: 1, size: 1 }))).toMatchObject({
      kind: "unavailable",
      httpStatus: 403,
    });
    expect(sims.bridge.log.count("customer.page")).toBe(1);
  });

  it("404 is bad_response", async () => {
    const lost = new BridgeClient(config({ baseUrl: sims.bridge.baseUrl + "/nowhere" }));
    expect(await failure(lost.pageCustomers({ current: 1, size: 1 }))).toMatchObject({
      kind: "bad_response",
      httpStatus: 404,
    });
    await lost.close();
  });

  it("HTTP 500 and G500 in a 200 are unavailable and retried", async () => {
    sims.bridge.faults.set("customer.page", { kind: "http", status: 500 }, 1);
    expect((await client.pageCustomers({ current: 1, size: 1 })).records).toHaveLength(1);
    sims.bridge.faults.set("customer.page", { kind: "envelope", code: "G500" });
    expect(await failure(client.pageCustomers({ current: 1, size: 1 }))).toMatchObject({
      kind: "unavailable",
      upstreamCode: "G500",
    });
    expect(sims.bridge.log.count("customer.page")).toBe(2 + 3);
  });

  it("GGATEWAY_CODE_018 in a 200 is rate_limited; an unknown code is rejected", async () => {
    sims.bridge.faults.set("customer.page", { kind: "envelope", code: "GGATEWAY_CODE_018" }, 1);
    expect(await failure(client.pageCustomers({ current: 1, size: 1 }))).toMatchObject({
      kind: "rate_limited",
    });
    sims.bridge.faults.set("customer.page", { kind: "envelope", code: "00099999", msg: "nope" }, 1);
    expect(await failure(client.pageCustomers({ current: 1, size: 1 }))).toMatchObject({
      kind: "rejected",
      upstreamMessage: "nope",
    });
  });

  it("malformed JSON and an ok/fail contradiction are bad_response", async () => {
    sims.bridge.faults.set("customer.page", { kind: "malformed" }, 1);
    expect(await failure(client.pageCustomers({ current: 1, size: 1 }))).toMatchObject({
      kind: "bad_response",
    });
    sims.bridge.faults.set("customer.page", {
      kind: "http",
      status: 200,
      body: '{"code":"0","ok":false,"fail":true,"data":{"current":1,"size":1,"total":0,"records":[]}}',
    });
    expect(await failure(client.pageCustomers({ current: 1, size: 1 }))).toMatchObject({
      kind: "bad_response",
    });
    expect(sims.bridge.log.count("customer.page")).toBe(2);
  });

  it("reset is unavailable and hang is timeout, both retried within the deadline", async () => {
    sims.bridge.faults.set("customer.page", { kind: "reset" });
    expect(await failure(client.pageCustomers({ current: 1, size: 1 }))).toMatchObject({
      kind: "unavailable",
    });
    expect(sims.bridge.log.count("customer.page")).toBe(3);
    sims.bridge.log.reset();
    sims.bridge.faults.set("customer.page", { kind: "hang" });
    const started = Date.now();
    expect(
      await failure(client.pageCustomers({ current: 1, size: 1 }, { deadline: Date.now() + 800 })),
    ).toMatchObject({ kind: "timeout" });
    expect(Date.now() - started).toBeLessThan(1100);
  });

  it("beforeCall runs before every attempt and can refuse the call", async () => {
    const attempts: number[] = [];
    const hooked = new BridgeClient(config({ beforeCall: async (i) => void attempts.push(i.attempt) }));
    sims.bridge.faults.set("customer.page", { kind: "http", status: 502 }, 1);
    await hooked.pageCustomers({ current: 1, size: 1 });
    expect(attempts).toEqual([1, 2]);
    await hooked.close();
  });
});

describe("secrets", () => {
  it("no error carries the apiKey, secret, a signature or a URL", async () => {
    sims.bridge.log.reset();
    const secrets = [sims.bridge.apiKey, sims.bridge.secretKey, sims.bridge.baseUrl, "127.0.0.1", "http://"];
    expect(errors.length).toBeGreaterThan(10);
    for (const err of errors) {
      const shown = [
        err.message,
        String(err),
        err.stack ?? "",
        JSON.stringify(err),
        err.upstreamMessage ?? "",
      ].join("\n");
      for (const s of secrets) expect(shown).not.toContain(s);
      expect(shown).not.toMatch(/[A-Za-z0-9+/]{100,}={0,2}/); // no Base64 signature
    }
  });

  it("a bad secret key is a start-up error naming BRIDGE_SECRET_KEY only", () => {
    expect(() => new BridgeClient(config({ secretKey: "c2VjcmV0LXZhbHVl", signScheme: "rsa-sha1" }))).toThrow(
      /^BRIDGE_SECRET_KEY/,
    );
    try {
      new BridgeClient(config({ secretKey: "c2VjcmV0LXZhbHVl", signScheme: "rsa-sha1" }));
    } catch (e) {
      expect(String(e)).not.toContain("c2VjcmV0LXZhbHVl");
    }
  });
});
