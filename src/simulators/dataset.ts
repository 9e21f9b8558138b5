import type { DatasetOptions, SimAgentCustomer, SimBridgeRecord } from "./types";

/**
 * A deterministic, realistic dataset for both simulators. The same seed always gives the same data, so
 * tests, benchmarks and a developer's `npm run simulate` all see the same customers. It deliberately
 * contains every upstream quirk the gateway must survive: Jackson number forms, Longs beyond 2^53,
 * substring-sharing names, profiles linked twice (some with equal updateTime), orphans, nulls, unknown enums.
 */
export interface Dataset {
  /** Agent customers of the gateway's own channel, in list order. */
  agentCustomers: SimAgentCustomer[];
  /** Names registered by another channel: addUser answers 202 for them. */
  otherChannelUserNames: string[];
  bridgeRecords: SimBridgeRecord[];
}

export interface DatasetBridgeInfo {
  /** Written into every record's companyId when it is an integer (default "1001"). */
  companyId?: string;
  /** Bridge field that holds the agent customerId (default "agentCustomerNo"). */
  linkField?: string;
}

/** mulberry32: tiny, fast and good enough to make varied but reproducible data. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = ["ann", "li", "wei", "maria", "john", "chen", "olga", "ahmed", "yuki", "pedro", "lena", "omar"];
const LAST = ["smith", "wang", "zhang", "garcia", "ivanova", "tanaka", "khan", "silva", "muller", "lee"];
const DOMAINS = ["gmail.com", "qq.com", "163.com", "outlook.com", "yahoo.co.jp", "proton.me", "x.com"];
const GROUPS = ["Default", "VIP", "IB Partners", "Asia Retail"];
const UNITS = ["Head Office", "Shenzhen Branch", "Dubai Desk"];

/** Jackson writes a BigDecimal with negative scale in scientific notation: 512000000 as "5.12E+8". */
export function jacksonScientific(integerText: string): string {
  const digits = integerText.replace(/0+$/, "");
  const zeros = integerText.length - digits.length;
  if (zeros === 0 || digits === "") return integerText;
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${mantissa}E+${digits.length - 1 + zeros}`;
}

/** JSON text of a value for a stored Bridge record (strings quoted, bigint/number raw, null as null). */
export function jsonText(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "object" && "isLosslessNumber" in value) return String(value);
  return JSON.stringify(value);
}

export function generateDataset(options: DatasetOptions = {}, bridge: DatasetBridgeInfo = {}): Dataset {
  const rand = mulberry32(options.seed ?? 20251226);
  const int = (min: number, max: number): number => min + Math.floor(rand() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)];
  const count = Math.max(0, options.agentCustomers ?? 3000);

  const agentCustomers = generateAgentCustomers(count, rand, int, pick);
  const otherChannelUserNames = ["lisi@q.com", "Taken@Other-Channel.com", "reseller.b@163.com"];
  const bridgeRecords = generateBridgeRecords(
    agentCustomers,
    options.bridgeProfiles,
    bridge,
    rand,
    int,
    pick,
  );
  return { agentCustomers, otherChannelUserNames, bridgeRecords };
}

type Int = (min: number, max: number) => number;
type Pick = <T>(items: readonly T[]) => T;

function generateAgentCustomers(count: number, rand: () => number, int: Int, pick: Pick): SimAgentCustomer[] {
  const customer = (customerId: string, userName: string, trafficCount: string, residualFlow: string) => ({
    customerId,
    userName,
    trafficCount,
    residualFlow,
    channel: "self" as const,
    state: 0,
    password: "",
  });
  // Fixed cases first: the vendor's own example, the substring trio and a Long beyond 2^53.
  const fixed: SimAgentCustomer[] = [
    customer("39", "bazhuayu@gmaill.com", "512000000.0", "205587097.6"),
    customer("1001", "ann@x.com", "5.12E+8", "1E-10"),
    customer("1002", "joann@x.com", "0", "0"),
    customer("1003", "ANN@X.COM.CN", "100.50", "200.25"), // residualFlow > trafficCount happens upstream
    customer("9007199254740993", "big.id@example.com", "1024", "1023.9"),
  ];
  const out = fixed.slice(0, count);
  const names = new Set(out.map((c) => c.userName.toLowerCase()));
  let nextId = 1010n;
  let bigId = 9007199254741001n;
  for (let i = out.length; i < count; i++) {
    let customerId: string;
    // About one in 500 ids is beyond 2^53, so that every page scan meets some.
    if (i % 499 === 250) {
      customerId = bigId.toString();
      bigId += BigInt(int(2, 97));
    } else {
      customerId = nextId.toString();
      nextId += BigInt(int(1, 3));
    }
    let userName = `${pick(FIRST)}.${pick(LAST)}${int(1, 999)}@${pick(DOMAINS)}`;
    while (names.has(userName.toLowerCase())) userName = `${int(1, 9)}${userName}`;
    if (rand() < 0.03) userName = userName.toUpperCase();
    names.add(userName.toLowerCase());
    const [trafficCount, residualFlow] = trafficPair(rand, int);
    out.push(customer(customerId, userName, trafficCount, residualFlow));
  }
  return out;
}

/** Traffic in MB as Jackson writes BigDecimals: plain, with ".0", scientific, tiny, zero. */
function trafficPair(rand: () => number, int: Int): [string, string] {
  const mb = BigInt(int(1, 500)) * 1024n * (rand() < 0.3 ? 1000n : 1n);
  const form = rand();
  const traffic =
    form < 0.4
      ? mb.toString()
      : form < 0.7
        ? `${mb}.0`
        : form < 0.95
          ? jacksonScientific(mb.toString())
          : "0";
  const r = rand();
  let residual: string;
  if (r < 0.05) residual = "0";
  else if (r < 0.08) residual = "1E-10";
  else if (r < 0.1)
    residual = `${mb + BigInt(int(1, 5000))}.5`; // more left than bought: seen upstream
  else {
    const tenths = (mb * 10n * BigInt(int(0, 1000))) / 1000n;
    residual = `${tenths / 10n}.${tenths % 10n}`;
  }
  return [traffic, residual];
}

const RECORD_FIELDS = [
  "agentCustomerNo",
  "companyId",
  "createTime",
  "customerGroupId",
  "customerGroupName",
  "customerNo",
  "customerType",
  "email",
  "firstAccountActivateTime",
  "firstName",
  "id",
  "idCard",
  "idCardType",
  "lastName",
  "loginTime",
  "name",
  "openAccountType",
  "phone",
  "phoneArea",
  "registerSource",
  "remark",
  "status",
  "tgUserId",
  "tgUserName",
  "thirdAccountNo",
  "thirdLoginSource",
  "thirdUserId",
  "unitId",
  "unitName",
  "updateTime",
] as const;

/** What a profile is linked to; `updateTime` fixed only where a test case depends on it. */
interface ProfileSpec {
  link: string | null;
  email?: string;
  updateTime?: number;
  customerNo?: string;
}

function generateBridgeRecords(
  customers: SimAgentCustomer[],
  wanted: number | undefined,
  bridge: DatasetBridgeInfo,
  rand: () => number,
  int: Int,
  pick: Pick,
): SimBridgeRecord[] {
  const linkField = bridge.linkField ?? "agentCustomerNo";
  const companyId = /^\d+$/.test(bridge.companyId ?? "1001") ? (bridge.companyId ?? "1001") : "1001";
  const T0 = 1640995200000; // 2022-01-01
  const T1 = 1764547200000; // 2025-12-01
  const first: ProfileSpec[] = [];
  const second: ProfileSpec[] = [];
  customers.forEach((c, i) => {
    const email = c.userName.toLowerCase();
    // Fixed cases: 39 twice with EQUAL updateTime (tie-break on id), ann@x.com twice, joann unlinked.
    if (i === 0) {
      first.push({ link: c.customerId, email, updateTime: 1700000000000, customerNo: "86001308" });
      second.push({ link: c.customerId, email, updateTime: 1700000000000 });
      return;
    }
    if (i === 1) {
      first.push({ link: c.customerId, email, updateTime: 1690000000000 });
      second.push({ link: c.customerId, email, updateTime: 1710000000000 });
      return;
    }
    if (i === 2) return;
    if (i < 5) {
      first.push({ link: c.customerId, email });
      return;
    }
    const r = rand();
    if (r < 0.1) return; // unlinked
    first.push({ link: c.customerId, email: rand() < 0.8 ? email : undefined });
    if (r < 0.15) {
      const equal = rand() < 0.25;
      const t = int(T0, T1);
      first[first.length - 1].updateTime = t;
      second.push({ link: c.customerId, updateTime: equal ? t : t + int(-1e9, 1e9) });
    }
  });
  // Orphans: a profile linked to nobody, one whose customerNo is a prefix of another's (exact filter).
  const orphans: ProfileSpec[] = [{ link: null, customerNo: "8600130" }];
  const orphanCount = Math.max(1, Math.round(customers.length * 0.05));
  for (let i = 1; i < orphanCount; i++) {
    orphans.push({ link: pick([null, null, "", "99999999", "123456789012345"]) });
  }
  let specs = [...first, ...orphans, ...second];
  if (wanted !== undefined) {
    specs = specs.slice(0, Math.max(0, wanted));
    while (specs.length < wanted) specs.push({ link: null });
  }

  const usedNos = new Set(specs.map((s) => s.customerNo).filter((n): n is string => n !== undefined));
  let nextNo = 86001000;
  let nextId = 1_000_001n;
  let bigId = 9007199254740995n;
  return specs.map((spec, i) => {
    let customerNo = spec.customerNo;
    while (customerNo === undefined || (spec.customerNo === undefined && usedNos.has(customerNo))) {
      nextNo += int(1, 7);
      customerNo = String(nextNo);
    }
    usedNos.add(customerNo);
    let id: bigint;
    if (i % 211 === 7) {
      id = bigId;
      bigId += BigInt(int(2, 50));
    } else {
      id = nextId;
      nextId += BigInt(int(1, 4));
    }
    const firstName = pick(FIRST);
    const lastName = pick(LAST);
    const createTime = int(T0, T1 - 1e9);
    const updateTime = spec.updateTime ?? createTime + int(0, 1e9);
    const fields: Record<string, unknown> = {
      agentCustomerNo: null,
      companyId: BigInt(companyId),
      createTime: rand() < 0.03 ? pick([0, null, undefined]) : createTime,
      customerGroupId: rand() < 0.1 ? null : BigInt(int(1, 4)),
      customerGroupName: rand() < 0.1 ? null : pick(GROUPS),
      customerNo,
      customerType: rand() < 0.02 ? 7 : pick([0, 0, 0, 1, 2, 3]),
      email: spec.email ?? (rand() < 0.1 ? null : `${firstName}.${lastName}@${pick(DOMAINS)}`),
      firstAccountActivateTime: rand() < 0.4 ? pick([0, null]) : updateTime,
      firstName,
      id,
      idCard: rand() < 0.3 ? null : `1101011990${String(int(0, 99999999)).padStart(8, "0")}`,
      idCardType: rand() < 0.3 ? null : pick(["ID_CARD", "PASSPORT"]),
      lastName,
      loginTime: rand() < 0.2 ? null : updateTime + int(0, 1e8),
      name: `${firstName} ${lastName}`,
      openAccountType: pick([0, 0, 1]),
      phone: rand() < 0.2 ? null : `13${String(int(0, 999999999)).padStart(9, "0")}`,
      phoneArea: pick(["+86", "86", "+971", null]),
      registerSource: rand() < 0.02 ? 42 : int(1, 9),
      remark: rand() < 0.9 ? null : "migrated from legacy CRM",
      status: rand() < 0.02 ? 9 : pick([1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6]),
      tgUserId: null,
      tgUserName: null,
      thirdAccountNo: null,
      thirdLoginSource: null,
      thirdUserId: null,
      unitId: rand() < 0.5 ? null : BigInt(int(1, 3)),
      unitName: rand() < 0.5 ? null : pick(UNITS),
      updateTime: rand() < 0.02 && spec.updateTime === undefined ? pick([0, null, undefined]) : updateTime,
    };
    fields[linkField] = spec.link;
    const record: SimBridgeRecord = {};
    for (const name of [...RECORD_FIELDS, linkField]) {
      if (fields[name] !== undefined) record[name] = jsonText(fields[name]);
    }
    return record;
  });
}
