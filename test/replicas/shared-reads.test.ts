import { useFleet, waitForRedis } from "../support/replicas";

/**
 * Replicas share what a read fetched (API.md §8): one replica scans, the others read its result within
 * the same freshness bounds, and a scan in progress is joined across replicas, not repeated. Real
 * gateway processes, one real Redis, the simulators on loopback.
 */

/** Bridge records: three pages of 2,000, so that one scan is 3 calls. */
const BRIDGE_PROFILES = 5000;
const SCAN_CALLS = Math.ceil(BRIDGE_PROFILES / 2000);
const SIMULATORS = { dataset: { agentCustomers: 300, bridgeProfiles: BRIDGE_PROFILES, seed: 7 } };

const PROFILE_PAGE = `{ customers(first: 50) { nodes { id profile { customerNo name } } } }`;

interface Answer {
  status: number;
  body: {
    data?: unknown;
    errors?: { message: string; extensions?: Record<string, unknown> }[];
    extensions?: Record<string, unknown>;
  };
}

async function post(url: string, query: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, body: (await res.json()) as Answer["body"] };
}

describe("three replicas share their reads through Redis", () => {
  // Traffic reusable for a minute, so that the mutation test below tells shared pages from fresh ones.
  const fleet = useFleet({ sims: SIMULATORS, env: { GATEWAY_TRAFFIC_MAX_AGE_MS: "60000" } });
  beforeAll(() => Promise.all(fleet.urls.map((url) => post(url, "{ __typename }"))));

  it("a cold profile page requested on all three at once makes the calls of one scan in total", async () => {
    const { urls, sims } = fleet;
    sims.agent.log.reset();
    sims.bridge.log.reset();
    const answers = await Promise.all(urls.map((url) => post(url, PROFILE_PAGE)));
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body.errors).toBeUndefined();
    }
    // Every replica answers the same page, profiles included.
    expect(answers[1]?.body.data).toEqual(answers[0]?.body.data);
    expect(answers[2]?.body.data).toEqual(answers[0]?.body.data);
    const nodes = (answers[0]?.body.data as { customers: { nodes: { profile: unknown }[] } }).customers.nodes;
    expect(nodes.filter((n) => n.profile !== null).length).toBeGreaterThan(0);
    // One process makes 1 agent call and one scan; three replicas together make exactly the same.
    expect(sims.bridge.log.arrivals("customer.page")).toBe(SCAN_CALLS);
    expect(sims.agent.log.arrivals("customer.list")).toBe(1);
    // Page by page: each page of the scan asked once.
    const pages = sims.bridge.log.calls.map((c) => `${String(c.params.current)}/${String(c.params.size)}`);
    expect(new Set(pages).size).toBe(SCAN_CALLS);
  });

  it("a mutation on one replica: another's next read takes nothing the replicas shared before it", async () => {
    const { urls, sims } = fleet;
    const page = `{ customers(first: 3) { totalCount nodes { id } } }`;
    const listCalls = () => sims.agent.log.arrivals("customer.list");
    sims.agent.log.reset();
    const first = await post(urls[0] as string, page);
    const { totalCount, nodes } = (
      first.body.data as { customers: { totalCount: number; nodes: { id: string }[] } }
    ).customers;
    const byId = `{ customer(id: "${nodes[0]?.id}") { id userName } }`;
    expect((await post(urls[0] as string, byId)).body.errors).toBeUndefined();
    // The page and the scan behind customer(id) are one call each, read by replica 0 and shared:
    // replica 1 asks nothing of the agent for the same.
    expect(listCalls()).toBe(2);
    const shared = await post(urls[1] as string, page, { "x-gateway-debug": "1" });
    expect(shared.body.data).toEqual(first.body.data);
    // Its own accounting says so: a call it shared (made by another replica), none of its own.
    expect(shared.body.extensions?.gateway).toMatchObject({
      calls: {},
      sharedCalls: { "agent:customer.list": 1 },
    });
    expect((await post(urls[1] as string, byId)).body.errors).toBeUndefined();
    expect(listCalls()).toBe(2);

    const added = await post(
      urls[0] as string,
      `mutation { addUser(userName: "shared.reads@example.com") { credentials { customerId } userErrors { code } } }`,
    );
    expect(added.body.errors).toBeUndefined();
    const created = (added.body.data as { addUser: { credentials: { customerId: string } | null } }).addUser
      .credentials;
    expect(created).not.toBeNull();

    // Replica 2 never read either: the shared page and scan would answer it for another minute, but they
    // predate the mutation. It reads again, and sees the new customer.
    sims.agent.log.reset();
    const after = await post(urls[2] as string, page);
    expect((after.body.data as { customers: { totalCount: number } }).customers.totalCount).toBe(
      totalCount + 1,
    );
    const found = await post(urls[2] as string, `{ customer(id: "${created?.customerId}") { userName } }`);
    expect(found.body.data).toEqual({ customer: { userName: "shared.reads@example.com" } });
    expect(listCalls()).toBe(2);
  });

  it("Redis stopped: every replica answers, each scanning for itself", async () => {
    const { urls, sims, redis } = fleet;
    // A mutation drops every replica's agent index (the shared scan too), so that each must scan again.
    const changed = await post(
      urls[0] as string,
      `mutation { addUser(userName: "no.redis@example.com") { userErrors { code } } }`,
    );
    expect(changed.body.errors).toBeUndefined();
    await redis.stop();
    try {
      await waitForRedis(urls, "unavailable");
      sims.agent.log.reset();
      const answers = await Promise.all(
        urls.map((url) =>
          post(
            url,
            `{ customerByUserName(userName: "no.redis@example.com") { userName } customer(id: "1") { id } }`,
          ),
        ),
      );
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        expect(answer.body.errors).toBeUndefined();
        expect(answer.body.data).toMatchObject({ customerByUserName: { userName: "no.redis@example.com" } });
      }
      // Nothing shared: one scan per replica (one page of 2,000), beside the name lookups.
      const scans = sims.agent.log.calls.filter((c) => String(c.params.pageSize) === "2000");
      expect(scans).toHaveLength(3);
    } finally {
      await redis.start();
    }
    await waitForRedis(urls, "available");
  });
});

