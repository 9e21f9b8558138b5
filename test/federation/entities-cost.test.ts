import { startStack, type TestStack } from "../support/gateway";

/** `_entities` under the operation cost limit (API.md §5): each representation pays for its selection. */
describe("operation cost of _entities", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ env: { GATEWAY_MAX_QUERY_COST: "100" } });
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.resetCalls());

  const query = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id userName } } }`;
  const representations = (n: number) =>
    stack.sims.agent.customers.slice(0, n).map((c) => ({ __typename: "Customer", id: c.customerId }));

  it("costs what the aliased lookups would: 50 representations are refused, before any upstream call", async () => {
    // 1 + 50 x (id + userName) = 101 > 100, as 50 aliased customer(id) { id userName } would be.
    const res = await stack.gql(query, { r: representations(50) });
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.extensions.code).toBe("BAD_USER_INPUT");
    expect(res.errors?.[0]?.message).toMatch(/costs 101, more than the 100/);
    expect(stack.calls()).toEqual({ agent: {}, bridge: {} });
  });

  it("serves a batch within the limit", async () => {
    const res = await stack.gql(query, { r: representations(49) });
    expect(res.errors).toBeUndefined();
    expect(res.data._entities).toHaveLength(49);
  });
});
