import { startStack, type TestStack } from "../support/gateway";

describe("operation types", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.resetCalls());

  it("a subscription is HTTP 400 BAD_USER_INPUT", async () => {
    const res = await stack.gql(`subscription { customers { totalCount } }`);
    expect(res.status).toBe(400);
    expect(res.data).toBeUndefined();
    expect(res.errors?.[0]?.extensions.code).toBe("BAD_USER_INPUT");
    expect(stack.calls()).toEqual({ agent: {}, bridge: {} });
  });

  it("a query beside a subscription in the same document is served when it is the one asked for", async () => {
    // stack.gql sends no operationName.
    const body = await fetch(stack.gateway.url.replace("0.0.0.0", "127.0.0.1"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        query: `subscription S { customers { totalCount } } query Q { customers(first: 1) { totalCount } }`,
        operationName: "Q",
      }),
    });
    expect(body.status).toBe(200);
    expect(((await body.json()) as { data: unknown }).data).toEqual({ customers: { totalCount: 300 } });
  });
});
