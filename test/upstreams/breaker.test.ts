import {
  BREAKER_SETTINGS,
  judgeFailure,
  UpstreamCircuits,
  type CircuitChange,
  type FailureVerdict,
} from "../../src/upstreams/breaker";
import { UpstreamError, type UpstreamErrorDetails } from "../../src/upstreams/errors";
import { withRetries } from "../../src/upstreams/retry";

function failure(details: Partial<UpstreamErrorDetails> & Pick<UpstreamErrorDetails, "kind">): UpstreamError {
  return new UpstreamError("test failure", { upstream: "agent", endpoint: "customer.list", ...details });
}

describe("which failures count against an endpoint", () => {
  const table: [string, FailureVerdict, unknown][] = [
    [
      "agent token refused inside HTTP 200",
      "credentials",
      failure({ kind: "auth_failed", upstreamCode: "200" }),
    ],
    [
      "Bridge signature refused (00012001)",
      "credentials",
      failure({ kind: "auth_failed", upstream: "bridge", upstreamCode: "00012001" }),
    ],
    [
      "Bridge unknown key (00012003)",
      "credentials",
      failure({ kind: "auth_failed", upstream: "bridge", upstreamCode: "00012003" }),
    ],
    ["HTTP 401", "credentials", failure({ kind: "auth_failed", httpStatus: 401 })],
    ["HTTP 502", "endpoint", failure({ kind: "unavailable", httpStatus: 502 })],
    ["code 500 inside HTTP 200", "endpoint", failure({ kind: "unavailable", upstreamCode: "500" })],
    ["WAF 403", "endpoint", failure({ kind: "unavailable", httpStatus: 403 })],
    ["connection refused or reset", "endpoint", failure({ kind: "unavailable" })],
    ["no answer in time", "endpoint", failure({ kind: "timeout" })],
    ["malformed body", "endpoint", failure({ kind: "bad_response" })],
    [
      "user exists / validation refusal inside HTTP 200",
      "neutral",
      failure({ kind: "rejected", upstreamCode: "500" }),
    ],
    ["Bridge 429", "neutral", failure({ kind: "rate_limited", upstream: "bridge", httpStatus: 429 })],
    ["Bridge 418 ban", "neutral", failure({ kind: "rate_limited", upstream: "bridge", httpStatus: 418 })],
    ["the gateway's own Bridge budget", "neutral", failure({ kind: "rate_limited", upstream: "bridge" })],
    ["the caller cancelled", "neutral", failure({ kind: "timeout", gatewaySide: true })],
    ["deadline passed before sending", "neutral", failure({ kind: "timeout", gatewaySide: true })],
    ["refused by an open circuit", "neutral", failure({ kind: "unavailable", circuitOpen: true })],
    ["a bug in the gateway", "neutral", new TypeError("x is undefined")],
  ];
  it.each(table)("%s: %s", (_name, verdict, error) => {
    expect(judgeFailure(error)).toBe(verdict);
  });
});

/** Circuits on a clock the test moves, and an "upstream" that counts the attempts it receives. */
function harness() {
  let now = 1_000_000;
  const changes: CircuitChange[] = [];
  const circuits = new UpstreamCircuits({
    endpoints: [
      { upstream: "agent", endpoint: "customer.list" },
      { upstream: "agent", endpoint: "addUser" },
      { upstream: "bridge", endpoint: "customer.page" },
    ],
    now: () => now,
    onChange: (c) => changes.push(c),
  });
  const sent: string[] = [];
  let answer: () => Promise<string> = () => Promise.resolve("ok");
  const call = (endpoint = "customer.list", upstream: "agent" | "bridge" = "agent") =>
    circuits.run(upstream, endpoint, () => {
      sent.push(`${upstream} ${endpoint}`);
      return answer();
    });
  const settle = (p: Promise<unknown>) =>
    p.then(
      () => "ok" as const,
      (e: unknown) => e,
    );
  return {
    circuits,
    changes,
    sent,
    call,
    settle,
    answerWith(fn: () => Promise<string>) {
      answer = fn;
    },
    advance(ms: number) {
      now += ms;
    },
  };
}

