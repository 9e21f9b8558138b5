import { startStack, type TestStack } from "../support/gateway";

/** Misspellings graphql-js answers with "Did you mean …": a field, an argument, a type, an enum value. */
const MISSPELT = [
  ["a field", `{ customers { nodez { id } } }`, undefined],
  ["an argument", `{ customers(firts: 1) { totalCount } }`, undefined],
  ["a type", `query($n: Strin) { customers(userName: $n) { totalCount } }`, undefined],
  ["an enum literal", `mutation { changeStatus(customerId: "1", state: ACTIV) { customerId } }`, undefined],
  [
    "an enum variable",
    `mutation($s: CustomerState!) { changeStatus(customerId: "1", state: $s) { customerId } }`,
    { s: "DISABLE" },
  ],
] as const;

describe("field suggestions", () => {
  let production: TestStack;
  let development: TestStack;
  beforeAll(async () => {
    production = await startStack({ env: { NODE_ENV: "production", GATEWAY_ALLOW_SIMULATORS: "1" } });
    development = await startStack();
  });
  afterAll(async () => {
    await production.close();
    await development.close();
  });

  it.each(MISSPELT)(
    "in production, %s misspelt gets BAD_USER_INPUT without a suggestion",
    async (_what, query, variables) => {
      const res = await production.gql(query, variables);
      expect(res.status).toBe(400);
      expect(res.errors?.length).toBeGreaterThan(0);
      for (const error of res.errors ?? []) {
        expect(error.extensions.code).toBe("BAD_USER_INPUT");
        expect(error.message).not.toMatch(/did you mean/i);
      }
      expect(production.calls()).toEqual({ agent: {}, bridge: {} });
    },
  );

  it("in development the suggestion helps whoever is typing", async () => {
    const res = await development.gql(`{ customers { nodez { id } } }`);
    expect(res.errors?.[0]?.message).toMatch(/Did you mean "nodes"\?/);
  });
});
