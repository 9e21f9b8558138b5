import { createHash } from "node:crypto";
import { loadConfig } from "../../src/config";
import { startStack, type TestStack } from "../support/gateway";
import { startRedis, type TestRedis } from "../support/redis";

/** What replicas share through a real Redis today: caller rate limits, APQ, readiness (API.md §8). */

const QUERY = "{ customers(first: 1) { totalCount } }";
const HASH = createHash("sha256").update(QUERY).digest("hex");

interface Answer {
  data?: { customers: { totalCount: number } };
  errors?: { extensions?: { code?: string } }[];
}

async function post(url: string, body: unknown): Promise<{ status: number; json: Answer }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Answer };
}

async function ready(stack: TestStack): Promise<Record<string, unknown>> {
  const res = await fetch(new URL("/health/ready", stack.url));
  return { httpStatus: res.status, ...((await res.json()) as Record<string, unknown>) };
}

const apq = (query?: string) => ({
  ...(query === undefined ? {} : { query }),
  extensions: { persistedQuery: { version: 1, sha256Hash: HASH } },
});

describe("replicas sharing one Redis", () => {
  let redis: TestRedis;
  let a: TestStack;
  let b: TestStack;
  beforeAll(async () => {
    redis = await startRedis();
    const env = { REDIS_URL: redis.url, GATEWAY_CALLER_RATE_LIMIT_PER_MIN: "6" };
    [a, b] = await Promise.all([startStack({ env }), startStack({ env })]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await redis?.close();
  });

  it("report Redis in readiness", async () => {
    expect(await ready(a)).toMatchObject({ httpStatus: 200, status: "ready", redis: "available" });
  });

  it("count a caller's requests once across replicas", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i += 1)
      statuses.push((await post(i % 2 === 0 ? a.url : b.url, { query: QUERY })).status);
    // Six a minute for this caller (its address: auth is off on the simulators) over both replicas together.
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429, 429]);
  });
});

describe("APQ across replicas", () => {
  let redis: TestRedis;
  let a: TestStack;
  let b: TestStack;
  beforeAll(async () => {
    redis = await startRedis();
    const env = { REDIS_URL: redis.url };
    [a, b] = await Promise.all([startStack({ env }), startStack({ env })]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await redis?.close();
  });

  it("serve on one replica a hash registered on another", async () => {
    const unknown = await post(b.url, apq());
    expect(unknown.json.errors?.[0]?.extensions?.code).toBe("PERSISTED_QUERY_NOT_FOUND");
    const registered = await post(a.url, apq(QUERY));
    expect(registered.json.data?.customers.totalCount).toBeGreaterThan(0);
    const served = await post(b.url, apq());
    expect(served.json.errors).toBeUndefined();
    expect(served.json.data).toEqual(registered.json.data);
  });
});

describe("Redis lost and back", () => {
  let redis: TestRedis;
  let stack: TestStack;
  beforeAll(async () => {
    redis = await startRedis();
    stack = await startStack({ env: { REDIS_URL: redis.url, GATEWAY_CALLER_RATE_LIMIT_PER_MIN: "1000" } });
  });
  afterAll(async () => {
    await stack?.close();
    await redis?.close();
  });

  it("keeps answering without it, says so once, and reconnects by itself", async () => {
    expect((await post(stack.url, { query: QUERY })).status).toBe(200);
    await redis.stop();
    const during: number[] = [];
    for (let i = 0; i < 20; i += 1) during.push((await post(stack.url, { query: QUERY })).status);
    expect(during.every((s) => s === 200)).toBe(true);
    // APQ without Redis: a miss, never an error the client cannot recover from.
    expect((await post(stack.url, apq())).json.errors?.[0]?.extensions?.code).toBe(
      "PERSISTED_QUERY_NOT_FOUND",
    );
    const r1 = await ready(stack);
    expect(r1).toMatchObject({ httpStatus: 200, status: "ready", redis: "unavailable" });
    await redis.start();
    let state = "";
    const until = Date.now() + 10_000;
    while (state !== "available" && Date.now() < until) {
      state = (await ready(stack)).redis as string;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(state).toBe("available");
    const lost = stack.logs().filter((r) => /Redis is unavailable/.test(String(r.msg)));
    expect(lost).toHaveLength(1);
    expect(stack.logs().filter((r) => /Redis is available/.test(String(r.msg))).length).toBe(2);
  });
});

describe("REDIS_URL", () => {
  it.each([
    ["http://localhost:6379", /redis:\/\/ or rediss:\/\//],
    ["localhost:6379", /redis:\/\/ or rediss:\/\//],
    ["redis://localhost:6379/abc", /database 0-15/],
  ])("%s is refused naming the variable", (value, message) => {
    expect(() => loadConfig({ REDIS_URL: value })).toThrow(message);
    expect(() => loadConfig({ REDIS_URL: value })).toThrow(/REDIS_URL/);
  });

  it("keeps a password out of the logs", async () => {
    const redis = await startRedis();
    try {
      // The server has no password; the client's AUTH fails and that failure is logged without it.
      const stack = await startStack({
        env: { REDIS_URL: `redis://:s3cret-redis-pass@127.0.0.1:${redis.port}` },
      });
      try {
        await post(stack.url, { query: QUERY });
        await new Promise((r) => setTimeout(r, 300));
        expect(stack.logText()).not.toContain("s3cret-redis-pass");
      } finally {
        await stack.close();
      }
    } finally {
      await redis.close();
    }
  });
});
