import {
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  isBrokenCircuitError,
  type CircuitBreakerPolicy,
  type IBackoff,
  type IBackoffFactory,
  type IHalfOpenAfterBackoffContext,
} from "cockatiel";
import { isUpstreamError, UpstreamError, type UpstreamErrorKind, type UpstreamName } from "./errors";
import type { CallInstrument } from "./instrument";

/**
 * Circuit breakers for the upstream endpoints (API.md §6 "Failing upstreams"): after repeated failures an
 * endpoint gets no calls for a while, then one probe; a refused credential stops every call to its
 * upstream at once and for longer, so that a refused token or key is never hammered into a locked account.
 *
 * Two kinds of circuit, both cockatiel CircuitBreakerPolicies (closed -> open -> half-open with one probe,
 * the other callers waiting for its verdict):
 * - one per endpoint ("agent customer.list", "bridge customer.page", ...), opened by
 *   `ENDPOINT_FAILURES_TO_OPEN` consecutive endpoint failures, for `ENDPOINT_OPEN_MS`;
 * - one per upstream for its credentials (the agent token, the Bridge key and signature), opened by the
 *   first auth refusal on any of its endpoints, for `CREDENTIALS_OPEN_MS`, doubling with every refused
 *   probe up to `CREDENTIALS_MAX_OPEN_MS`. One probe per open period for the whole upstream.
 *
 * Time comes from an injected clock, so tests move it instead of sleeping.
 */

/** The breaker's timings and threshold: constants, since API.md §3 names no variables for them. */
export interface BreakerSettings {
  /** Consecutive endpoint failures (5xx, timeouts, connection errors, malformed answers) that open it. */
  endpointFailuresToOpen: number;
  /** How long an endpoint's circuit stays open before one probe call. */
  endpointOpenMs: number;
  /** How long a refused credential stops its upstream before one probe call. */
  credentialsOpenMs: number;
  /** The longest a refused credential stops its upstream (the open time doubles with each refused probe). */
  credentialsMaxOpenMs: number;
}

export const BREAKER_SETTINGS: Readonly<BreakerSettings> = {
  endpointFailuresToOpen: 5,
  endpointOpenMs: 5_000,
  credentialsOpenMs: 60_000,
  credentialsMaxOpenMs: 10 * 60_000,
};

/**
 * What one failed call says about the upstream:
 * - `credentials`: the upstream refused who we are (agent token, Bridge key, signature, time window);
 * - `endpoint`: the endpoint could not serve the call (HTTP 5xx, WAF 403, timeout, connection refused or
 *   reset, a body that is not the documented answer);
 * - `neutral`: the upstream works — a business refusal inside HTTP 200 ("user exists", an unknown
 *   customer), rate limiting (Bridge 429/418 belong to the budget's gate), or a failure of the gateway's
 *   own (the caller cancelled, the deadline had passed before sending, a bug).
 */
export type FailureVerdict = "credentials" | "endpoint" | "neutral";

const ENDPOINT_FAILURES: ReadonlySet<UpstreamErrorKind> = new Set(["timeout", "unavailable", "bad_response"]);

export function judgeFailure(error: unknown): FailureVerdict {
  if (!isUpstreamError(error) || error.gatewaySide || error.circuitOpen) return "neutral";
  if (error.kind === "auth_failed") return "credentials";
  return ENDPOINT_FAILURES.has(error.kind) ? "endpoint" : "neutral";
}

/** A change of one circuit, for the logs: `endpoint` is absent for an upstream's credentials circuit. */
export interface CircuitChange {
  upstream: UpstreamName;
  endpoint?: string;
  /** "opened": calls stopped (from closed); "closed": a probe succeeded. Failed probes are not repeated. */
  change: "opened" | "closed";
  /** The kind of failure that opened it. */
  cause?: UpstreamErrorKind;
  /** How long calls stay stopped, when opened. */
  openForMs?: number;
}

export interface CircuitStatus {
  upstream: UpstreamName;
  endpoint: string;
  /** True while calls are stopped or only a probe may go: the endpoint's or its credentials' circuit. */
  open: boolean;
}

