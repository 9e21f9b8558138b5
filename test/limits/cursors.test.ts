import { encodeCursor } from "../../src/modules/common/connection";
import { startStack, type TestStack } from "../support/gateway";

/** A cursor as the gateway writes them, for an offset no cursor it gave out can hold. */
const hugeCursor = Buffer.from("o:9007199254740990", "utf8").toString("base64url");

describe("cursors the upstreams cannot page to", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.resetCalls());

  it.each([
    ["customers", `query($a: String) { customers(first: 5, after: $a) { nodes { id } } }`],
    ["bridgeProfiles", `query($a: String) { bridgeProfiles(first: 5, after: $a) { nodes { customerNo } } }`],
  ])("%s: a cursor beyond any page the upstream can number is BAD_USER_INPUT", async (_name, query) => {
    const res = await stack.gql(query, { a: hugeCursor });
    expect(res.errors?.[0]?.extensions.code).toBe("BAD_USER_INPUT");
    expect(res.errors?.[0]?.extensions.argument).toBe("after");
    expect(stack.calls()).toEqual({ agent: {}, bridge: {} });
  });

  it("the last offset a Java int page number reaches is still a cursor; one past it is not", async () => {
    const last = await stack.gql(`query($a: String) { customers(first: 1, after: $a) { nodes { id } } }`, {
      a: encodeCursor(2 ** 31 - 3),
    });
    expect(last.errors).toBeUndefined();
    expect(last.data.customers.nodes).toEqual([]);
    stack.resetCalls();
    const past = await stack.gql(`query($a: String) { customers(first: 1, after: $a) { nodes { id } } }`, {
      a: encodeCursor(2 ** 31 - 2),
    });
    expect(past.errors?.[0]?.extensions.code).toBe("BAD_USER_INPUT");
    expect(stack.calls()).toEqual({ agent: {}, bridge: {} });
  });

  it("a cursor past the end of the list is an empty page, from the shared index without a call while it is fresh", async () => {
    const query = `query($a: String) { customers(first: 5, after: $a) { totalCount nodes { id } pageInfo { hasNextPage } } }`;
    const cold = await stack.gql(query, { a: encodeCursor(10_000) });
    expect(cold.errors).toBeUndefined();
    expect(cold.data.customers).toEqual({ totalCount: 300, nodes: [], pageInfo: { hasNextPage: false } });
    // Unknown freshness: the list may have grown, so one call asks.
    expect(stack.calls().agent["customer.list"]).toBe(1);
    await stack.gql(`{ customer(id: "1") { id } }`); // builds the shared index
    stack.resetCalls();
    const warm = await stack.gql(query, { a: encodeCursor(10_000) });
    expect(warm.data.customers).toEqual(cold.data.customers);
    expect(stack.calls()).toEqual({ agent: {}, bridge: {} });
  });
});