describe("UpstreamCircuits", () => {
  it("opens an endpoint after consecutive endpoint failures, then lets one probe through per open period", async () => {
    const h = harness();
    h.answerWith(() => Promise.reject(failure({ kind: "bad_response" })));
    for (let i = 0; i < BREAKER_SETTINGS.endpointFailuresToOpen; i++) await h.settle(h.call());
    expect(h.sent).toHaveLength(BREAKER_SETTINGS.endpointFailuresToOpen);
    expect(h.changes).toEqual([
      {
        upstream: "agent",
        endpoint: "customer.list",
        change: "opened",
        cause: "bad_response",
        openForMs: 5000,
      },
    ]);

    // Open: 50 calls are refused without being sent, as "unavailable" with a retry time, never ambiguous.
    const refused = await Promise.all(Array.from({ length: 50 }, () => h.settle(h.call())));
    expect(h.sent).toHaveLength(5);
    for (const error of refused) {
      expect(error).toMatchObject({
        kind: "unavailable",
        circuitOpen: true,
        ambiguous: false,
        retryAfterMs: 5000,
      });
    }
    // Other endpoints and the other upstream are not affected.
    await expect(h.call("customer.page", "bridge")).rejects.toMatchObject({ kind: "bad_response" });
    expect(h.circuits.status()).toEqual([
      { upstream: "agent", endpoint: "customer.list", open: true },
      { upstream: "agent", endpoint: "addUser", open: false },
      { upstream: "bridge", endpoint: "customer.page", open: false },
    ]);

    // After the period: one probe among 20 concurrent calls; it fails, the others are refused with it.
    h.sent.length = 0;
    h.advance(5000);
    const round = await Promise.all(Array.from({ length: 20 }, () => h.settle(h.call())));
    expect(h.sent).toEqual(["agent customer.list"]);
    expect(round.filter((e) => (e as UpstreamError).circuitOpen)).toHaveLength(19);
    // A failed probe re-opens quietly: still one "opened" record.
    expect(h.changes.filter((c) => c.change === "opened")).toHaveLength(1);

    // Recovery: the next probe succeeds, the circuit closes, every call goes through again.
    h.advance(5000);
    h.answerWith(() => Promise.resolve("ok"));
    const recovered = await Promise.all(Array.from({ length: 10 }, () => h.settle(h.call())));
    expect(recovered).toEqual(Array(10).fill("ok"));
    expect(h.sent).toHaveLength(1 + 10);
    expect(h.changes.at(-1)).toEqual({ upstream: "agent", endpoint: "customer.list", change: "closed" });
    expect(h.circuits.anyOpen("agent")).toBe(false);
  });

  it("a success between failures resets the count: intermittent failures do not open it", async () => {
    const h = harness();
    let n = 0;
    h.answerWith(() =>
      ++n % 4 === 0 ? Promise.resolve("ok") : Promise.reject(failure({ kind: "unavailable" })),
    );
    for (let i = 0; i < 40; i++) await h.settle(h.call());
    expect(h.sent).toHaveLength(40);
    expect(h.changes).toEqual([]);
  });

  it("business refusals and rate limiting never open it, however many", async () => {
    const h = harness();
    h.answerWith(() => Promise.reject(failure({ kind: "rejected" })));
    for (let i = 0; i < 20; i++) await h.settle(h.call("addUser"));
    h.answerWith(() =>
      Promise.reject(failure({ kind: "rate_limited", upstream: "bridge", httpStatus: 429 })),
    );
    for (let i = 0; i < 20; i++) await h.settle(h.call("customer.page", "bridge"));
    expect(h.sent).toHaveLength(40);
    expect(h.changes).toEqual([]);
  });

  it("a refused credential stops every endpoint of its upstream at once, for longer, with one probe per period", async () => {
    const h = harness();
    h.answerWith(() => Promise.reject(failure({ kind: "auth_failed", upstreamCode: "200" })));
    await expect(h.call()).rejects.toMatchObject({ kind: "auth_failed", circuitOpen: false });
    expect(h.changes).toEqual([
      {
        upstream: "agent",
        change: "opened",
        cause: "auth_failed",
        openForMs: BREAKER_SETTINGS.credentialsOpenMs,
      },
    ]);
    // A mutation now fails at once: nothing sent, and certainly not half-applied.
    await expect(h.call("addUser")).rejects.toMatchObject({
      kind: "auth_failed",
      circuitOpen: true,
      ambiguous: false,
      endpoint: "addUser",
    });
    expect(h.sent).toEqual(["agent customer.list"]);
    // Bridge is another account: unaffected.
    h.answerWith(() => Promise.resolve("ok"));
    await expect(h.call("customer.page", "bridge")).resolves.toBe("ok");
    h.answerWith(() => Promise.reject(failure({ kind: "auth_failed", upstreamCode: "200" })));

    // Still stopped after an endpoint's period (5 s); one probe for the whole upstream after 60 s.
    h.sent.length = 0;
    h.advance(BREAKER_SETTINGS.endpointOpenMs);
    await h.settle(h.call());
    expect(h.sent).toEqual([]);
    h.advance(BREAKER_SETTINGS.credentialsOpenMs - BREAKER_SETTINGS.endpointOpenMs);
    await Promise.all([h.call(), h.call("addUser"), h.call(), h.call("updatePwd")].map(h.settle));
    expect(h.sent).toEqual(["agent customer.list"]);

    // Refused again: the next period is twice as long (then capped).
    h.advance(BREAKER_SETTINGS.credentialsOpenMs);
    await h.settle(h.call());
    expect(h.sent).toHaveLength(1);
    h.advance(BREAKER_SETTINGS.credentialsOpenMs);
    await h.settle(h.call());
    expect(h.sent).toHaveLength(2);
    expect(h.changes.filter((c) => c.change === "opened")).toHaveLength(1);
  });

  it("a probe that fails for another reason than credentials closes the credentials circuit", async () => {
    const h = harness();
    h.answerWith(() => Promise.reject(failure({ kind: "auth_failed" })));
    await h.settle(h.call());
    h.advance(BREAKER_SETTINGS.credentialsOpenMs);
    h.answerWith(() => Promise.reject(failure({ kind: "unavailable", httpStatus: 503 })));
    await expect(h.call()).rejects.toMatchObject({ kind: "unavailable", circuitOpen: false });
    expect(h.changes.at(-1)).toEqual({ upstream: "agent", change: "closed" });
    await expect(h.call()).rejects.toMatchObject({ circuitOpen: false });
  });

  it("refuseIfOpen throws the same error before a call takes any other resource", async () => {
    const h = harness();
    expect(() => h.circuits.refuseIfOpen("bridge", "customer.page")).not.toThrow();
    h.answerWith(() =>
      Promise.reject(failure({ kind: "auth_failed", upstream: "bridge", upstreamCode: "00012001" })),
    );
    await h.settle(h.call("customer.page", "bridge"));
    expect(() => h.circuits.refuseIfOpen("bridge", "customer.page")).toThrow(
      expect.objectContaining({ kind: "auth_failed", circuitOpen: true, upstream: "bridge" }),
    );
    // After the period the probe may go: refuseIfOpen lets it pass.
    h.advance(BREAKER_SETTINGS.credentialsOpenMs);
    expect(() => h.circuits.refuseIfOpen("bridge", "customer.page")).not.toThrow();
  });

  it("an open circuit's error is not retried", async () => {
    const h = harness();
    h.answerWith(() => Promise.reject(failure({ kind: "unavailable", httpStatus: 503 })));
    for (let i = 0; i < BREAKER_SETTINGS.endpointFailuresToOpen; i++) await h.settle(h.call());
    let attempts = 0;
    const started = Date.now();
    await expect(
      withRetries(
        () => {
          attempts++;
          return h.call();
        },
        { deadline: Date.now() + 10_000, options: { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 1000 } },
      ),
    ).rejects.toMatchObject({ circuitOpen: true });
    expect(attempts).toBe(1);
    expect(Date.now() - started).toBeLessThan(500);
  });
});
