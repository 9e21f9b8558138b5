import { startStack, type TestStack } from "../support/gateway";

/** A UTF-16 code unit that is half of a pair: JSON carries it ("\ud800"), no encoding can. */
const LONE_SURROGATE = "ann\ud800@example.com";

const ADD = `mutation($u: String!) { addUser(userName: $u) { credentials { customerId } userErrors { code field } } }`;

describe("string arguments: at most 256 characters of well-formed Unicode", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.resetCalls());

  describe("queries answer BAD_USER_INPUT before any upstream call", () => {
    it("a 20,000-character userName filter is BAD_USER_INPUT", async () => {
      const res = await stack.gql(`query($u: String) { customers(userName: $u) { totalCount } }`, {
        u: "a".repeat(20_000),
      });
      expect(res.status).toBe(400);
      expect(res.errors?.[0]?.extensions.code).toBe("BAD_USER_INPUT");
      expect(res.errors?.[0]?.message).toMatch(/256/);
      expect(stack.calls()).toEqual({ agent: {}, bridge: {} });
    });

    it("257 characters are refused, 256 are not, counted in characters rather than UTF-16 units", async () => {
      const query = `query($n: String!) { bridgeProfile(customerNo: $n) { id } }`;
      const refused = await stack.gql(query, { n: "1".repeat(257) });
      expect(refused.errors?.[0]?.extensions.code).toBe("BAD_USER_INPUT");
      expect(stack.calls()).toEqual({ agent: {}, bridge: {} });
      // 256 astral characters are 512 UTF-16 code units, and still allowed.
      const accepted = await stack.gql(query, { n: "😀".repeat(256) });
      expect(accepted.errors).toBeUndefined();
      expect(accepted.data.bridgeProfile).toBeNull();
    });

    it("a literal in the document is held to the same rule as a variable", async () => {
      const res = await stack.gql(`{ customerByUserName(userName: "${"b".repeat(300)}") { id } }`);
      expect(res.errors?.[0]?.extensions.code).toBe("BAD_USER_INPUT");
      expect(stack.calls()).toEqual({ agent: {}, bridge: {} });
    });

    it.each([
      ["customers(userName:)", `query($s: String) { customers(userName: $s) { totalCount } }`],
      ["customerByUserName", `query($s: String!) { customerByUserName(userName: $s) { id } }`],
      ["customer(id:)", `query($s: ID!) { customer(id: $s) { id } }`],
      ["bridgeProfiles(customerNo:)", `query($s: String) { bridgeProfiles(customerNo: $s) { totalCount } }`],
    ])("%s: a string that is not well-formed Unicode is BAD_USER_INPUT", async (_name, query) => {
      const res = await stack.gql(query, { s: LONE_SURROGATE });
      expect(res.errors?.[0]?.extensions.code).toBe("BAD_USER_INPUT");
      expect(stack.calls()).toEqual({ agent: {}, bridge: {} });
    });
  });

  describe("mutations answer INVALID_INPUT userErrors, sending nothing", () => {
    it("addUser with a lone surrogate in userName", async () => {
      const res = await stack.gql(ADD, { u: LONE_SURROGATE });
      expect(res.errors).toBeUndefined();
      expect(res.data.addUser).toEqual({
        credentials: null,
        userErrors: [{ code: "INVALID_INPUT", field: ["userName"] }],
      });
      expect(stack.calls()).toEqual({ agent: {}, bridge: {} });
    });

    it("addUser with a 20,000-character userName", async () => {
      const res = await stack.gql(ADD, { u: `${"a".repeat(20_000)}@example.com` });
      expect(res.errors).toBeUndefined();
      expect(res.data.addUser.userErrors).toEqual([{ code: "INVALID_INPUT", field: ["userName"] }]);
      expect(stack.calls()).toEqual({ agent: {}, bridge: {} });
    });

    it("updatePwd with a lone surrogate or 300 characters in customerId", async () => {
      const query = `mutation($id: ID!) { updatePwd(customerId: $id, password: "secret99") { userErrors { code field } } }`;
      for (const id of ["12\udc00", "1".repeat(300)]) {
        const res = await stack.gql(query, { id });
        expect(res.errors).toBeUndefined();
        expect(res.data.updatePwd.userErrors).toEqual([{ code: "INVALID_INPUT", field: ["customerId"] }]);
      }
      expect(stack.calls()).toEqual({ agent: {}, bridge: {} });
    });
  });
});
