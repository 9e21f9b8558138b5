import { startIssuer, trustIssuer, type TestIssuer } from "../support/issuer";
import { startStack, type TestStack } from "../support/gateway";

/** One audit record per mutation attempt (API.md §4), whatever its outcome, and never a secret. */
describe("the audit trail of account changes", () => {
  let issuer: TestIssuer;
  let stack: TestStack;
  const secrets: string[] = [];

  beforeAll(async () => {
    issuer = await startIssuer();
    stack = await startStack({
      env: trustIssuer(issuer),
    });
  });
  afterAll(async () => {
    // Whatever ran above, no password, user token, bearer token or upstream credential is in the log.
    const log = stack.logText();
    expect(secrets.length).toBeGreaterThan(5);
    for (const secret of [...secrets, stack.sims.agent.token, stack.sims.bridge.apiKey]) {
      expect(log).not.toContain(secret);
    }
    await stack.close();
    await issuer.close();
  });
  beforeEach(() => {
    stack.sims.agent.faults.clear();
    // A refused token stops agent calls for a minute (test/graphql/circuit-breaker.test.ts): each case
    // starts on closed circuits.
    stack.gateway.circuits.reset();
  });

  async function writer(
    sub: string,
    scope = "accounts:write customers:read",
  ): Promise<Record<string, string>> {
    const token = await issuer.mint({ scope, azp: "support-console" }, { subject: sub });
    secrets.push(token);
    return { authorization: `Bearer ${token}` };
  }

  function auditOf(requestId: string | null): Record<string, unknown>[] {
    return stack.logs().filter((r) => r.audit === "mutation" && r.requestId === requestId);
  }

  it("records a successful addUser with who, what and ok, but not the credentials it returned", async () => {
    const res = await stack.gql(
      `mutation { addUser(userName: "audited@example.com") { credentials { customerId password token } userErrors { code } } }`,
      undefined,
      await writer("alice"),
    );
    expect(res.errors).toBeUndefined();
    const { password, token } = res.data.addUser.credentials as { password: string; token: string };
    secrets.push(password, token);
    const records = auditOf(res.headers.get("x-request-id"));
    expect(records).toEqual([
      expect.objectContaining({
        audit: "mutation",
        sub: "alice",
        client: "support-console",
        mutation: "addUser",
        userName: "audited@example.com",
        outcome: "ok",
        time: expect.any(String),
      }),
    ]);
  });

  it("records a userError outcome, and each of several aliased mutations", async () => {
    const password = "n3w-Secret-pw";
    secrets.push(password);
    const res = await stack.gql(
      `mutation ($pw: String!) {
        taken: addUser(userName: "lisi@q.com") { userErrors { code } }
        bad: updatePwd(customerId: "1001", password: "short") { userErrors { code } }
        good: updatePwd(customerId: "1001", password: $pw) { customerId userErrors { code } }
      }`,
      { pw: password },
      await writer("bob"),
    );
    expect(res.errors).toBeUndefined();
    const records = auditOf(res.headers.get("x-request-id"));
    expect(records.map((r) => [r.mutation, r.userName ?? r.customerId, r.outcome])).toEqual([
      ["addUser", "lisi@q.com", "USERNAME_TAKEN_BY_OTHER_CHANNEL"],
      ["updatePwd", "1001", "INVALID_INPUT"],
      ["updatePwd", "1001", "ok"],
    ]);
    for (const r of records) expect(Object.keys(r)).not.toContain("password");
  });

  it("records a mutation refused for a missing scope as FORBIDDEN", async () => {
    const res = await stack.gql(
      `mutation { changeStatus(customerId: "1001", state: DISABLED) { customerId } }`,
      undefined,
      await writer("carol", "customers:read"),
    );
    expect(res.errors?.[0]?.extensions.code).toBe("FORBIDDEN");
    expect(auditOf(res.headers.get("x-request-id"))).toEqual([
      expect.objectContaining({
        sub: "carol",
        mutation: "changeStatus",
        customerId: "1001",
        outcome: "FORBIDDEN",
      }),
    ]);
  });

  it("records an upstream failure with its error code", async () => {
    stack.sims.agent.faults.set("changeStatus", { kind: "envelope", code: "200", msg: "无效的认证令牌" }, 1);
    const res = await stack.gql(
      `mutation { changeStatus(customerId: "1001", state: ACTIVE) { customerId } }`,
      undefined,
      await writer("dave"),
    );
    expect(res.errors?.[0]?.extensions.code).toBe("UPSTREAM_AUTH_FAILED");
    expect(auditOf(res.headers.get("x-request-id"))).toEqual([
      expect.objectContaining({ sub: "dave", mutation: "changeStatus", outcome: "UPSTREAM_AUTH_FAILED" }),
    ]);
  });

  it("records a mutation refused at the edge for want of a valid token as UNAUTHENTICATED", async () => {
    const expired = await issuer.mint({ scope: "accounts:write" }, { expiresIn: -600, subject: "eve" });
    secrets.push(expired);
    const password = "edge-Refused-pw";
    secrets.push(password);
    const res = await stack.gql(
      `mutation Change($pw: String!) { updatePwd(customerId: "1002", password: $pw) { customerId } }`,
      { pw: password },
      { authorization: `Bearer ${expired}` },
    );
    expect(res.status).toBe(401);
    expect(auditOf(res.headers.get("x-request-id"))).toEqual([
      expect.objectContaining({
        sub: null,
        mutation: "updatePwd",
        customerId: "1002",
        outcome: "UNAUTHENTICATED",
      }),
    ]);
  });

  it("writes no audit record for queries", async () => {
    const res = await stack.gql(`{ customer(id: "1001") { id } }`, undefined, await writer("frank"));
    expect(res.errors).toBeUndefined();
    expect(auditOf(res.headers.get("x-request-id"))).toEqual([]);
  });
});
