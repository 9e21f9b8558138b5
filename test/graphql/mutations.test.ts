import { startStack, type TestStack } from "../support/gateway";

const ADD = `mutation($u: String!) { addUser(userName: $u) {
  customer { id userName traffic { remainingMb } }
  credentials { customerId password token }
  outcomeReadBack
  userErrors { code message field }
} }`;
const PWD = `mutation($id: ID!, $p: String!) { updatePwd(customerId: $id, password: $p) { customerId userErrors { code message field } } }`;
const STATUS = `mutation($id: ID!, $s: CustomerState!) { changeStatus(customerId: $id, state: $s) { customerId state userErrors { code message field } } }`;

describe("mutations", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({
      sims: { dataset: { agentCustomers: 200, seed: 3 }, agent: { stateValues: { active: 5, disabled: 6 } } },
      env: { AGENT_STATE_ACTIVE: "5", AGENT_STATE_DISABLED: "6", GATEWAY_REQUEST_TIMEOUT_MS: "1500" },
    });
  });
  afterAll(() => stack.close());
  beforeEach(() => {
    stack.resetCalls();
    stack.sims.agent.faults.clear();
    // Each case starts on closed circuit breakers (test/graphql/circuit-breaker.test.ts tests them).
    stack.gateway.circuits.reset();
  });

  it("addUser creates the customer once, returns credentials and the customer read back", async () => {
    // Warm the shared index first: a creation must not be hidden by it.
    await stack.gql(`{ customer(id: "1") { id } }`);
    stack.resetCalls();
    const res = await stack.gql(ADD, { u: "new.user@example.com" });
    expect(res.errors).toBeUndefined();
    const payload = res.data.addUser;
    const created = stack.sims.agent.customers.find((c) => c.userName === "new.user@example.com");
    expect(created).toBeDefined();
    expect(payload.credentials).toEqual({
      customerId: created?.customerId,
      password: created?.password,
      token: expect.stringMatching(/^[A-Z0-9]{27}$/),
    });
    expect(payload.customer).toEqual({
      id: created?.customerId,
      userName: "new.user@example.com",
      traffic: { remainingMb: "0" },
    });
    expect(payload.userErrors).toEqual([]);
    expect(payload.outcomeReadBack).toBe(false);
    expect(stack.calls().agent.addUser).toBe(1);

    const byId = await stack.gql(`query($id: ID!) { customer(id: $id) { userName } }`, {
      id: created?.customerId,
    });
    expect(byId.data.customer).toEqual({ userName: "new.user@example.com" });
  });

  it("addUser maps 201 to USERNAME_TAKEN with the existing customer, 202 to USERNAME_TAKEN_BY_OTHER_CHANNEL", async () => {
    const existing = stack.sims.agent.customers[3];
    const taken = await stack.gql(ADD, { u: existing?.userName.toUpperCase() });
    expect(taken.data.addUser.userErrors).toEqual([
      { code: "USERNAME_TAKEN", message: expect.stringContaining("already exists"), field: ["userName"] },
    ]);
    expect(taken.data.addUser.credentials).toBeNull();
    expect(taken.data.addUser.customer).toMatchObject({ id: existing?.customerId });

    const other = await stack.gql(ADD, { u: "lisi@q.com" });
    expect(other.data.addUser).toMatchObject({
      customer: null,
      credentials: null,
      userErrors: [{ code: "USERNAME_TAKEN_BY_OTHER_CHANNEL", field: ["userName"] }],
    });
    expect(stack.calls().agent.addUser).toBe(2);
  });

  it("validates input before any upstream call", async () => {
    for (const u of ["", "not-an-email", "a@b", "x".repeat(250) + "@example.com"]) {
      const res = await stack.gql(ADD, { u });
      expect(res.data.addUser.userErrors[0]).toMatchObject({ code: "INVALID_INPUT", field: ["userName"] });
    }
    const pwd = await stack.gql(PWD, { id: "abc", p: "" });
    expect(pwd.data.updatePwd.userErrors.map((e: { field: string[] }) => e.field)).toEqual([
      ["customerId"],
      ["password"],
    ]);
    for (const p of ["short", "has space", "x".repeat(65), "pässwörd1"]) {
      const res = await stack.gql(PWD, { id: "1", p });
      expect(res.data.updatePwd.userErrors[0]).toMatchObject({ code: "INVALID_INPUT", field: ["password"] });
      expect(JSON.stringify(res)).not.toContain(p.length > 4 ? p : "\u0000");
    }
    const status = await stack.gql(STATUS, { id: "-3", s: "ACTIVE" });
    expect(status.data.changeStatus.userErrors[0]).toMatchObject({
      code: "INVALID_INPUT",
      field: ["customerId"],
    });
    const badEnum = await stack.gql(STATUS, { id: "3", s: "PAUSED" });
    expect(badEnum.errors?.[0]?.extensions.code).toBe("BAD_USER_INPUT");
    expect(stack.calls().agent).toEqual({});
  });

  it("addUser whose answer is lost after creating reads the list back: success, never a second addUser", async () => {
    stack.sims.agent.faults.set("addUser", { kind: "createThenHang" }, 1);
    const res = await stack.gql(ADD, { u: "lost.answer@example.com" });
    expect(res.errors).toBeUndefined();
    expect(res.data.addUser).toMatchObject({
      customer: { userName: "lost.answer@example.com" },
      credentials: null,
      outcomeReadBack: true,
      userErrors: [],
    });
    expect(stack.calls().agent.addUser).toBe(1);
    expect(stack.calls().agent["customer.list"]).toBeGreaterThanOrEqual(1);

    stack.resetCalls();
    stack.sims.agent.faults.set("addUser", { kind: "createThenReset" }, 1);
    const reset = await stack.gql(ADD, { u: "reset.answer@example.com" });
    expect(reset.data.addUser).toMatchObject({
      outcomeReadBack: true,
      customer: { userName: "reset.answer@example.com" },
    });
    expect(stack.calls().agent.addUser).toBe(1);
  });

  it("addUser whose outcome cannot be established is OUTCOME_UNKNOWN, not a userError", async () => {
    stack.sims.agent.faults.set("addUser", { kind: "hang" }, 1);
    const res = await stack.gql(ADD, { u: "never.created@example.com" });
    expect(res.data).toBeNull();
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: "OUTCOME_UNKNOWN", upstream: "agent" });
    expect(stack.calls().agent.addUser).toBe(1);
    expect(stack.sims.agent.customers.some((c) => c.userName === "never.created@example.com")).toBe(false);
  });

  it("updatePwd sets the password once; business refusals are REJECTED userErrors", async () => {
    const target = stack.sims.agent.customers[5];
    const res = await stack.gql(PWD, { id: target?.customerId, p: "N3w-Secret!" });
    expect(res.data.updatePwd).toEqual({ customerId: target?.customerId, userErrors: [] });
    expect(target?.password).toBe("N3w-Secret!");
    const unknown = await stack.gql(PWD, { id: "987654321987", p: "N3w-Secret!" });
    expect(unknown.data.updatePwd.userErrors).toEqual([
      {
        code: "REJECTED",
        message:
          "The Agent Customer API refused the change: no customer with this id exists in this channel.",
        field: null,
      },
    ]);
    expect(stack.calls().agent.updatePwd).toBe(2);
    // The password never reaches a call log or an answer.
    expect(JSON.stringify(stack.sims.agent.log.calls)).not.toContain("N3w-Secret!");
    expect(JSON.stringify(unknown)).not.toContain("N3w-Secret!");
  });

  it("updatePwd and changeStatus with lost answers are OUTCOME_UNKNOWN after exactly one call, no secret in the error", async () => {
    stack.sims.agent.faults.set("updatePwd", { kind: "reset" }, 1);
    const pwd = await stack.gql(PWD, { id: "1", p: "Secret-123" });
    expect(pwd.errors?.[0]?.extensions).toMatchObject({ code: "OUTCOME_UNKNOWN", upstream: "agent" });
    expect(JSON.stringify(pwd)).not.toMatch(/Secret-123|127\.0\.0\.1|token/);
    stack.sims.agent.faults.set("changeStatus", { kind: "hang" }, 1);
    const status = await stack.gql(STATUS, { id: "1", s: "DISABLED" });
    expect(status.errors?.[0]?.extensions).toMatchObject({ code: "OUTCOME_UNKNOWN", upstream: "agent" });
    expect(stack.calls().agent).toEqual({ updatePwd: 1, changeStatus: 1 });
  });

  it("changeStatus sends the configured state numbers", async () => {
    const target = stack.sims.agent.customers[7];
    const off = await stack.gql(STATUS, { id: target?.customerId, s: "DISABLED" });
    expect(off.data.changeStatus).toEqual({
      customerId: target?.customerId,
      state: "DISABLED",
      userErrors: [],
    });
    expect(target?.state).toBe(6);
    await stack.gql(STATUS, { id: target?.customerId, s: "ACTIVE" });
    expect(target?.state).toBe(5);
    expect(stack.sims.agent.log.calls.map((c) => c.params.customerState)).toEqual(["6", "5"]);
  });

  it("maps upstream failures of mutations: auth failure inside HTTP 200, incomplete account, HTTP 5xx", async () => {
    stack.sims.agent.faults.set("changeStatus", { kind: "envelope", code: "200", msg: "无效的认证令牌" }, 1);
    const auth = await stack.gql(STATUS, { id: "1", s: "ACTIVE" });
    expect(auth.errors?.[0]?.extensions).toMatchObject({ code: "UPSTREAM_AUTH_FAILED", upstream: "agent" });
    // The refused token stopped the agent for a minute; the next cases need it called.
    stack.gateway.circuits.reset();

    stack.sims.agent.faults.set("changeStatus", { kind: "envelope", code: "200", msg: "账号信息不完整" }, 1);
    const incomplete = await stack.gql(STATUS, { id: "1", s: "ACTIVE" });
    expect(incomplete.data.changeStatus.userErrors[0]).toMatchObject({
      code: "REJECTED",
      message: expect.stringMatching(
        /^The Agent Customer API refused the change: the agent account's information is incomplete/,
      ),
    });

    stack.sims.agent.faults.set("updatePwd", { kind: "http", status: 503 }, 1);
    const down = await stack.gql(PWD, { id: "1", p: "Secret-123" });
    // A 5xx answer came after the request reached the upstream: it may have acted, and the list cannot show it.
    expect(down.errors?.[0]?.extensions).toMatchObject({ code: "OUTCOME_UNKNOWN", upstream: "agent" });
    expect(stack.calls().agent).toEqual({ changeStatus: 2, updatePwd: 1 });
  });

  it("REJECTED says why in English and keeps the upstream's own words verbatim in upstreamMessage", async () => {
    const query = `mutation($id: ID!, $s: CustomerState!) { changeStatus(customerId: $id, state: $s) {
      userErrors { code message field upstreamMessage } } }`;
    const known = await stack.gql(query, { id: "987654321987", s: "ACTIVE" });
    expect(known.data.changeStatus.userErrors).toEqual([
      {
        code: "REJECTED",
        message:
          "The Agent Customer API refused the change: no customer with this id exists in this channel.",
        field: null,
        upstreamMessage: "客户不存在或不属于该渠道",
      },
    ]);
    stack.sims.agent.faults.set("changeStatus", { kind: "envelope", code: "500", msg: "渠道余额不足" }, 1);
    const unknown = await stack.gql(query, { id: "1", s: "ACTIVE" });
    expect(unknown.data.changeStatus.userErrors).toEqual([
      {
        code: "REJECTED",
        message:
          "The Agent Customer API refused the change (code 500); its own words are in upstreamMessage.",
        field: null,
        upstreamMessage: "渠道余额不足",
      },
    ]);
    // Outcomes the gateway decides itself have no upstream message.
    const invalid = await stack.gql(query, { id: "not-a-number", s: "ACTIVE" });
    expect(invalid.data.changeStatus.userErrors[0]).toMatchObject({
      code: "INVALID_INPUT",
      upstreamMessage: null,
    });
  });
});
