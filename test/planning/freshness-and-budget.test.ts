import { formatDecimal } from "../../src/lib/decimal";
import type { AgentCustomer } from "../../src/upstreams/agent/types";
import type { BridgeCustomerRecord } from "../../src/upstreams/bridge/types";
import { createRequestScope } from "../../src/upstreams/request-scope";
import { ManualClock } from "../support/clock";
import { startStack, type TestStack } from "../support/gateway";

describe("shared indexes: freshness bounds and invalidation", () => {
  let stack: TestStack;
  const clock = new ManualClock();
  beforeAll(async () => {
    stack = await startStack({
      sims: { dataset: { agentCustomers: 400, seed: 5 } },
      env: { GATEWAY_TRAFFIC_MAX_AGE_MS: "400", GATEWAY_PROFILE_MAX_AGE_MS: "800" },
      start: { clock },
    });
  });
  afterAll(() => stack.close());
  beforeEach(() => {
    stack.gateway.services.agentSource.invalidate();
    stack.gateway.services.bridgeSource.invalidate();
    stack.resetCalls();
  });

  it("serves traffic from the index only while younger than the traffic bound", async () => {
    const target = stack.sims.agent.customers[20];
    const q = `{ customer(id: "${target?.customerId}") { traffic { rechargedMb } } }`;
    await stack.gql(q);
    const scanCalls = stack.calls().agent["customer.list"];
    expect(scanCalls).toBeGreaterThan(0);
    if (target) target.trafficCount = "4242";
    const cached = await stack.gql(q);
    expect(stack.calls().agent["customer.list"]).toBe(scanCalls);
    expect(cached.data.customer.traffic.rechargedMb).not.toBe("4242");
    clock.advance(450);
    const fresh = await stack.gql(q);
    expect(fresh.data.customer.traffic.rechargedMb).toBe("4242");
    expect(stack.calls().agent["customer.list"]).toBe(2 * (scanCalls ?? 0));
  });

  it("serves Bridge profiles from the index only while younger than the profile bound", async () => {
    const record = stack.sims.bridge.records.find(
      (r) => r.agentCustomerNo !== "null" && r.agentCustomerNo !== undefined,
    );
    const customerId = JSON.parse(record?.agentCustomerNo ?? "null") as string;
    const q = `{ customer(id: "${customerId}") { profiles { id email } } }`;
    await stack.gql(q);
    const before = stack.calls().bridge["customer.page"];
    if (record) record.email = JSON.stringify("changed@example.com");
    const cached = await stack.gql(q);
    expect(stack.calls().bridge["customer.page"]).toBe(before);
    expect(cached.data.customer.profiles.map((p: { email: string }) => p.email)).not.toContain(
      "changed@example.com",
    );
    clock.advance(850);
    const fresh = await stack.gql(q);
    expect(fresh.data.customer.profiles.map((p: { email: string }) => p.email)).toContain(
      "changed@example.com",
    );
  });

  it("keeps the rows that did not change from one index generation to the next, and takes the changed ones", async () => {
    const scope = () => createRequestScope("reuse", 10_000);
    const [a, b] = [stack.sims.agent.customers[30], stack.sims.agent.customers[31]];
    const ids = [a?.customerId ?? "", b?.customerId ?? ""];
    const source = stack.gateway.services.agentSource;
    const [a1, b1] = await source.byIds(ids, scope());
    if (b) b.trafficCount = "777.50";
    clock.advance(450);
    const [a2, b2] = await source.byIds(ids, scope());
    expect(stack.calls().agent["customer.list"]).toBeGreaterThan(1);
    // The unchanged row is the very object of the previous generation; the changed one is new and new-valued.
    expect(a2).toBe(a1);
    expect(b2).not.toBe(b1);
    expect(formatDecimal((b2 as AgentCustomer).trafficCount)).toBe("777.5");

    const profiles = stack.gateway.services.bridgeSource;
    const [r, t] = stack.sims.bridge.records.slice(40, 42);
    const numbers = [
      JSON.parse(r?.customerNo ?? "null") as string,
      JSON.parse(t?.customerNo ?? "null") as string,
    ];
    // One index build (the planner scans for two keys it cannot filter cheaply once the index is due).
    const [r1, t1] = await profiles
      .byLinkValues(["0"], scope())
      .then(() => profiles.byCustomerNos(numbers, scope()));
    if (t) t.email = JSON.stringify("reused@example.com");
    clock.advance(850);
    const [r2, t2] = await profiles
      .byLinkValues(["0"], scope())
      .then(() => profiles.byCustomerNos(numbers, scope()));
    expect(r2).toBe(r1);
    expect(t2).not.toBe(t1);
    expect((t2 as BridgeCustomerRecord).email).toBe("reused@example.com");
  });

  it.each([
    ["addUser", `mutation { addUser(userName: "fresh.one@example.com") { userErrors { code } } }`],
    ["updatePwd", `mutation { updatePwd(customerId: "ID", password: "Secret-99") { userErrors { code } } }`],
    ["changeStatus", `mutation { changeStatus(customerId: "ID", state: DISABLED) { userErrors { code } } }`],
  ])("%s invalidates the shared customer index", async (_name, mutation) => {
    const id = stack.sims.agent.customers[1]?.customerId ?? "";
    await stack.gql(`{ customer(id: "${id}") { id } }`);
    stack.resetCalls();
    await stack.gql(`{ customer(id: "${id}") { id } }`);
    expect(stack.calls().agent["customer.list"]).toBeUndefined();
    const res = await stack.gql(mutation.replace("ID", id));
    expect(res.errors).toBeUndefined();
    stack.resetCalls();
    await stack.gql(`{ customer(id: "${id}") { id } }`);
    expect(stack.calls().agent["customer.list"]).toBeGreaterThan(0);
  });
});

