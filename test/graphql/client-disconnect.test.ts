import { setTimeout as sleep } from "node:timers/promises";
import { startStack, type TestStack } from "../support/gateway";

/**
 * A client that goes away before its answer stops the upstream work only it needed: its per-key calls
 * and window pages in flight are cancelled (not retried, not counted against the upstream), the ones not
 * yet started never start. Work another request still waits for goes on, and an index build always
 * finishes (it serves every later request). Counts are asserted, not times.
 */

/** Polls `done` (every 20 ms, at most 3 s: well inside the 8 s request deadline of these stacks). */
async function until(done: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !done(); waited += 20) {
    if (waited > 3000) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Sends `query` from a client that can hang up; the promise settles when the client gives up or is answered. */
function send(stack: TestStack, query: string) {
  const controller = new AbortController();
  const answer = fetch(stack.url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query }),
    signal: controller.signal,
  }).then(
    async (res) => (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] },
    () => null,
  );
  return { answer, hangUp: () => controller.abort() };
}

const cancelled = (stack: TestStack, endpoint: string) =>
  stack.logs().filter((r) => r.msg === "upstream call cancelled" && r.endpoint === endpoint).length;
const failed = (stack: TestStack) => stack.logs().filter((r) => r.msg === "upstream call failed").length;

/** 30 aliased exact-name lookups: per-key filtered calls, 20 at a time, on a cold gateway. */
function byNames(stack: TestStack): string {
  const names = stack.sims.agent.customers.slice(0, 30).map((c) => c.userName);
  return `{ ${names.map((n, i) => `c${i}: customerByUserName(userName: ${JSON.stringify(n)}) { id }`).join(" ")} }`;
}

describe("client disconnects", () => {
  let stack: TestStack;
  beforeEach(async () => {
    stack = await startStack({
      env: { GATEWAY_REQUEST_TIMEOUT_MS: "8000", GATEWAY_CALLER_RATE_LIMIT_PER_MIN: "0" },
    });
  });
  afterEach(() => stack.close());

  it("cancels the per-key calls only the gone request needed; the keys not yet asked are never asked", async () => {
    // The calls hang: only a cancellation ends them before the deadline.
    stack.sims.agent.faults.set("customer.list", { kind: "hang" });
    const client = send(stack, byNames(stack));
    await until(() => stack.sims.agent.log.arrivals("customer.list") === 20, "20 calls in flight");
    client.hangUp();
    expect(await client.answer).toBeNull();
    await until(() => cancelled(stack, "customer.list") === 20, "20 calls cancelled");
    await sleep(200);
    // The 10 keys behind the first 20 never went out, nothing was retried, and nothing counts as the
    // upstream's failure (no warn, no circuit).
    expect(stack.sims.agent.log.arrivals("customer.list")).toBe(20);
    expect(failed(stack)).toBe(0);
    expect(stack.gateway.circuits.anyOpen("agent")).toBe(false);
    // The request's own record says it was abandoned.
    await until(() => stack.logs().some((r) => r.msg === "graphql request"), "the request's record");
    expect(stack.logs().find((r) => r.msg === "graphql request")).toMatchObject({ aborted: true });
  });

  it("keeps the calls another request still waits for: that request gets its whole answer", async () => {
    stack.sims.agent.latencyMs = 400;
    const query = byNames(stack);
    const gone = send(stack, query);
    const staying = send(stack, query);
    await until(() => stack.sims.agent.log.arrivals("customer.list") === 20, "20 calls in flight");
    // Both requests are waiting for the same 20 calls by now (the second joined them on arrival).
    await sleep(100);
    gone.hangUp();
    const answer = await staying.answer;
    expect(answer?.errors).toBeUndefined();
    expect(Object.values(answer?.data ?? {}).filter((c) => c !== null)).toHaveLength(30);
    // 30 calls for two identical requests: none cancelled, none made twice.
    expect(stack.sims.agent.log.arrivals("customer.list")).toBe(30);
    expect(cancelled(stack, "customer.list")).toBe(0);
  });

  it("never cancels an index build: the gone request's scan finishes and serves the next request", async () => {
    stack.sims.agent.pageSizeCap = 50; // 300 customers: page 1 shows the cap, then 5 pages at once
    stack.sims.agent.latencyMs = 300;
    const id = stack.sims.agent.customers[120]?.customerId ?? "";
    const client = send(stack, `{ customer(id: "${id}") { id userName } }`);
    await until(() => stack.sims.agent.log.arrivals("customer.list") >= 1, "the scan's first page");
    client.hangUp();
    expect(await client.answer).toBeNull();
    await until(() => stack.gateway.services.agentSource.indexAgeMs() !== null, "the index");
    expect(stack.sims.agent.log.arrivals("customer.list")).toBe(6);
    expect(cancelled(stack, "customer.list")).toBe(0);
    const next = await stack.gql(`{ customer(id: "${id}") { id } }`);
    expect(next.data.customer.id).toBe(id);
    expect(stack.sims.agent.log.arrivals("customer.list")).toBe(6);
  });

  it("cancels a Bridge window's page in flight, without a retry", async () => {
    stack.sims.bridge.faults.set("customer.page", { kind: "hang" });
    const client = send(stack, `{ bridgeProfiles(first: 5) { nodes { id } } }`);
    await until(() => stack.sims.bridge.log.arrivals("customer.page") === 1, "the page call");
    client.hangUp();
    await until(() => cancelled(stack, "customer.page") === 1, "the page call cancelled");
    await sleep(200);
    expect(stack.sims.bridge.log.arrivals("customer.page")).toBe(1);
    expect(failed(stack)).toBe(0);
  });
});
