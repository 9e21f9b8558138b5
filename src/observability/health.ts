import type { SharedStoreState } from "../replicas/redis";
import type { UpstreamErrorKind, UpstreamName } from "../upstreams/errors";

export type UpstreamState = "ok" | "circuit_open" | "rate_limited" | "auth_failed";

/**
 * What operators read in /health/ready about each upstream: its last call's verdict, its circuit
 * breakers, and for Bridge the budget's gate. For people, not for the load balancer: an upstream outage never makes readiness fail
 * (it would take every replica out at once).
 */
export class UpstreamHealth {
  private readonly last = new Map<UpstreamName, "ok" | UpstreamErrorKind>();

  constructor(
    private readonly bridgeGateClosed: () => boolean,
    /** null: no REDIS_URL (nothing shared, nothing to report). */
    private readonly redisState: (() => SharedStoreState) | null = null,
    /** Whether a circuit breaker stops calls to (an endpoint of) the upstream. */
    private readonly circuitOpen: (upstream: UpstreamName) => boolean = () => false,
  ) {}

  /** The shared store's state for readiness (API.md §8); undefined without REDIS_URL. */
  redis(): SharedStoreState | undefined {
    return this.redisState?.();
  }

  record(upstream: UpstreamName, outcome: "ok" | UpstreamErrorKind): void {
    this.last.set(upstream, outcome);
  }

  state(upstream: UpstreamName): UpstreamState {
    const last = this.last.get(upstream);
    if (last === "auth_failed") return "auth_failed";
    if (this.circuitOpen(upstream)) return "circuit_open";
    if (upstream === "bridge" && this.bridgeGateClosed()) return "rate_limited";
    if (last === "rate_limited") return "rate_limited";
    return "ok";
  }

  snapshot(): Record<UpstreamName, UpstreamState> {
    return { agent: this.state("agent"), bridge: this.state("bridge") };
  }
}
