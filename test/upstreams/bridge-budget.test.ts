import { isUpstreamError } from "../../src/upstreams/errors";
import { BRIDGE_RATE, BridgeBudget, bridgeMayRetry } from "../../src/upstreams/bridge/budget";
import { UpstreamError } from "../../src/upstreams/errors";
import { ManualClock } from "../support/clock";

const START = 1_000_000;

function budget(perMinute = 3) {
  const clock = new ManualClock(START);
  return { clock, budget: new BridgeBudget({ perMinute, clock }) };
}

async function refusal(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!isUpstreamError(error)) throw new Error("expected an UpstreamError");
  return error;
}

describe("the Bridge budget", () => {
  it("allows perMinute calls in any sliding window, then refuses a call whose slot frees after its deadline", async () => {
    const { clock, budget: b } = budget(3);
    for (let i = 0; i < 3; i++) await b.acquire(START + 1000, "customer.page");
    expect(await b.available()).toBe(0);
    const error = await refusal(b.acquire(START + 1000, "customer.page"));
    expect(error).toMatchObject({ kind: "rate_limited", upstream: "bridge", retryAfterMs: 60_000 });
    clock.advance(60_000);
    expect(await b.available()).toBe(3);
  });

  it("waits for a slot that frees before the deadline, on its own clock", async () => {
    const { clock, budget: b } = budget(1);
    await b.acquire(START + 1000, "customer.page");
    let got = false;
    const waiting = b.acquire(START + 120_000, "customer.page").then(() => (got = true));
    await Promise.resolve();
    expect(got).toBe(false);
    clock.advance(60_000);
    await waiting;
    expect(got).toBe(true);
  });

  it("tells the planner what is free now and by a deadline, and its reserve", async () => {
    const { clock, budget: b } = budget(8);
    await b.acquire(START + 1000, "customer.page");
    clock.advance(30_000);
    await b.acquire(START + 90_000, "customer.page");
    expect(await b.view(START + 30_000)).toEqual({ available: 6, freeByDeadline: 6, reserve: 2 });
    // By 61 s the first call has left the window.
    expect(await b.view(START + 61_000)).toMatchObject({ available: 6, freeByDeadline: 7 });
  });

  it.each([
    ["429 with Retry-After", { httpStatus: 429, retryAfterMs: 7000, banned: false }, 7000],
    ["429 with only the reset header", { httpStatus: 429, resetMs: 9000, banned: false }, 9000],
    ["429 saying nothing: the upstream's window", { httpStatus: 429, banned: false }, BRIDGE_RATE.windowMs],
    ["418 saying nothing: the first ban's length", { httpStatus: 418, banned: true }, BRIDGE_RATE.firstBanMs],
  ])("%s closes the gate for %#'s wait", async (_name, info, wait) => {
    const { clock, budget: b } = budget(90);
    await b.observe({ ...info });
    expect(b.isBlocked()).toBe(true);
    expect(await b.available()).toBe(0);
    const error = await refusal(b.acquire(START + wait - 1, "customer.page"));
    expect(error.retryAfterMs).toBe(wait);
    clock.advance(wait);
    expect(b.isBlocked()).toBe(false);
    await b.acquire(START + wait, "customer.page");
  });

  it("ignores answers that are not refusals", async () => {
    const { budget: b } = budget(90);
    await b.observe({ httpStatus: 200, banned: false });
    expect(b.isBlocked()).toBe(false);
    expect(await b.available()).toBe(90);
  });

  it("reset forgets calls and the gate", async () => {
    const { budget: b } = budget(1);
    await b.acquire(START + 1, "customer.page");
    await b.observe({ httpStatus: 418, banned: true });
    await b.reset();
    expect(await b.available()).toBe(1);
    expect(b.isBlocked()).toBe(false);
  });

  it.each([
    ["a 418 ban", { kind: "rate_limited", httpStatus: 418, retryAfterMs: 1 }, false],
    ["a WAF 403", { kind: "unavailable", httpStatus: 403 }, false],
    ["a 429 without a known wait", { kind: "rate_limited", httpStatus: 429 }, false],
    ["a 429 with Retry-After", { kind: "rate_limited", httpStatus: 429, retryAfterMs: 100 }, true],
    ["a 503", { kind: "unavailable", httpStatus: 503 }, true],
    ["a timeout", { kind: "timeout" }, true],
  ] as const)("may retry after %s: %s", (_name, fields, expected) => {
    const err = new UpstreamError("x", { upstream: "bridge", endpoint: "customer.page", ...fields });
    expect(bridgeMayRetry(err)).toBe(expected);
  });
});