describe("cold lookups of many keys on every replica at once", () => {
  const fleet = useFleet({ sims: SIMULATORS });

  it("cost what they cost one process: one probe (page 1) and the rest of one scan", async () => {
    const { urls, sims } = fleet;
    // 30 customer numbers spread over the whole list: one process probes page 1, then scans the rest.
    const numbers = sims.bridge.records
      .map((r) => r.customerNo)
      .filter((text): text is string => text !== undefined && text !== "null")
      .map((text) => String(JSON.parse(text)))
      .filter((_, i) => i % 150 === 0)
      .slice(0, 30);
    expect(numbers).toHaveLength(30);
    const query = `{ ${numbers.map((n, i) => `p${i}: bridgeProfile(customerNo: "${n}") { customerNo }`).join(" ")} }`;
    sims.bridge.log.reset();
    const answers = await Promise.all(urls.map((url) => post(url, query)));
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data).toEqual(
        Object.fromEntries(numbers.map((n, i) => [`p${i}`, { customerNo: n }])),
      );
    }
    expect(sims.bridge.log.arrivals()).toBe(SCAN_CALLS);
  });
});

describe("a replica that comes later", () => {
  // A budget that one scan spends: alone, a second replica could neither scan nor be answered.
  const fleet = useFleet({
    sims: SIMULATORS,
    env: { BRIDGE_RATE_LIMIT_PER_MIN: String(SCAN_CALLS) },
    count: 2,
  });

  it("reads the scan another replica made within the freshness bound, even with the budget spent", async () => {
    const { urls, sims } = fleet;
    sims.bridge.log.reset();
    const first = await post(urls[0] as string, PROFILE_PAGE);
    expect(first.body.errors).toBeUndefined();
    expect(sims.bridge.log.arrivals()).toBe(SCAN_CALLS);
    // One customer number, which alone the second replica would ask Bridge for (one filtered call, which
    // its budget cannot pay now): it takes the first one's scan instead.
    const customerNo = (
      first.body.data as { customers: { nodes: { profile: { customerNo: string } | null }[] } }
    ).customers.nodes.find((n) => n.profile !== null)?.profile?.customerNo;
    const one = await post(
      urls[1] as string,
      `{ bridgeProfile(customerNo: "${customerNo}") { customerNo } }`,
    );
    expect(one.body).toEqual({ data: { bridgeProfile: { customerNo } } });
    const later = await post(urls[1] as string, PROFILE_PAGE);
    expect(later.status).toBe(200);
    expect(later.body.errors).toBeUndefined();
    expect(later.body.data).toEqual(first.body.data);
    expect(sims.bridge.log.arrivals()).toBe(SCAN_CALLS);
  });
});

describe("a replica that dies in the middle of a shared scan", () => {
  const fleet = useFleet({ sims: SIMULATORS });
  beforeAll(() => Promise.all(fleet.urls.map((url) => post(url, "{ __typename }"))));

  it("is taken over by another replica, which answers within the deadline: no 5xx, one scan more", async () => {
    const { urls, sims, replicas } = fleet;
    // Each Bridge page takes a second: the scan is still running when its holder is killed.
    sims.bridge.latencyMs = 1000;
    sims.bridge.log.reset();
    const requests = urls.map((url, i) =>
      post(url, PROFILE_PAGE, { "x-request-id": `replica-${i}-cold` }).catch(
        (error: unknown) => error as Error,
      ),
    );
    // The holder's first page answered (its trace names the request, and so the replica), the rest in flight.
    const until = Date.now() + 20_000;
    while (sims.bridge.log.calls.length === 0 && Date.now() < until)
      await new Promise((r) => setTimeout(r, 10));
    const trace = sims.bridge.log.calls[0]?.trace ?? "";
    const holder = Number(/^replica-(\d)-cold/.exec(trace)?.[1]);
    expect([0, 1, 2]).toContain(holder);
    replicas[holder]?.child.kill("SIGKILL");

    const answers = await Promise.all(requests);
    const survivors = answers.filter((_, i) => i !== holder) as Answer[];
    for (const answer of survivors) {
      expect(answer.status).toBe(200);
      expect(answer.body.errors).toBeUndefined();
    }
    expect(survivors[1]?.body.data).toEqual(survivors[0]?.body.data);
    const nodes = (survivors[0]?.body.data as { customers: { nodes: { profile: unknown }[] } }).customers
      .nodes;
    expect(nodes.filter((n) => n.profile !== null).length).toBeGreaterThan(0);
    // The holder's scan, cut short, and one whole scan by one of the others; the third read its pages.
    const callsBy = (i: number) =>
      sims.bridge.log.calls.filter((c) => (c.trace ?? "").startsWith(`replica-${i}-cold`)).length;
    const others = [0, 1, 2]
      .filter((i) => i !== holder)
      .map(callsBy)
      .sort();
    expect(others).toEqual([0, SCAN_CALLS]);
    expect(callsBy(holder)).toBeLessThanOrEqual(SCAN_CALLS);
  }, 60_000);
});
