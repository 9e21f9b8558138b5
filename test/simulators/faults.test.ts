import { startSimulators } from "../../src/simulators";
import type { Simulators } from "../../src/simulators/types";
import { callBridge, PAGE } from "./bridge-client";

describe("fault injection and call logs", () => {
  let sims: Simulators;

  beforeAll(async () => {
    sims = await startSimulators({
      dataset: { agentCustomers: 20, seed: 11 },
      agent: { separateAdminHost: true },
      bridge: { scheme: "hmac-sha256" },
    });
  });
  afterAll(() => sims.close());
  beforeEach(() => {
    for (const sim of [sims.agent, sims.bridge]) {
      sim.faults.clear();
      sim.log.reset();
      sim.latencyMs = 0;
    }
  });

  const list = (init: RequestInit = {}) =>
    fetch(`${sims.agent.listBaseUrl}/open/customer/list`, { headers: { token: sims.agent.token }, ...init });
  const addUser = (userName: string, init: RequestInit = {}) =>
    fetch(`${sims.agent.adminBaseUrl}/api/agent/addUser?userName=${encodeURIComponent(userName)}`, {
      headers: { token: sims.agent.token },
      ...init,
    });

  test("delay holds the answer back, then answers normally", async () => {
    sims.agent.faults.set("customer.list", { kind: "delay", ms: 250 }, 1);
    const started = Date.now();
    const res = await list();
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    expect(((await res.json()) as { data: { total: number } }).data.total).toBe(20);
    const again = Date.now();
    await (await list()).text();
    expect(Date.now() - again).toBeLessThan(200);
  });

  test("global latencyMs applies to every call of the simulator", async () => {
    sims.bridge.latencyMs = 150;
    const started = Date.now();
    expect((await callBridge(sims.bridge)).json.code).toBe("0");
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  test("http status faults: agent HTML error page, Bridge 401 envelope, Bridge 403 WAF page, custom body", async () => {
    sims.agent.faults.set("customer.list", { kind: "http", status: 502 }, 1);
    const agent = await list();
    expect(agent.status).toBe(502);
    expect(await agent.text()).toContain("<html>");

    sims.bridge.faults.set("customer.page", { kind: "http", status: 401 }, 1);
    const unauthorized = await callBridge(sims.bridge);
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.json).toMatchObject({ ok: false, fail: true, data: null });

    sims.bridge.faults.set("customer.page", { kind: "http", status: 403 }, 1);
    const waf = await callBridge(sims.bridge);
    expect([waf.status, waf.headers.get("content-type")]).toEqual([403, "text/html;charset=UTF-8"]);

    sims.bridge.faults.set(
      "*",
      { kind: "http", status: 503, body: "busy", headers: { "retry-after": "2" } },
      1,
    );
    const busy = await callBridge(sims.bridge);
    expect([busy.status, busy.text, busy.headers.get("retry-after")]).toEqual([503, "busy", "2"]);
    expect(sims.bridge.log.calls.map((c) => c.status)).toEqual([401, 403, 503]);
  });

  test("envelope fault in Bridge: HTTP 200, code as given, ok false", async () => {
    sims.bridge.faults.set(
      "customer.page",
      { kind: "envelope", code: "GGATEWAY_CODE_014", msg: "expired" },
      1,
    );
    const answer = await callBridge(sims.bridge);
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      code: "GGATEWAY_CODE_014",
      msg: "expired",
      ok: false,
      fail: true,
      data: null,
    });
    expect(sims.bridge.log.calls[0]).toMatchObject({ status: 200, code: "GGATEWAY_CODE_014" });
  });

  test("malformed gives a 200 body that is not JSON", async () => {
    sims.agent.faults.set("customer.list", { kind: "malformed" }, 1);
    const agentText = await (await list()).text();
    expect(() => JSON.parse(agentText)).toThrow();
    sims.bridge.faults.set("customer.page", { kind: "malformed" }, 1);
    const bridge = await callBridge(sims.bridge).catch((error: unknown) => error);
    expect(bridge).toBeInstanceOf(SyntaxError); // the helper's JSON.parse fails on it
  });

  test("reset destroys the connection; the call is logged with status 0", async () => {
    sims.agent.faults.set("customer.list", { kind: "reset" }, 1);
    await expect(list()).rejects.toThrow();
    expect(sims.agent.log.calls[0]).toMatchObject({ endpoint: "customer.list", status: 0 });
    expect((await list()).status).toBe(200);
  });

  test("hang never answers; the client's timeout ends it", async () => {
    sims.bridge.faults.set("customer.page", { kind: "hang" }, 1);
    const started = Date.now();
    await expect(
      fetch(`${sims.bridge.baseUrl}/global/${PAGE}`, {
        method: "POST",
        body: "{}",
        signal: AbortSignal.timeout(300),
      }),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(sims.bridge.log.calls).toEqual([
      expect.objectContaining({ endpoint: "customer.page", status: 0 }),
    ]);
    expect((await callBridge(sims.bridge)).json.code).toBe("0");
  });

  test("createThenHang / createThenReset really create the user, but no answer arrives", async () => {
    sims.agent.faults.set("addUser", { kind: "createThenHang" }, 1);
    await expect(addUser("hang.user@x.com", { signal: AbortSignal.timeout(300) })).rejects.toThrow();
    sims.agent.faults.set("addUser", { kind: "createThenReset" }, 1);
    await expect(addUser("reset.user@x.com")).rejects.toThrow();
    const names = sims.agent.customers.map((c) => c.userName);
    expect(names).toEqual(expect.arrayContaining(["hang.user@x.com", "reset.user@x.com"]));
    expect(sims.agent.log.calls.map((c) => [c.endpoint, c.status])).toEqual([
      ["addUser", 0],
      ["addUser", 0],
    ]);
    // The truth afterwards: calling again says the name exists in this channel.
    expect(await (await addUser("hang.user@x.com")).json()).toMatchObject({ code: 201 });
  });

  test("times counts down, the exact endpoint wins over *, clear removes rules", async () => {
    sims.agent.faults.set("*", { kind: "http", status: 500 });
    sims.agent.faults.set("customer.list", { kind: "http", status: 503 }, 2);
    expect((await list()).status).toBe(503);
    expect((await list()).status).toBe(503);
    expect((await list()).status).toBe(500); // the counted rule is spent: "*" applies
    expect((await addUser("x@y.z")).status).toBe(500);
    sims.agent.faults.clear("*");
    expect((await list()).status).toBe(200);
    sims.agent.faults.set("customer.list", { kind: "http", status: 503 });
    sims.agent.faults.clear();
    expect((await list()).status).toBe(200);
  });

  test("call logs hold non-secret parameters only", async () => {
    await (await addUser("log.user@x.com")).text();
    const created = sims.agent.customers[sims.agent.customers.length - 1];
    const pwd = "Very$ecret1";
    await fetch(
      `${sims.agent.adminBaseUrl}/api/agent/updatePwd?customerId=${created.customerId}&password=${pwd}`,
      {
        headers: { token: sims.agent.token },
      },
    ).then((r) => r.text());
    await callBridge(sims.bridge, {
      body: { customerNo: "86001308", current: 1, size: 5 },
      headers: { trace: "t-1" },
    });

    expect(sims.agent.log.count()).toBe(2);
    expect(sims.agent.log.count("updatePwd")).toBe(1);
    expect(sims.agent.log.calls[1]).toMatchObject({
      upstream: "agent",
      endpoint: "updatePwd",
      method: "GET",
      params: { customerId: created.customerId, password: "***" },
      status: 200,
      code: "200",
    });
    expect(sims.bridge.log.calls).toEqual([
      {
        upstream: "bridge",
        endpoint: "customer.page",
        method: "POST",
        params: { customerNo: "86001308", current: 1, size: 5 },
        status: 200,
        code: "0",
        trace: "t-1",
        at: expect.any(Number),
      },
    ]);
    const everything = JSON.stringify([sims.agent.log.calls, sims.bridge.log.calls]);
    for (const secret of [
      pwd,
      created.password,
      sims.agent.token,
      sims.bridge.apiKey,
      sims.bridge.secretKey,
    ]) {
      expect(everything).not.toContain(secret);
    }
    sims.agent.log.reset();
    expect(sims.agent.log.calls).toHaveLength(0);
  });

  test("close() ends hanging connections instead of waiting for them", async () => {
    const own = await startSimulators({ dataset: { agentCustomers: 3 } });
    own.agent.faults.set("*", { kind: "hang" });
    own.bridge.faults.set("*", { kind: "hang" });
    const pending = [
      fetch(`${own.agent.listBaseUrl}/open/customer/list`).catch(() => "ended"),
      fetch(`${own.bridge.baseUrl}/global/x`, { method: "POST", body: "{}" }).catch(() => "ended"),
    ];
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(own.agent.log.count() + own.bridge.log.count()).toBe(2);
    const started = Date.now();
    await own.close();
    expect(await Promise.all(pending)).toEqual(["ended", "ended"]);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