/** One cockatiel circuit whose open period is measured on the injected clock. */
class Circuit {
  readonly policy: CircuitBreakerPolicy;
  /** When the current open period ends (injected clock). */
  private reopensAt = 0;
  private cause: UpstreamErrorKind | undefined;

  constructor(
    threshold: number,
    openMsFor: (attempt: number) => number,
    counts: (error: Error) => boolean,
    private readonly now: () => number,
    private readonly report: (change: Omit<CircuitChange, "upstream" | "endpoint">) => void,
  ) {
    this.policy = circuitBreaker(handleWhen(counts), {
      breaker: new ConsecutiveBreaker(threshold),
      halfOpenAfter: this.clockBackoff(openMsFor),
    });
    this.policy.onBreak((reason) => {
      const error = "error" in reason ? reason.error : undefined;
      this.cause = isUpstreamError(error) ? error.kind : undefined;
    });
    // One record when calls stop and one when they resume: a failed probe re-opens quietly (the probe's
    // own failure is already logged by the call observer).
    let stopped = false;
    this.policy.onStateChange((state) => {
      if (state === CircuitState.Open && !stopped) {
        stopped = true;
        this.report({ change: "opened", cause: this.cause, openForMs: this.remainingMs() });
      } else if (state === CircuitState.Closed && stopped) {
        stopped = false;
        this.report({ change: "closed" });
      }
    });
  }

  /**
   * cockatiel measures the open period with Date.now(); this backoff makes its verdict follow the injected
   * clock instead: the period lasts "forever" until the clock passes `reopensAt`, then it is over.
   */
  private clockBackoff(
    openMsFor: (attempt: number) => number,
  ): IBackoffFactory<IHalfOpenAfterBackoffContext> {
    const periodOver = () => this.now() >= this.reopensAt;
    const next = (context: IHalfOpenAfterBackoffContext): IBackoff<IHalfOpenAfterBackoffContext> => {
      this.reopensAt = this.now() + openMsFor(context.attempt);
      return {
        get duration() {
          return periodOver() ? 0 : Number.POSITIVE_INFINITY;
        },
        next,
      };
    };
    return { next };
  }

  /** Open (or probing) rather than closed. */
  get open(): boolean {
    return this.policy.state !== CircuitState.Closed;
  }

  /** Open and its period not yet over: a call now would be refused without reaching the upstream. */
  get refusing(): boolean {
    return this.policy.state === CircuitState.Open && this.now() < this.reopensAt;
  }

  remainingMs(): number {
    return Math.max(0, this.reopensAt - this.now());
  }
}

export interface UpstreamCircuitsOptions {
  /** Every endpoint the gateway calls, for the metrics (circuits are also made on first use). */
  endpoints: readonly { upstream: UpstreamName; endpoint: string }[];
  settings?: Partial<BreakerSettings>;
  /** Injectable clock (default Date.now). */
  now?: () => number;
  /** Told when a circuit stops or resumes calls (the logs). */
  onChange?: (change: CircuitChange) => void;
}

/** Every circuit of both upstreams, and the guard that runs each upstream call attempt through them. */
export class UpstreamCircuits {
  readonly settings: Readonly<BreakerSettings>;
  private readonly now: () => number;
  private readonly onChange: (change: CircuitChange) => void;
  private readonly credentials = new Map<UpstreamName, Circuit>();
  private readonly endpoints = new Map<string, Circuit>();
  private readonly known: { upstream: UpstreamName; endpoint: string }[];

  constructor(options: UpstreamCircuitsOptions) {
    this.settings = { ...BREAKER_SETTINGS, ...options.settings };
    this.now = options.now ?? Date.now;
    this.onChange = options.onChange ?? (() => undefined);
    this.known = [...options.endpoints];
  }

  /**
   * Runs one attempt of an upstream call, or refuses it at once with an UpstreamError (`circuitOpen`, never
   * `ambiguous`: nothing was sent) while its endpoint's or its upstream's credentials' circuit is open.
   */
  async run<T>(upstream: UpstreamName, endpoint: string, attempt: () => Promise<T>): Promise<T> {
    this.refuseIfOpen(upstream, endpoint);
    const credentials = this.credentialsCircuit(upstream);
    const circuit = this.endpointCircuit(upstream, endpoint);
    try {
      return await credentials.policy.execute(() => circuit.policy.execute(attempt));
    } catch (error) {
      // Another caller's probe failed while this one waited for its verdict.
      if (isBrokenCircuitError(error)) throw this.openError(upstream, endpoint);
      throw error;
    }
  }

