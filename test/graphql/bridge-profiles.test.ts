import { startStack, type TestStack } from "../support/gateway";

const FULL = `
  id customerNo agentCustomerNo companyId email name firstName lastName phone phoneArea
  status customerType openAccountType registerSource remark
  group { id name } unit { id name } telegram { userId userName }
  thirdParty { accountNo loginSource userId }
  idCardType createdAt updatedAt lastLoginAt firstAccountActivatedAt`;

describe("Bridge profiles and the Customer join", () => {
  let stack: TestStack;
  const linked = "880001";
  beforeAll(async () => {
    stack = await startStack();
    const { agent, bridge } = stack.sims;
    agent.addCustomer({
      customerId: linked,
      userName: "joined@example.com",
      trafficCount: "10",
      residualFlow: "4",
    });
    agent.addCustomer({ customerId: "880002", userName: "alone@example.com" });
    // Three profiles for one customer: two with the same updateTime, ids compared as integers (not text).
    bridge.addRecord({
      id: 9n,
      customerNo: "70000001",
      agentCustomerNo: linked,
      updateTime: 1710000000200n,
      status: 1,
    });
    bridge.addRecord({
      id: 10n,
      customerNo: "70000002",
      agentCustomerNo: linked,
      updateTime: 1710000000200n,
      status: 2,
    });
    bridge.addRecord({
      id: 11n,
      customerNo: "70000003",
      agentCustomerNo: linked,
      updateTime: 1600000000000n,
      status: 3,
    });
    bridge.addRecord({
      id: 18014398509481985n,
      customerNo: "70000004",
      agentCustomerNo: null,
      companyId: 1001n,
      email: "p@example.com",
      name: "Pat Doe",
      firstName: "Pat",
      lastName: "Doe",
      phone: "5550100",
      phoneArea: "+1",
      status: 9,
      customerType: 3,
      openAccountType: 7,
      registerSource: 2,
      remark: null,
      customerGroupId: 5n,
      customerGroupName: "VIP",
      unitId: null,
      unitName: null,
      tgUserId: "tg1",
      tgUserName: null,
      thirdAccountNo: null,
      thirdLoginSource: null,
      thirdUserId: null,
      idCardType: "passport",
      idCard: "X1234567",
      createTime: 1710000000000n,
      updateTime: 0n,
      loginTime: null,
      // firstAccountActivateTime absent
    });
    bridge.addRecord({ id: 12n, customerNo: "700000041", agentCustomerNo: "999999999" });
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.resetCalls());

  it("maps every field: nulls stay null, unknown enum numbers are UNKNOWN, 0 and absent times are null", async () => {
    const res = await stack.gql(`{ bridgeProfile(customerNo: "70000004") { ${FULL} customer { id } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.bridgeProfile).toEqual({
      id: "18014398509481985",
      customerNo: "70000004",
      agentCustomerNo: null,
      companyId: "1001",
      email: "p@example.com",
      name: "Pat Doe",
      firstName: "Pat",
      lastName: "Doe",
      phone: "5550100",
      phoneArea: "+1",
      status: "UNKNOWN",
      customerType: "ACTIVITY_SETTLEMENT",
      openAccountType: "UNKNOWN",
      registerSource: 2,
      remark: null,
      group: { id: "5", name: "VIP" },
      unit: null,
      telegram: { userId: "tg1", userName: null },
      thirdParty: null,
      idCardType: "passport",
      createdAt: "2024-03-09T16:00:00.000Z",
      updatedAt: null,
      lastLoginAt: null,
      firstAccountActivatedAt: null,
      customer: null,
    });
  });

  it("filters bridgeProfiles by the exact customer number only", async () => {
    const res = await stack.gql(
      `{ bridgeProfiles(customerNo: "70000004") { totalCount nodes { id customerNo } } }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.bridgeProfiles).toEqual({
      totalCount: 1,
      nodes: [{ id: "18014398509481985", customerNo: "70000004" }],
    });
    const none = await stack.gql(`{ bridgeProfile(customerNo: "7000000") { id } }`);
    expect(none.data.bridgeProfile).toBeNull();
    // 70000004 was read by the previous test and is still fresh: only the prefix "7000000" is asked.
    expect(stack.calls().bridge["customer.page"]).toBe(1);
    expect(stack.sims.bridge.log.calls[0]?.params.customerNo).toBe("7000000");
  });

  it("pages bridgeProfiles in upstream order", async () => {
    const res = await stack.gql(
      `{ bridgeProfiles(first: 4) { totalCount nodes { id } pageInfo { hasNextPage endCursor } } }`,
    );
    const records = stack.sims.bridge.records;
    expect(res.data.bridgeProfiles.nodes.map((n: { id: string }) => n.id)).toEqual(
      records.slice(0, 4).map((r) => r.id),
    );
    expect(res.data.bridgeProfiles.totalCount).toBe(records.length);
    const next = await stack.gql(
      `query($a: String) { bridgeProfiles(first: 3, after: $a) { nodes { id } } }`,
      {
        a: res.data.bridgeProfiles.pageInfo.endCursor,
      },
    );
    expect(next.data.bridgeProfiles.nodes.map((n: { id: string }) => n.id)).toEqual(
      records.slice(4, 7).map((r) => r.id),
    );
  });

  it("orders a customer's profiles by updateTime, ties by the larger id as an integer; profile is the first", async () => {
    const res = await stack.gql(`{
      customer(id: "${linked}") { id profile { id } profiles { id customerNo } }
      alone: customer(id: "880002") { profile { id } profiles { id } }
    }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.customer.profiles.map((p: { id: string }) => p.id)).toEqual(["10", "9", "11"]);
    expect(res.data.customer.profile).toEqual({ id: "10" });
    expect(res.data.alone).toEqual({ profile: null, profiles: [] });
  });

  it("joins BridgeProfile.customer back to the agent customer, null for unknown or missing links", async () => {
    const res = await stack.gql(`{
      a: bridgeProfile(customerNo: "70000002") { customer { id userName traffic { usedMb } } }
      b: bridgeProfile(customerNo: "700000041") { customer { id } }
    }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.a.customer).toEqual({
      id: linked,
      userName: "joined@example.com",
      traffic: { usedMb: "6" },
    });
    expect(res.data.b.customer).toBeNull();
  });

  it("batches the profiles of a whole customer page into one planned Bridge read", async () => {
    // Cold: nothing in the shared indexes.
    stack.gateway.services.agentSource.invalidate();
    stack.gateway.services.bridgeSource.invalidate();
    const res = await stack.gql(
      `{ customers(first: 50) { nodes { id profile { id } profiles { id } } } }`,
      undefined,
      {
        "x-gateway-debug": "1",
      },
    );
    expect(res.errors).toBeUndefined();
    const bridgeTotal = stack.sims.bridge.records.length;
    expect(stack.calls().agent).toEqual({ "customer.list": 1 });
    // The link field has no upstream filter: one scan at page size 2000 serves all 50 customers.
    expect(stack.calls().bridge["customer.page"]).toBe(Math.ceil(bridgeTotal / 2000));
    const gateway = res.extensions?.gateway as { calls: Record<string, number> };
    expect(gateway.calls["bridge:customer.page"]).toBe(Math.ceil(bridgeTotal / 2000));
  });
});

describe("BRIDGE_LINK_FIELD names the Bridge field that holds the agent customerId", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({
      sims: { dataset: { agentCustomers: 200, seed: 8 }, bridge: { linkField: "thirdUserId" } },
      env: { BRIDGE_LINK_FIELD: "thirdUserId" },
    });
  });
  afterAll(() => stack.close());

  it("joins both ways through the configured field, not agentCustomerNo", async () => {
    const record = stack.sims.bridge.records.find(
      (r) => r.thirdUserId !== undefined && r.thirdUserId !== "null",
    );
    const customerId = JSON.parse(record?.thirdUserId ?? "null") as string;
    expect(stack.sims.agent.customers.some((c) => c.customerId === customerId)).toBe(true);
    const res = await stack.gql(
      `query($id: ID!, $no: String!) {
      customer(id: $id) { profiles { customerNo } }
      bridgeProfile(customerNo: $no) { customer { id } }
    }`,
      { id: customerId, no: JSON.parse(record?.customerNo ?? "null") as string },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.customer.profiles.map((p: { customerNo: string }) => p.customerNo)).toContain(
      JSON.parse(record?.customerNo ?? "null"),
    );
    expect(res.data.bridgeProfile.customer).toEqual({ id: customerId });
  });
});
