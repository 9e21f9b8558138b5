import { createServer, type Server } from "node:http";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/** What the gauges read when Prometheus scrapes: current values, never caller data. */
export interface GaugeSources {
  bridgeBudgetRemaining(): number;
  /** Age in seconds of each shared index, null before its first build. */
  indexAges(): Record<string, number | null>;
  /** Whether each upstream endpoint's circuit is open. */
  circuits(): { upstream: string; endpoint: string; open: boolean }[];
}

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20];

/**
 * The metrics of API.md §6 in one registry per gateway (not prom-client's global one, so that several
 * gateways in one process — the tests — never share counters). Labels hold only operation types,
 * upstream and endpoint names and outcome codes: never a user name, id or token.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: "gateway_graphql_requests_total",
    help: "GraphQL requests, by operation type and outcome (ok, error, or the first error code).",
    labelNames: ["operation_type", "outcome"] as const,
    registers: [this.registry],
  });
  readonly requestDuration = new Histogram({
    name: "gateway_graphql_request_duration_seconds",
    help: "Time from a GraphQL request's arrival to its answer.",
    labelNames: ["operation_type"] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  readonly upstreamCalls = new Counter({
    name: "gateway_upstream_calls_total",
    help: "Upstream call attempts, by upstream, endpoint and outcome (ok or the error kind).",
    labelNames: ["upstream", "endpoint", "outcome"] as const,
    registers: [this.registry],
  });
  readonly upstreamDuration = new Histogram({
    name: "gateway_upstream_call_duration_seconds",
    help: "Duration of one upstream call attempt.",
    labelNames: ["upstream", "endpoint"] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });

  /** Labelled children, per label pair (recordRequest). */
  private readonly requestCounts = new Map<string, ReturnType<GatewayMetrics["requests"]["labels"]>>();
  private readonly requestDurations = new Map<
    string,
    ReturnType<GatewayMetrics["requestDuration"]["labels"]>
  >();

  /**
   * Counts and times one GraphQL request. The labelled children are kept per label pair (operation
   * types and outcome codes are a small closed set): prom-client would otherwise hash the labels
   * object on every request, twice.
   */
  recordRequest(operationType: string, outcome: string, seconds: number): void {
    const key = `${operationType}\n${outcome}`;
    let count = this.requestCounts.get(key);
    if (count === undefined) {
      count = this.requests.labels(operationType, outcome);
      this.requestCounts.set(key, count);
    }
    count.inc();
    let duration = this.requestDurations.get(operationType);
    if (duration === undefined) {
      duration = this.requestDuration.labels(operationType);
      this.requestDurations.set(operationType, duration);
    }
    duration.observe(seconds);
  }

  /** The gauges, read at each scrape from the running gateway's own state. */
  watch(sources: GaugeSources): void {
    new Gauge({
      name: "gateway_bridge_budget_remaining",
      help: "Bridge calls the gateway may still make in the current 60 s window.",
      registers: [this.registry],
      collect() {
        this.set(sources.bridgeBudgetRemaining());
      },
    });
    new Gauge({
      name: "gateway_index_age_seconds",
      help: "Age of each shared index (absent before its first build).",
      labelNames: ["index"] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [index, age] of Object.entries(sources.indexAges())) {
          if (age !== null) this.set({ index }, age);
        }
      },
    });
    new Gauge({
      name: "gateway_upstream_circuit_open",
      help: "1 while calls to an upstream endpoint are stopped after repeated failures.",
      labelNames: ["upstream", "endpoint"] as const,
      registers: [this.registry],
      collect() {
        for (const c of sources.circuits())
          this.set({ upstream: c.upstream, endpoint: c.endpoint }, c.open ? 1 : 0);
      },
    });
  }

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}

/**
 * GET /metrics, served on its own port, never on the public GraphQL port: an operator's network can
 * reach it without the world reaching it. Any other path or method is a 404.
 */
export function createMetricsServer(metrics: GatewayMetrics): Server {
  return createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("Not found: metrics are at GET /metrics\n");
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { "content-type": metrics.registry.contentType }).end(text),
      () => res.writeHead(500, { "content-type": "text/plain" }).end("metrics unavailable\n"),
    );
  });
}