  /**
   * Throws the open-circuit error when a call to this endpoint would be refused now. For the steps a call
   * takes before it is sent (Bridge's budget), so that a refused call does not spend a budget slot.
   */
  refuseIfOpen(upstream: UpstreamName, endpoint: string): void {
    if (this.credentialsCircuit(upstream).refusing || this.endpointCircuit(upstream, endpoint).refusing) {
      throw this.openError(upstream, endpoint);
    }
  }

  /** Whether any circuit stops calls to this upstream (health). */
  anyOpen(upstream: UpstreamName): boolean {
    return this.status().some((s) => s.upstream === upstream && s.open);
  }

  /** Every known endpoint and whether calls to it are stopped (metrics). */
  status(): CircuitStatus[] {
    return this.known.map(({ upstream, endpoint }) => ({
      upstream,
      endpoint,
      open: this.credentialsCircuit(upstream).open || this.endpointCircuit(upstream, endpoint).open,
    }));
  }

  /** Closes every circuit at once, silently: for tests, never called on a hot path. */
  reset(): void {
    this.credentials.clear();
    this.endpoints.clear();
  }

  private openError(upstream: UpstreamName, endpoint: string): UpstreamError {
    const credentials = this.credentialsCircuit(upstream);
    const byCredentials = credentials.open;
    const circuit = byCredentials ? credentials : this.endpointCircuit(upstream, endpoint);
    // Refused credentials keep their own code (the operator must act); any other open circuit is
    // "unavailable": the endpoint was not called, so no timeout or bad answer happened to this request —
    // and a mutation refused here certainly did not happen (never OUTCOME_UNKNOWN).
    return new UpstreamError(
      byCredentials
        ? `${upstream} ${endpoint}: credentials were refused; calls are stopped for a while`
        : `${upstream} ${endpoint}: failing; calls are stopped for a while`,
      {
        upstream,
        endpoint,
        kind: byCredentials ? "auth_failed" : "unavailable",
        retryAfterMs: circuit.remainingMs() || undefined,
        circuitOpen: true,
      },
    );
  }

  private credentialsCircuit(upstream: UpstreamName): Circuit {
    let circuit = this.credentials.get(upstream);
    if (!circuit) {
      const { credentialsOpenMs, credentialsMaxOpenMs } = this.settings;
      circuit = new Circuit(
        1,
        (attempt) => Math.min(credentialsMaxOpenMs, credentialsOpenMs * 2 ** (attempt - 1)),
        (error) => judgeFailure(error) === "credentials",
        this.now,
        (change) => this.onChange({ upstream, ...change }),
      );
      this.credentials.set(upstream, circuit);
    }
    return circuit;
  }

  private endpointCircuit(upstream: UpstreamName, endpoint: string): Circuit {
    const key = `${upstream} ${endpoint}`;
    let circuit = this.endpoints.get(key);
    if (!circuit) {
      circuit = new Circuit(
        this.settings.endpointFailuresToOpen,
        () => this.settings.endpointOpenMs,
        (error) => judgeFailure(error) === "endpoint",
        this.now,
        (change) => this.onChange({ upstream, endpoint, ...change }),
      );
      this.endpoints.set(key, circuit);
      if (!this.known.some((e) => e.upstream === upstream && e.endpoint === endpoint)) {
        this.known.push({ upstream, endpoint });
      }
    }
    return circuit;
  }
}

/**
 * Puts the circuits in front of an instrument: a refused attempt is neither sent, counted as an upstream
 * call in the metrics, nor traced — it never left the gateway.
 */
export function guardedInstrument(circuits: UpstreamCircuits, instrument: CallInstrument): CallInstrument {
  return (call, attempt) => circuits.run(call.upstream, call.endpoint, () => instrument(call, attempt));
}
