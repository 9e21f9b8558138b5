import { startAgentSimulator } from "../../src/simulators";
import type { AgentSimulator } from "../../src/simulators/types";

const INVALID_TOKEN = '{"code":200,"msg":"无效的认证令牌","data":null}';

interface ListBody {
  code: number;
  msg: string;
  data: { total: number; rows: { customerId: number; userName: string }[]; code: number; msg: string };
}

describe("agent simulator", () => {
  let sim: AgentSimulator;

  beforeAll(async () => {
    sim = await startAgentSimulator({
      dataset: { agentCustomers: 40, seed: 7 },
      agent: { token: "agent-token", separateAdminHost: true },
    });
  });
  afterAll(() => sim.close());
  beforeEach(() => {
    sim.log.reset();
    sim.faults.clear();
    sim.pageSizeCap = 1000;
  });

  /** token null sends no token header at all. */
  const get = async (base: string, path: string, token: string | null = sim.token) => {
    const res = await fetch(`${base}${path}`, { headers: token === null ? {} : { token } });
    return { status: res.status, text: await res.text() };
  };
  const list = async (query: string) => {
    const { status, text } = await get(sim.listBaseUrl, `/open/customer/list?${query}`);
    expect(status).toBe(200);
    return { text, body: JSON.parse(text) as ListBody };
  };
  const admin = async (path: string, token?: string) => {
    const { status, text } = await get(sim.adminBaseUrl, `/api/agent/${path}`, token ?? sim.token);
    expect(status).toBe(200);
    return JSON.parse(text) as Record<string, unknown>;
  };

  test("a bad or missing token is an HTTP 200 envelope with code 200 and data null, on every endpoint", async () => {
    const before = sim.customers.length;
    for (const token of [null, "wrong", ""]) {
      expect(await get(sim.listBaseUrl, "/open/customer/list", token)).toEqual({
        status: 200,
        text: INVALID_TOKEN,
      });
      for (const path of [
        "addUser?userName=nobody@x.com",
        "updatePwd?customerId=39&password=p",
        "changeStatus?customerId=39&customerState=1",
      ]) {
        expect(await get(sim.adminBaseUrl, `/api/agent/${path}`, token)).toEqual({
          status: 200,
          text: INVALID_TOKEN,
        });
      }
    }
    expect(sim.customers.length).toBe(before);
    expect(sim.customers.find((c) => c.customerId === "39")?.state).toBe(0);
  });

  test("success envelope is the vendor's, with BigDecimal and Long written exactly as stored", async () => {
    const { text, body } = await list("pageNum=1&pageSize=10&userName=");
    expect(text.startsWith('{"msg":"操作成功","code":200,"data":{"total":40,"rows":[')).toBe(true);
    expect(text.endsWith('],"code":200,"msg":"查询成功","other":null}}')).toBe(true);
    expect(text).toContain(
      '{"trafficCount":512000000.0,"residualFlow":205587097.6,"customerId":39,"userName":"bazhuayu@gmaill.com"}',
    );
    expect(text).toContain('"trafficCount":5.12E+8,"residualFlow":1E-10');
    expect(text).toContain('"customerId":9007199254740993');
    expect(body.data.rows).toHaveLength(10);
  });

  test("defaults are pageNum 1 and pageSize 10", async () => {
    const { body } = await list("");
    expect(body.data.rows.map((r) => r.userName)).toEqual(sim.customers.slice(0, 10).map((c) => c.userName));
  });

  test("a page past the last one answers the last page again; no rows gives an empty page", async () => {
    const last = await list("pageNum=4&pageSize=12"); // 40 rows: pages of 12, 12, 12, 4
    expect(last.body.data.rows).toHaveLength(4);
    for (const pageNum of [5, 99]) {
      expect((await list(`pageNum=${pageNum}&pageSize=12`)).text).toBe(last.text);
    }
    expect((await list("pageNum=0&pageSize=12")).body.data.rows[0].customerId).toBe(39);
    const none = await list("pageNum=3&userName=no-such-name");
    expect(none.body.data).toMatchObject({ total: 0, rows: [] });
  });

  test("pageSize above the cap returns fewer rows than asked, total unchanged", async () => {
    sim.pageSizeCap = 7;
    const { body } = await list("pageNum=2&pageSize=50");
    expect(body.data.total).toBe(40);
    expect(body.data.rows.map((r) => r.userName)).toEqual(sim.customers.slice(7, 14).map((c) => c.userName));
  });

  test("userName is a case-insensitive substring filter", async () => {
    const { body } = await list("userName=ann@x.com&pageSize=100");
    expect(body.data.rows.map((r) => r.userName).sort()).toEqual([
      "ANN@X.COM.CN",
      "ann@x.com",
      "joann@x.com",
    ]);
    const upper = await list("userName=ANN&pageSize=100");
    expect(upper.body.data.total).toBeGreaterThanOrEqual(3);
    for (const row of upper.body.data.rows) expect(row.userName.toLowerCase()).toContain("ann");
  });

  test("a full scan by total sees every customer exactly once", async () => {
    const seen: string[] = [];
    for (let pageNum = 1; seen.length < 40; pageNum++) {
      const { text } = await list(`pageNum=${pageNum}&pageSize=9`);
      seen.push(...[...text.matchAll(/"customerId":(\d+)/g)].map((m) => m[1]));
    }
    expect(seen).toEqual(sim.customers.map((c) => c.customerId));
    expect(new Set(seen).size).toBe(40);
  });

  test("addUser creates (200), then 201 for a name in this channel, 202 for another channel's", async () => {
    const created = await admin("addUser?userName=New.Person@x.com");
    expect(created).toMatchObject({ msg: "操作成功", code: 200 });
    expect(created.password).toEqual(expect.any(String));
    expect(created.Token).toEqual(expect.stringMatching(/^[A-Z0-9]{27}$/));
    const stored = sim.customers[sim.customers.length - 1];
    expect(stored).toMatchObject({
      userName: "New.Person@x.com",
      channel: "self",
      password: created.password,
    });
    expect(String(created.customerId)).toBe(stored.customerId);
    expect((await list("userName=new.person")).body.data.rows).toEqual([
      { customerId: created.customerId, userName: "New.Person@x.com", trafficCount: 0, residualFlow: 0 },
    ]);

    expect((await admin("addUser?userName=NEW.PERSON@X.COM")).code).toBe(201);
    expect(await admin("addUser?userName=LISI@q.com")).toEqual({
      msg: "注册失败,该用户名已存在,不是该渠道的客户",
      code: 202,
    });
    expect((await admin("addUser?userName=")).code).toBe(500);
    expect((await admin("addUser")).code).toBe(500);
    expect(sim.customers.filter((c) => c.userName.toLowerCase() === "new.person@x.com")).toHaveLength(1);
  });

  test("updatePwd sets the password; an unknown customer is a failure code", async () => {
    expect(await admin("updatePwd?customerId=39&password=s3cret-pw")).toEqual({ msg: "成功", code: 200 });
    expect(sim.customers[0].password).toBe("s3cret-pw");
    expect(await admin("updatePwd?customerId=9007199254740993&password=x")).toEqual({
      msg: "成功",
      code: 200,
    });
    expect(sim.customers.find((c) => c.customerId === "9007199254740993")?.password).toBe("x");
    expect(await admin("updatePwd?customerId=9007199254740992&password=x")).toMatchObject({ code: 500 });
    expect(await admin("updatePwd?customerId=39")).toMatchObject({ code: 500 });

    const calls = sim.log.calls.filter((c) => c.endpoint === "updatePwd");
    expect(calls[0]).toMatchObject({
      upstream: "agent",
      params: { customerId: "39", password: "***" },
      status: 200,
    });
    expect(JSON.stringify(sim.log.calls)).not.toContain("s3cret-pw");
    expect(JSON.stringify(sim.log.calls)).not.toContain(sim.token);
  });

  test("changeStatus accepts only the configured state values", async () => {
    expect(await admin("changeStatus?customerId=39&customerState=1")).toEqual({ msg: "成功", code: 200 });
    expect(sim.customers[0].state).toBe(1);
    expect(await admin("changeStatus?customerId=39&customerState=0")).toEqual({ msg: "成功", code: 200 });
    expect(sim.customers[0].state).toBe(0);
    for (const bad of ["2", "-1", "", "x"]) {
      expect(await admin(`changeStatus?customerId=39&customerState=${bad}`)).toMatchObject({ code: 500 });
    }
    expect(await admin("changeStatus?customerId=123&customerState=1")).toMatchObject({ code: 500 });
    expect(sim.customers[0].state).toBe(0);
  });

  test("with two hosts each serves only its own paths", async () => {
    expect(sim.adminBaseUrl).not.toBe(sim.listBaseUrl);
    expect((await get(sim.adminBaseUrl, "/prod-api/open/customer/list")).status).toBe(404);
    expect(
      (await get(sim.listBaseUrl.replace(/\/prod-api$/, ""), "/api/agent/addUser?userName=a@b.c")).status,
    ).toBe(404);
  });

  test("the envelope fault gives {code, msg, data:null}; code 200 defaults to the incomplete-account message", async () => {
    sim.faults.set("customer.list", { kind: "envelope", code: "200" }, 1);
    expect((await get(sim.listBaseUrl, "/open/customer/list")).text).toBe(
      '{"code":200,"msg":"账号信息不完整","data":null}',
    );
    sim.faults.set("addUser", { kind: "envelope", code: "500", msg: "内部错误" }, 1);
    expect((await get(sim.adminBaseUrl, "/api/agent/addUser?userName=z@z.z")).text).toBe(
      '{"code":500,"msg":"内部错误","data":null}',
    );
    expect(sim.customers.some((c) => c.userName === "z@z.z")).toBe(false);
  });
});

describe("agent simulator on one host", () => {
  test("admin calls live under the list base URL (the gateway's default) and custom state values apply", async () => {
    const sim = await startAgentSimulator({
      dataset: { agentCustomers: 5 },
      agent: { stateValues: { active: 1, disabled: 2 } },
    });
    try {
      expect(sim.adminBaseUrl).toBe(sim.listBaseUrl);
      const call = (q: string) =>
        fetch(`${sim.adminBaseUrl}/api/agent/changeStatus?${q}`, { headers: { token: sim.token } }).then(
          (r) => r.json(),
        );
      expect(await call("customerId=39&customerState=2")).toEqual({ msg: "成功", code: 200 });
      expect(sim.customers[0].state).toBe(2);
      expect(await call("customerId=39&customerState=0")).toMatchObject({ code: 500 });
    } finally {
      await sim.close();
    }
  });
});
