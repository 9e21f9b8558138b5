import { startStack, type TestStack } from "../support/gateway";

describe("operation cost limit", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ env: { GATEWAY_MAX_QUERY_COST: "100" } });
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.resetCalls());

  it("refuses an operation over the limit with BAD_USER_INPUT before any upstream call", async () => {
    // 1 + 50 rows x (nodes + id + userName) = 151 > 100
    const res = await stack.gql(`{ customers(first: 50) { nodes { id userName } } }`);
    expect(res.status).toBe(400);
    expect(res.data).toBeUndefined();
    expect(res.errors?.[0]?.extensions.code).toBe("BAD_USER_INPUT");
    expect(res.errors?.[0]?.message).toMatch(/costs 151, more than the 100/);
    expect(res.errors?.[0]?.extensions.http).toBeUndefined();
    expect(stack.calls()).toEqual({ agent: {}, bridge: {} });
  });

  it("counts aliases and variables", async () => {
    const aliases = Array.from(
      { length: 40 },
      (_, i) => `a${i}: customerByUserName(userName: "x${i}@example.com") { id userName }`,
    );
    const res = await stack.gql(`{ ${aliases.join(" ")} }`);
    expect(res.errors?.[0]?.extensions.code).toBe("BAD_USER_INPUT");
    const viaVariable = await stack.gql(`query($n: Int) { customers(first: $n) { nodes { id userName } } }`, {
      n: 50,
    });
    expect(viaVariable.errors?.[0]?.extensions.code).toBe("BAD_USER_INPUT");
    expect(stack.calls()).toEqual({ agent: {}, bridge: {} });
  });

  it("costs a repeated document again when its variables can change the cost", async () => {
    // The same query text (one parsed document) within the limit, then over it, then within it again.
    const byFirst = `query($n: Int) { customers(first: $n) { nodes { id userName } } }`;
    const byInclude = `query($all: Boolean!) { customers(first: 20) { nodes { id userName traffic @include(if: $all) { remainingMb usedMb rechargedMb } } } }`;
    const costs = async (query: string, variables: Record<string, unknown>) =>
      (await stack.gql(query, variables)).errors?.[0]?.extensions.code ?? "ok";
    expect(await costs(byFirst, { n: 5 })).toBe("ok");
    expect(await costs(byFirst, { n: 50 })).toBe("BAD_USER_INPUT");
    expect(await costs(byFirst, { n: 5 })).toBe("ok");
    // 1 + 20 x (nodes + id + userName) = 61; with traffic and its three fields: 1 + 20 x 7 = 141.
    expect(await costs(byInclude, { all: false })).toBe("ok");
    expect(await costs(byInclude, { all: true })).toBe("BAD_USER_INPUT");
    expect(await costs(byInclude, { all: false })).toBe("ok");
  });

  it("refuses a repeated document over the limit every time, whatever its other variables", async () => {
    const query = `query($name: String!) { a: customerByUserName(userName: $name) { id } ${Array.from(
      { length: 60 },
      (_, i) => `b${i}: customerByUserName(userName: "x${i}@example.com") { id }`,
    ).join(" ")} }`;
    for (const name of ["one@example.com", "two@example.com"]) {
      const res = await stack.gql(query, { name });
      expect(res.errors?.[0]?.message).toMatch(/more than the 100/);
    }
    expect(stack.calls()).toEqual({ agent: {}, bridge: {} });
  });

  it("serves an operation within the limit", async () => {
    // 1 + 10 rows x (nodes + id) = 21
    const res = await stack.gql(`{ customers(first: 10) { nodes { id } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.customers.nodes).toHaveLength(10);
  });
});

/**
 * Fragments spread twice at each of `levels` levels: a short document whose selections, expanded,
 * number 2^levels. The cost library stops counting at its node limit; that must refuse, not admit.
 */
function fanOut(levels: number, leaf: string): string {
  const fragments = Array.from({ length: levels }, (_, i) =>
    i === levels - 1
      ? `fragment F${i} on Query { ${leaf} }`
      : `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`,
  );
  return `{ ...F0 } ${fragments.join(" ")}`;
}

describe("operation cost, whatever the operation's size", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.resetCalls());

  it("refuses an operation that expands to more selections than the cost can be counted over", async () => {
    // 2^16 expansions of a 500-row page of customers with profiles: far beyond any cost limit.
    const res = await stack.gql(
      fanOut(16, `customers(first: 500) { nodes { id userName profile { customerNo name email } } }`),
    );
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.extensions.code).toBe("BAD_USER_INPUT");
    expect(res.errors?.[0]?.message).toMatch(/more than 10000 selections/);
    expect(stack.calls()).toEqual({ agent: {}, bridge: {} });
  });

  it("still serves a small operation built from fragments", async () => {
    const res = await stack.gql(fanOut(3, `customers(first: 2) { nodes { id } }`));
    expect(res.errors).toBeUndefined();
    expect(res.data.customers.nodes).toHaveLength(2);
  });
});
