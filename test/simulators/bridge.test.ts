import { canonicalString, startBridgeSimulator } from "../../src/simulators";
import { parseJsonLossless } from "../../src/lib/json";
import type { BridgeSimulator } from "../../src/simulators/types";
import { callBridge, specCanonical, specSign } from "./bridge-client";

const T = 1_760_000_000_000;

describe("Bridge canonical string (independent signer vs simulator)", () => {
  test.each([
    [
      { size: 20, customerNo: "86001308", current: 1 },
      "{current:1,customerNo:86001308,size:20}1650361143685",
    ],
    [{}, "{}1650361143685"],
    [
      { b: null, a: 'x"y', n: { z: true, y: [1, "s", null] } },
      "{a:x\\y,n:{y:[1,s,null],z:true}}1650361143685",
    ],
  ])("%j", (body, expected) => {
    expect(specCanonical(body, "1650361143685")).toBe(expected);
    // The simulator signs what arrived on the wire, parsed losslessly.
    const wire = parseJsonLossless(JSON.stringify(body)) as Record<string, unknown>;
    expect(canonicalString(wire, "1650361143685")).toBe(expected);
  });
});

describe.each(["rsa-sha1", "hmac-sha256"] as const)("Bridge simulator, %s", (scheme) => {
  let sim: BridgeSimulator;
  let now = T;

  beforeAll(async () => {
    sim = await startBridgeSimulator({
      dataset: { agentCustomers: 40, bridgeProfiles: 60, seed: 3 },
      bridge: { scheme, rateLimitPerMinute: 0 },
      now: () => now,
    });
  });
  afterAll(() => sim.close());
  beforeEach(() => {
    now = T;
    sim.log.reset();
  });

  test("the secret has the scheme's form", () => {
    expect(sim.scheme).toBe(scheme);
    if (scheme === "rsa-sha1") expect(sim.secretKey).toMatch(/^MII[A-Za-z0-9+/]+=*$/);
    else expect(sim.secretKey.length).toBeGreaterThanOrEqual(16);
  });

  test("a signed call answers the success envelope with defaults current 1, size 20 and raw int64s", async () => {
    const answer = await callBridge(sim, { timestamp: T, headers: { trace: "trace-abc" } });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      code: "0",
      ok: true,
      fail: false,
      msg: "success",
      trace: "trace-abc",
    });
    expect(answer.json.data).toMatchObject({ current: 1, size: 20, total: 60 });
    expect(answer.json.data?.records).toHaveLength(20);
    expect(answer.text).toMatch(/^\{"bizCode":null,"code":"0","data":\{"current":1,"records":\[\{/);
    expect(answer.text).toContain('"id":9007199254740995');
    expect(answer.headers.get("x-ratelimit-limit")).toBeNull(); // limit disabled here
    expect(sim.log.calls[0]).toMatchObject({
      upstream: "bridge",
      endpoint: "customer.page",
      method: "POST",
      status: 200,
      code: "0",
      trace: "trace-abc",
    });
  });

  test("a wrong signature is 00012001", async () => {
    const cases = [
      { body: { current: 2 }, signedBody: { current: 1 } },
      { body: {}, headers: { signature: "AAAA" } },
      { body: { current: 1 }, headers: { timestamp: String(T - 1) } }, // signed with T, sent T-1
    ];
    for (const c of cases) {
      const answer = await callBridge(sim, { timestamp: T, ...c });
      expect(answer.status).toBe(200);
      expect(answer.json).toMatchObject({ code: "00012001", ok: false, fail: true, data: null });
    }
  });

  test("each missing required header is GGATEWAY_CODE_009 inside HTTP 200", async () => {
    for (const name of ["companyId", "trace", "apiKey", "signature", "version", "timestamp"]) {
      const answer = await callBridge(sim, { timestamp: T, headers: { [name]: undefined } });
      expect([name, answer.status, answer.json.code, answer.json.ok, answer.json.data]).toEqual([
        name,
        200,
        "GGATEWAY_CODE_009",
        false,
        null,
      ]);
    }
  });

  test("an unknown apiKey (or another company's) is 00012003", async () => {
    for (const headers of [{ apiKey: "nope" }, { companyId: "999" }]) {
      expect((await callBridge(sim, { timestamp: T, headers })).json.code).toBe("00012003");
    }
  });

  test("time window: serverTime - recvWindow <= timestamp <= serverTime + 1000", async () => {
    const codeAt = async (timestamp: number, recvWindow?: string) =>
      (await callBridge(sim, { timestamp, headers: recvWindow === undefined ? {} : { recvWindow } })).json
        .code;
    expect(await codeAt(T - 5000)).toBe("0");
    expect(await codeAt(T - 5001)).toBe("00012002");
    expect(await codeAt(T + 1000)).toBe("0");
    expect(await codeAt(T + 1001)).toBe("00012002");
    expect(await codeAt(T - 30_000, "30000")).toBe("0");
    expect(await codeAt(T - 60_000, "60000")).toBe("0");
    expect(await codeAt(T, "60001")).toBe("00012002");
  });

  test("unknown bizType is an HTTP 404 envelope", async () => {
    const answer = await callBridge(sim, { timestamp: T, bizType: "customer.admin.Other.page" });
    expect(answer.status).toBe(404);
    expect(answer.json).toMatchObject({ ok: false, fail: true, data: null });
    expect(answer.json.code).not.toBe("0");
  });

  test("paging: past the last page is empty, total stays", async () => {
    const last = await callBridge(sim, { timestamp: T, body: { current: 3, size: 25 } });
    expect(last.json.data).toMatchObject({ current: 3, size: 25, total: 60 });
    expect(last.json.data?.records).toHaveLength(10);
    const past = await callBridge(sim, { timestamp: T, body: { current: 4, size: 25 } });
    expect(past.json.data).toMatchObject({ current: 4, size: 25, total: 60, records: [] });
  });

  test("customerNo filter is exact", async () => {
    // The dataset plants "8600130", a prefix of "86001308".
    for (const customerNo of ["8600130", "86001308"]) {
      const answer = await callBridge(sim, { timestamp: T, body: { customerNo, current: 1, size: 20 } });
      expect(answer.json.data?.total).toBe(1);
      expect(answer.json.data?.records.map((r) => r.customerNo)).toEqual([customerNo]);
    }
    const none = await callBridge(sim, { timestamp: T, body: { customerNo: "860013" } });
    expect(none.json.data).toMatchObject({ total: 0, records: [] });
  });

  test("addRecord appends a record written with raw JSON numbers", async () => {
    const record = sim.addRecord({
      customerNo: "77000001",
      agentCustomerNo: "9007199254740993",
      updateTime: 0,
    });
    expect(record.id).toMatch(/^\d+$/);
    const answer = await callBridge(sim, { timestamp: T, body: { customerNo: "77000001" } });
    expect(answer.text).toContain(
      `{"customerNo":"77000001","agentCustomerNo":"9007199254740993","updateTime":0,"id":${record.id}}`,
    );
    sim.records.pop();
  });

  test("a record edited in place is answered as it is now, after being answered before", async () => {
    const record = sim.addRecord({ customerNo: "77000002", email: "before@example.com" });
    const call = () => callBridge(sim, { timestamp: T, body: { customerNo: "77000002" } });
    expect((await call()).text).toContain(`"email":"before@example.com"`);
    record.email = JSON.stringify("after@example.com");
    expect((await call()).text).toContain(`"email":"after@example.com"`);
    record.remark = JSON.stringify("added");
    expect((await call()).text).toContain(`"remark":"added"`);
    delete record.remark;
    expect((await call()).text).not.toContain(`"remark"`);
    sim.records.pop();
  });
});

describe("Bridge page size cap", () => {
  test("size above 2000 is capped at 2000", async () => {
    const sim = await startBridgeSimulator({
      dataset: { agentCustomers: 10, bridgeProfiles: 2100 },
      bridge: { scheme: "hmac-sha256" },
    });
    try {
      const answer = await callBridge(sim, { body: { current: 1, size: 5000 } });
      expect(answer.json.data).toMatchObject({ current: 1, size: 2000, total: 2100 });
      expect(answer.json.data?.records).toHaveLength(2000);
    } finally {
      await sim.close();
    }
  });
});

describe("Bridge rate limit", () => {
  let sim: BridgeSimulator;
  let now = T;

  beforeAll(async () => {
    sim = await startBridgeSimulator({
      dataset: { agentCustomers: 5 },
      bridge: { scheme: "hmac-sha256", rateLimitPerMinute: 5 },
      now: () => now,
    });
  });
  afterAll(() => sim.close());

  const status = async () => (await callBridge(sim, { timestamp: now, body: { size: 1 } })).status;

  test("over the limit is 429 with Retry-After; calling on while limited is 418 and a 5, then 10 minute ban", async () => {
    for (let i = 0; i < 5; i++) {
      const answer = await callBridge(sim, { timestamp: now, body: { size: 1 } });
      expect(answer.status).toBe(200);
      expect(answer.headers.get("x-ratelimit-limit")).toBe("5");
      expect(answer.headers.get("x-ratelimit-remairing")).toBe(String(4 - i));
      expect(Number(answer.headers.get("x-ratelimit-reset"))).toBeGreaterThan(0);
      now += 1000;
    }
    const limited = await callBridge(sim, { timestamp: now, body: { size: 1 } });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("55"); // the first call leaves the window at T + 60 s
    expect(limited.headers.get("x-ratelimit-remairing")).toBe("0");
    expect(sim.rateLimitStats).toEqual({ tooMany429: 1, banned418: 0 });

    now += 10_000; // still inside the Retry-After period
    expect(await status()).toBe(418);
    expect(sim.rateLimitStats).toEqual({ tooMany429: 1, banned418: 1 });
    now += 4 * 60_000; // the window is empty again, but the ban lasts 5 minutes
    expect(await status()).toBe(418);
    now += 60_000;
    expect(await status()).toBe(200);

    for (let i = 0; i < 4; i++) expect(await status()).toBe(200);
    expect(await status()).toBe(429);
    expect(await status()).toBe(418);
    now += 9 * 60_000;
    expect(await status()).toBe(418); // second ban: 10 minutes
    now += 60_000 + 1;
    expect(await status()).toBe(200);
    expect(sim.rateLimitStats).toEqual({ tooMany429: 2, banned418: 4 });
  });

  test("waiting out Retry-After after a 429 is not punished", async () => {
    sim.resetRateLimit();
    expect(sim.rateLimitStats).toEqual({ tooMany429: 0, banned418: 0 });
    for (let i = 0; i < 5; i++) expect(await status()).toBe(200);
    const limited = await callBridge(sim, { timestamp: now, body: { size: 1 } });
    expect(limited.status).toBe(429);
    now += Number(limited.headers.get("retry-after")) * 1000;
    expect(await status()).toBe(200);
    expect(sim.rateLimitStats).toEqual({ tooMany429: 1, banned418: 0 });
  });

  test("the limit is per API key: another key's calls do not use this key's budget", async () => {
    sim.resetRateLimit();
    for (let i = 0; i < 5; i++) {
      expect((await callBridge(sim, { timestamp: now, headers: { apiKey: "other" } })).json.code).toBe(
        "00012003",
      );
    }
    expect(await status()).toBe(200);
  });
});

test("signing with a fixed secretKey option keeps the key across restarts", async () => {
  const first = await startBridgeSimulator({ dataset: { agentCustomers: 1 } });
  const secretKey = first.secretKey;
  await first.close();
  const second = await startBridgeSimulator({ dataset: { agentCustomers: 1 }, bridge: { secretKey } });
  try {
    expect(second.secretKey).toBe(secretKey);
    expect((await callBridge(second)).json.code).toBe("0");
    const wrongKey = specSign("hmac-sha256", "x", specCanonical({}, "1"));
    expect((await callBridge(second, { headers: { signature: wrongKey } })).json.code).toBe("00012001");
  } finally {
    await second.close();
  }
});
