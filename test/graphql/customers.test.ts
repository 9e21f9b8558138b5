import { startStack, type TestStack } from "../support/gateway";

const PAGE = `query($first: Int, $after: String, $userName: String) {
  customers(first: $first, after: $after, userName: $userName) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id userName } }
    nodes { id userName traffic { rechargedMb remainingMb usedMb } }
  }
}`;

describe("customers, customer and customerByUserName over the agent simulator", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ env: { GATEWAY_TRAFFIC_MAX_AGE_MS: "0" } });
    const agent = stack.sims.agent;
    agent.addCustomer({
      customerId: "18014398509481985",
      userName: "huge.id@example.com",
      trafficCount: "5.12E+8",
      residualFlow: "1E-10",
    });
    agent.addCustomer({
      customerId: "77",
      userName: "negative@example.com",
      trafficCount: "100.50",
      residualFlow: "200.25",
    });
    agent.addCustomer({ userName: "Trap@Example.com", trafficCount: "1", residualFlow: "0" });
    agent.addCustomer({ userName: "xtrap@example.com.cn", trafficCount: "2", residualFlow: "0" });
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.resetCalls());

  it("serves a page in upstream order with one list call and Relay paging", async () => {
    const first = await stack.gql(PAGE, { first: 5 });
    expect(first.errors).toBeUndefined();
    const conn = first.data.customers;
    const upstream = stack.sims.agent.customers.slice(0, 5).map((c) => c.customerId);
    expect(conn.nodes.map((n: { id: string }) => n.id)).toEqual(upstream);
    expect(conn.totalCount).toBe(stack.sims.agent.customers.length);
    expect(conn.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(stack.calls().agent).toEqual({ "customer.list": 1 });

    stack.resetCalls();
    const second = await stack.gql(PAGE, { first: 7, after: conn.pageInfo.endCursor });
    const ids = second.data.customers.nodes.map((n: { id: string }) => n.id);
    expect(ids).toEqual(stack.sims.agent.customers.slice(5, 12).map((c) => c.customerId));
    expect(second.data.customers.pageInfo.hasPreviousPage).toBe(true);
    // Rows 5..11 fit one page of size 12 (page 1) or 7 (pages 1-2): the planner finds a single call.
    expect(stack.calls().agent).toEqual({ "customer.list": 1 });
  });

  it("serves the last page without the repeated-last-page trap and an empty page past the end", async () => {
    const total = stack.sims.agent.customers.length;
    const all = stack.sims.agent.customers.map((c) => c.customerId);
    const nearEnd = await stack.gql(PAGE, { first: 10, after: encodeOffset(total - 4) });
    expect(nearEnd.data.customers.nodes.map((n: { id: string }) => n.id)).toEqual(all.slice(total - 3));
    expect(nearEnd.data.customers.pageInfo.hasNextPage).toBe(false);

    const past = await stack.gql(PAGE, { first: 10, after: encodeOffset(total + 50) });
    expect(past.errors).toBeUndefined();
    expect(past.data.customers.nodes).toEqual([]);
    expect(past.data.customers.pageInfo).toMatchObject({
      hasNextPage: false,
      startCursor: null,
      endCursor: null,
    });

    const zero = await stack.gql(PAGE, { first: 0 });
    expect(zero.data.customers.nodes).toEqual([]);
    expect(zero.data.customers.totalCount).toBe(total);
  });

  it("rejects first outside 0..max and foreign cursors before any upstream call", async () => {
    for (const variables of [
      { first: -1 },
      { first: 100000 },
      { first: 2001 },
      { first: 5, after: "bm9wZQ" },
    ]) {
      const res = await stack.gql(PAGE, variables);
      expect(res.data).toBeNull();
      expect(res.errors?.[0]?.extensions.code).toBe("BAD_USER_INPUT");
      expect(res.errors?.[0]?.message).toMatch(/first|after/);
    }
    expect(stack.calls().agent).toEqual({});
  });

  it("keeps BigDecimal and Long values exact, in plain notation, with exact (possibly negative) usedMb", async () => {
    const res =
      await stack.gql(`{ a: customer(id: "18014398509481985") { id traffic { rechargedMb remainingMb usedMb } }
      b: customer(id: "77") { id traffic { rechargedMb remainingMb usedMb } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.a).toEqual({
      id: "18014398509481985",
      traffic: { rechargedMb: "512000000", remainingMb: "0.0000000001", usedMb: "511999999.9999999999" },
    });
    expect(res.data.b.traffic).toEqual({ rechargedMb: "100.5", remainingMb: "200.25", usedMb: "-99.75" });
  });

  it("answers customer(id) for unknown ids with null and for malformed ids with BAD_USER_INPUT", async () => {
    const unknown = await stack.gql(`{ customer(id: "123456789012345678901") { id } }`);
    expect(unknown.errors).toBeUndefined();
    expect(unknown.data.customer).toBeNull();
    for (const id of ["abc", "-5", "0", "1.5", ""]) {
      const bad = await stack.gql(`query($id: ID!) { customer(id: $id) { id } }`, { id });
      expect(bad.errors?.[0]?.extensions.code).toBe("BAD_USER_INPUT");
    }
  });

  it("matches customerByUserName exactly and case-insensitively although the upstream filter is a substring filter", async () => {
    const res = await stack.gql(`{
      exact: customerByUserName(userName: "trap@example.com") { userName }
      upper: customerByUserName(userName: "TRAP@EXAMPLE.COM") { userName }
      partial: customerByUserName(userName: "rap@example.com") { userName }
    }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.exact).toEqual({ userName: "Trap@Example.com" });
    expect(res.data.upper).toEqual({ userName: "Trap@Example.com" });
    expect(res.data.partial).toBeNull();

    // The connection's userName argument is the documented substring filter.
    const sub = await stack.gql(PAGE, { first: 50, userName: "trap@example.com" });
    const names = sub.data.customers.nodes.map((n: { userName: string }) => n.userName).sort();
    expect(names).toEqual(["Trap@Example.com", "xtrap@example.com.cn"]);
    expect(sub.data.customers.totalCount).toBe(2);
  });

  it("echoes x-request-id and starts every Bridge trace of the request with it", async () => {
    const res = await stack.gql(`{ customers(first: 3) { nodes { id profile { id } } } }`, undefined, {
      "x-request-id": "req-42.abc",
    });
    expect(res.headers.get("x-request-id")).toBe("req-42.abc");
    const traces = stack.sims.bridge.log.calls.map((c) => c.trace ?? "");
    expect(traces.length).toBeGreaterThan(0);
    for (const trace of traces) expect(trace).toMatch(/^req-42\.abc-.+/);
    expect(new Set(traces).size).toBe(traces.length);

    const generated = await stack.gql(`{ customers(first: 1) { totalCount } }`);
    expect(generated.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});

function encodeOffset(offset: number): string {
  return Buffer.from(`o:${offset}`, "utf8").toString("base64url");
}