describe("refresh ahead", () => {
  it("rebuilds a busy index before its bound in the background, so that requests do not wait for scans", async () => {
    const clock = new ManualClock();
    const stack = await startStack({
      sims: { dataset: { agentCustomers: 300, seed: 6 } },
      env: { GATEWAY_TRAFFIC_MAX_AGE_MS: "2000" },
      start: { clock },
    });
    try {
      const source = stack.gateway.services.agentSource;
      const target = stack.sims.agent.customers[30];
      const q = `{ customer(id: "${target?.customerId}") { traffic { rechargedMb } } }`;
      await stack.gql(q);
      const scan = stack.calls().agent["customer.list"] ?? 0;
      expect(scan).toBeGreaterThan(0);
      if (target) target.trafficCount = "777";
      clock.advance(1750); // past 80% of the 2 s bound, still fresh
      const served = await stack.gql(q);
      expect(served.data.customer.traffic.rechargedMb).not.toBe("777");
      await source.settled(); // the background rebuild started by that request has run
      expect(stack.calls().agent["customer.list"]).toBe(2 * scan);
      clock.advance(550); // the first index is past its bound; the one rebuilt at 1.75 s is not
      const renewed = await stack.gql(q);
      expect(renewed.data.customer.traffic.rechargedMb).toBe("777");
      expect(stack.calls().agent["customer.list"]).toBe(2 * scan);
    } finally {
      await stack.close();
    }
  });
});

