import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { canonicalInteger, compareIntegerStrings } from "../lib/ids";
import { generateDataset, type Dataset } from "./dataset";
import { CallRecorder, FaultRules } from "./faults";
import { applyFault, Exchange, SimRuntime, type FaultBodies } from "./http";
import type { AgentSimulator, SimAgentCustomer, SimulatorOptions } from "./types";

/** The RuoYi answers, byte for byte where the vendor showed them. */
const INVALID_TOKEN = '{"code":200,"msg":"无效的认证令牌","data":null}';
const OK = '{"msg":"成功","code":200}';
const LIST_PREFIX = "/prod-api";
const ADMIN_PATH = /^(?:\/prod-api)?\/api\/agent\/(addUser|updatePwd|changeStatus)$/;

const failure = (msg: string, code = 500): string => JSON.stringify({ msg, code });

const bodies: FaultBodies = {
  envelope: (code, msg) =>
    `{"code":${/^-?\d+$/.test(code) ? code : JSON.stringify(code)},"msg":${JSON.stringify(
      msg ?? (code === "200" ? "账号信息不完整" : "操作失败"),
    )},"data":null}`,
  httpError: (status) => `<html><body><h1>${status}</h1><hr><center>nginx</center></body></html>`,
  malformed: '{"msg":"操作成功","code":200,"data":{"total":',
};

/** RuoYi binds missing/blank Integer parameters to null (then the default); garbage is a 500. */
/** A query parameter as Spring binds a Java Integer: fallback when absent, null (a 500) when it is not one. */
function intParam(value: string | null, fallback: number): number | null {
  if (value === null || value.trim() === "") return fallback;
  if (!/^-?\d{1,10}$/.test(value.trim())) return null;
  const n = Number(value.trim());
  return n >= -(2 ** 31) && n <= 2 ** 31 - 1 ? n : null;
}

const randomText = (length: number, alphabet: string): string =>
  Array.from(randomBytes(length), (b) => alphabet[b % alphabet.length]).join("");

/** The answer text of a list page (also what the decode benchmark parses). */
export function agentListText(customers: readonly SimAgentCustomer[], total: number): string {
  const rows = customers.map(
    (c) =>
      `{"trafficCount":${c.trafficCount},"residualFlow":${c.residualFlow},"customerId":${c.customerId},"userName":${JSON.stringify(c.userName)}}`,
  );
  // Hand-built so that BigDecimal and Long values go out exactly as stored, never through a JS number.
  return `{"msg":"操作成功","code":200,"data":{"total":${total},"rows":[${rows.join(",")}],"code":200,"msg":"查询成功","other":null}}`;
}

class AgentSim implements AgentSimulator {
  listBaseUrl = "";
  adminBaseUrl = "";
  readonly faults = new FaultRules();
  readonly log = new CallRecorder();
  pageSizeCap: number;
  readonly token: string;
  readonly stateValues: { active: number; disabled: number };
  readonly customers: SimAgentCustomer[];
  readonly otherChannelUserNames: string[];
  readonly runtime: SimRuntime;

  constructor(options: SimulatorOptions, dataset: Dataset) {
    this.token = options.agent?.token ?? randomText(32, "abcdef0123456789");
    this.pageSizeCap = options.agent?.pageSizeCap ?? 1000;
    this.stateValues = options.agent?.stateValues ?? { active: 0, disabled: 1 };
    this.customers = dataset.agentCustomers;
    this.otherChannelUserNames = dataset.otherChannelUserNames;
    this.runtime = new SimRuntime(options.latencyMs ?? 0);
  }

  get latencyMs(): number {
    return this.runtime.latencyMs;
  }

  set latencyMs(ms: number) {
    this.runtime.latencyMs = ms;
  }

  addCustomer(c: Partial<SimAgentCustomer> & { userName: string }): SimAgentCustomer {
    const customer: SimAgentCustomer = {
      customerId: c.customerId ?? this.nextCustomerId(),
      userName: c.userName,
      trafficCount: c.trafficCount ?? "0",
      residualFlow: c.residualFlow ?? "0",
      channel: c.channel ?? "self",
      state: c.state ?? this.stateValues.active,
      password: c.password ?? randomText(8, "abcdefghijkmnpqrstuvwxyz23456789"),
    };
    // Another channel's customers are invisible to this agent except through addUser's 202.
    if (customer.channel === "other") this.otherChannelUserNames.push(customer.userName);
    else this.customers.push(customer);
    return customer;
  }

  close(): Promise<void> {
    return this.runtime.close();
  }

  /** New ids continue the ordinary sequence, not the few planted Longs beyond 2^53. */
  private nextCustomerId(): string {
    let max = 0n;
    for (const c of this.customers) {
      const id = BigInt(c.customerId);
      if (id < 2n ** 50n && id > max) max = id;
    }
    return (max + 1n).toString();
  }

