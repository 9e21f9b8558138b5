import { startStack, type TestStack } from "../support/gateway";

const nested = (depth: number): string => {
  // customers > nodes > profile > customer > profile > customer ... : each step one level deeper.
  let selection = "id";
  for (let level = depth - 1; level >= 3; level--) {
    selection = level % 2 === 1 ? `profile { ${selection} }` : `customer { ${selection} }`;
  }
  return `{ customers(first: 1) { nodes { ${selection} } } }`;
};

describe("document limits", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({
      env: {
        GATEWAY_MAX_TOKENS: "400",
        GATEWAY_MAX_DEPTH: "6",
        GATEWAY_MAX_ALIASES: "5",
        GATEWAY_MAX_DIRECTIVES: "4",
      },
    });
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.resetCalls());

  async function expectRefused(query: string, message: RegExp): Promise<void> {
    const res = await stack.gql(query);
    expect(res.status).toBe(400);
    expect(res.data).toBeUndefined();
    expect(res.errors).toHaveLength(1);
    expect(res.errors?.[0]?.extensions.code).toBe("BAD_USER_INPUT");
    expect(res.errors?.[0]?.message).toMatch(message);
    expect(res.headers.get("x-request-id")).toBeTruthy();
    expect(stack.calls()).toEqual({ agent: {}, bridge: {} });
  }

  it("refuses a document of more parser tokens than GATEWAY_MAX_TOKENS", async () => {
    // "{", "customers", "{", then 3 tokens per "__typename" pair... well over 400 tokens in all.
    await expectRefused(`{ customers(first: 1) { ${"totalCount ".repeat(400)} } }`, /400 tokens/);
  });

  it("refuses a selection deeper than GATEWAY_MAX_DEPTH, fragments not counted as levels", async () => {
    await expectRefused(nested(7), /depth.*6/i);
    const viaFragments = `{ customers(first: 1) { ...A } }
      fragment A on CustomerConnection { nodes { ...B } }
      fragment B on Customer { profile { customer { profile { customer { id } } } } }`;
    await expectRefused(viaFragments, /depth.*6/i);
  });

  it("serves a selection exactly GATEWAY_MAX_DEPTH deep", async () => {
    const res = await stack.gql(nested(6));
    expect(res.errors).toBeUndefined();
    expect(res.data.customers.nodes).toHaveLength(1);
  });

  it("refuses more aliases than GATEWAY_MAX_ALIASES, counting those a fragment brings each time it is spread", async () => {
    const six = Array.from({ length: 6 }, (_, i) => `a${i}: __typename`).join(" ");
    await expectRefused(`{ ${six} }`, /aliases.*5/i);
    const spread = `{ ...F ...F ...G } fragment F on Query { x: __typename y: __typename } fragment G on Query { ...F }`;
    await expectRefused(spread, /aliases.*5/i);
    const five = Array.from({ length: 5 }, (_, i) => `a${i}: __typename`).join(" ");
    const ok = await stack.gql(`{ ${five} }`);
    expect(ok.errors).toBeUndefined();
  });

  it("refuses more directives than GATEWAY_MAX_DIRECTIVES", async () => {
    const fields = Array.from({ length: 5 }, (_, i) => `a${i}: __typename @include(if: true)`).join(" ");
    const res = await stack.gql(`{ ${fields} }`);
    expect(res.status).toBe(400);
    expect(res.errors?.map((e) => e.extensions.code)).toContain("BAD_USER_INPUT");
    expect(res.errors?.map((e) => e.message).join(" ")).toMatch(/directives.*4/i);
  });

  it("answers a refused document as GraphQL JSON without the parser's or a library's wording", async () => {
    const res = await stack.gql(nested(9));
    expect(res.errors?.[0]?.message).not.toMatch(/Syntax Error/);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
  });
});