describe("the Bridge budget", () => {
  it("keeps a burst of 300 concurrent queries inside the budget: Bridge never answers 429", async () => {
    const stack = await startStack({
      sims: { dataset: { agentCustomers: 600, seed: 9 } },
      env: { GATEWAY_REQUEST_TIMEOUT_MS: "3000" },
    });
    try {
      const records = stack.sims.bridge.records.filter((r) => r.customerNo !== "null").slice(0, 300);
      const queries = records.map((r, i) =>
        i % 2 === 0
          ? `{ bridgeProfile(customerNo: ${r.customerNo}) { id customerNo } }`
          : `{ customers(first: 3, after: "${Buffer.from(`o:${i}`).toString("base64url")}") { nodes { id profile { id } } } }`,
      );
      const results = await Promise.all(queries.map((q) => stack.gql(q)));
      expect(stack.sims.bridge.rateLimitStats).toEqual({ tooMany429: 0, banned418: 0 });
      // One shared scan serves the 150 profile pages; the 150 lookups join it or read its index.
      expect(stack.sims.bridge.log.count()).toBeLessThanOrEqual(5);
      // Every answer is complete: the planner spent the budget on shared scans, not on one call per key.
      for (const res of results) expect(res.errors).toBeUndefined();
      results.forEach((res, i) => {
        if (i % 2 === 0)
          expect(res.data.bridgeProfile.customerNo).toBe(JSON.parse(records[i]?.customerNo ?? "null"));
      });
    } finally {
      await stack.close();
    }
  });

  it("holds an adversarial burst of 300 distinct Bridge windows to 90 calls, answering the rest UPSTREAM_RATE_LIMITED", async () => {
    const stack = await startStack({
      sims: { dataset: { agentCustomers: 600, seed: 9 } },
      env: { GATEWAY_REQUEST_TIMEOUT_MS: "1500" },
    });
    try {
      const queries = Array.from(
        { length: 300 },
        (_, i) =>
          `{ bridgeProfiles(first: 1, after: "${Buffer.from(`o:${i}`).toString("base64url")}") { nodes { id } } }`,
      );
      const results = await Promise.all(queries.map((q) => stack.gql(q)));
      expect(stack.sims.bridge.rateLimitStats).toEqual({ tooMany429: 0, banned418: 0 });
      expect(stack.sims.bridge.log.count()).toBe(90);
      const limited = results.filter((r) => r.errors?.[0]?.extensions.code === "UPSTREAM_RATE_LIMITED");
      const served = results.filter(
        (r) => r.errors === undefined && r.data.bridgeProfiles.nodes.length === 1,
      );
      expect(served).toHaveLength(90);
      expect(limited).toHaveLength(210);
      expect(limited[0]?.errors?.[0]?.extensions).toMatchObject({
        upstream: "bridge",
        retryAfterSeconds: expect.any(Number),
      });
    } finally {
      await stack.close();
    }
  });

  it("degrades profile fields to null with UPSTREAM_RATE_LIMITED when the budget is spent, without waiting past the deadline", async () => {
    const stack = await startStack({
      sims: { dataset: { agentCustomers: 100, seed: 2 } },
      env: {
        BRIDGE_RATE_LIMIT_PER_MIN: "1",
        GATEWAY_PROFILE_MAX_AGE_MS: "0",
        GATEWAY_REQUEST_TIMEOUT_MS: "1000",
        // The first answer's index would otherwise answer the second as stale data (stale-if-error.test.ts).
        GATEWAY_STALE_IF_ERROR_MS: "0",
      },
    });
    try {
      const q = `{ customers(first: 4) { nodes { id traffic { usedMb } profile { id } } } }`;
      const first = await stack.gql(q);
      expect(first.errors).toBeUndefined();
      const second = await stack.gql(q);
      expect(second.data.customers.nodes).toHaveLength(4);
      for (const node of second.data.customers.nodes) {
        expect(node.profile).toBeNull();
        expect(node.traffic.usedMb).toMatch(/^-?\d/);
      }
      expect(second.errors).toHaveLength(4);
      for (const error of second.errors ?? [])
        expect(error.extensions).toMatchObject({ code: "UPSTREAM_RATE_LIMITED", upstream: "bridge" });
      expect(stack.sims.bridge.log.count()).toBe(1);
      expect(stack.sims.bridge.rateLimitStats.tooMany429).toBe(0);
    } finally {
      await stack.close();
    }
  });
});