  private find(customerId: string): SimAgentCustomer | undefined {
    return this.customers.find((c) => compareIntegerStrings(c.customerId, customerId) === 0);
  }

  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    serves: { list: boolean; admin: boolean },
  ): Promise<void> {
    req.resume();
    const url = new URL(req.url ?? "/", "http://simulator");
    const admin = serves.admin ? ADMIN_PATH.exec(url.pathname) : null;
    const endpoint =
      serves.list && url.pathname === `${LIST_PREFIX}/open/customer/list`
        ? "customer.list"
        : admin !== null
          ? admin[1]
          : "unknown";
    const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
    if ("password" in params) params.password = "***";
    const ex = new Exchange(req, res, this.log, {
      upstream: "agent",
      endpoint,
      method: req.method ?? "GET",
      params,
    });

    await this.runtime.sleep(this.runtime.latencyMs);
    if (await applyFault(this.faults.take(endpoint), ex, this.runtime, bodies)) return;
    if (endpoint === "unknown") {
      return ex.send(404, failure(`请求地址'${url.pathname}'不存在`, 404), "404");
    }
    if (req.method !== "GET") return ex.send(200, failure(`请求方式'${req.method}'不支持`), "500");
    // The token filter answers HTTP 200 / code 200 with data null: only the message tells it apart.
    if (req.headers.token !== this.token) return ex.send(200, INVALID_TOKEN, "200");

    const q = url.searchParams;
    const [body, code] =
      endpoint === "customer.list"
        ? this.list(q)
        : endpoint === "addUser"
          ? this.addUser(q)
          : endpoint === "updatePwd"
            ? this.updatePwd(q)
            : this.changeStatus(q);
    ex.send(200, body, code);
  }

  private list(q: URLSearchParams): [string, string] {
    const pageNum = intParam(q.get("pageNum"), 1);
    const pageSize = intParam(q.get("pageSize"), 10);
    if (pageNum === null || pageSize === null) return [failure("参数类型不匹配"), "500"];
    const filter = (q.get("userName") ?? "").toLowerCase();
    // MySQL LIKE '%v%' under a case-insensitive collation; empty means no filter.
    const matching = this.customers.filter(
      (c) => c.channel === "self" && (filter === "" || c.userName.toLowerCase().includes(filter)),
    );
    const size = Math.min(pageSize < 1 ? 10 : pageSize, Math.max(1, this.pageSizeCap));
    const pages = Math.max(1, Math.ceil(matching.length / size));
    // PageHelper "reasonable" mode: past the last page answers the last page again.
    const page = Math.min(Math.max(pageNum, 1), pages);
    return [agentListText(matching.slice((page - 1) * size, page * size), matching.length), "200"];
  }

  private addUser(q: URLSearchParams): [string, string] {
    const userName = (q.get("userName") ?? "").trim();
    if (userName === "") return [failure("用户名不能为空"), "500"];
    const lower = userName.toLowerCase();
    if (this.customers.some((c) => c.userName.toLowerCase() === lower)) {
      return [failure("注册失败,该用户名已存在", 201), "201"];
    }
    if (this.otherChannelUserNames.some((n) => n.toLowerCase() === lower)) {
      return [failure("注册失败,该用户名已存在,不是该渠道的客户", 202), "202"];
    }
    const created = this.addCustomer({ userName });
    const newToken = randomText(27, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
    const text = `{"msg":"操作成功","password":${JSON.stringify(created.password)},"code":200,"customerId":${created.customerId},"Token":"${newToken}"}`;
    return [text, "200"];
  }

  private customerParam(q: URLSearchParams): SimAgentCustomer | string {
    const raw = q.get("customerId");
    if (raw === null || raw.trim() === "") return "客户ID不能为空";
    const id = canonicalInteger(raw.trim());
    const customer = id === null ? undefined : this.find(id);
    return customer ?? "客户不存在或不属于该渠道";
  }

  private updatePwd(q: URLSearchParams): [string, string] {
    const customer = this.customerParam(q);
    if (typeof customer === "string") return [failure(customer), "500"];
    const password = q.get("password");
    if (password === null || password === "") return [failure("密码不能为空"), "500"];
    customer.password = password;
    return [OK, "200"];
  }

  private changeStatus(q: URLSearchParams): [string, string] {
    const customer = this.customerParam(q);
    if (typeof customer === "string") return [failure(customer), "500"];
    const state = intParam(q.get("customerState"), Number.NaN);
    if (state !== this.stateValues.active && state !== this.stateValues.disabled) {
      return [failure("客户状态不正确"), "500"];
    }
    customer.state = state;
    return [OK, "200"];
  }
}

/**
 * The Agent Customer API: `/prod-api/open/customer/list` and `/api/agent/*`, the latter on a second server
 * when `separateAdminHost` (as in production), otherwise under the list's base URL (the gateway's default).
 */
export async function startAgentSimulator(
  options: SimulatorOptions = {},
  dataset: Dataset = generateDataset(options.dataset),
): Promise<AgentSimulator> {
  const sim = new AgentSim(options, dataset);
  const host = options.host ?? "127.0.0.1";
  const separate = options.agent?.separateAdminHost ?? false;
  // With two hosts each serves only its own paths, so a gateway calling the wrong base URL sees a 404.
  const serve = (serves: { list: boolean; admin: boolean }) =>
    createServer((req, res) => {
      sim.handle(req, res, serves).catch(() => res.destroy());
    });
  try {
    const origin = await sim.runtime.listen(
      serve({ list: true, admin: !separate }),
      host,
      options.ports?.agent ?? 0,
    );
    sim.listBaseUrl = `${origin}${LIST_PREFIX}`;
    sim.adminBaseUrl = separate
      ? await sim.runtime.listen(serve({ list: false, admin: true }), host, options.ports?.agentAdmin ?? 0)
      : sim.listBaseUrl;
  } catch (error) {
    await sim.close();
    throw error;
  }
  return sim;
}
