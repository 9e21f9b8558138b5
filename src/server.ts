import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from "@apollo/server/plugin/disabled";
import { ApolloServerPluginLandingPageLocalDefault } from "@apollo/server/plugin/landingPage/default";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createJwtVerifier } from "./auth/jwt";
import { ConfigError, type GatewayConfig } from "./config";
import type { GatewayContext, GatewayServices } from "./context";
import { formatErrorFor } from "./errors/format-error";
import { requestLimitOptions, requestLimitPlugins } from "./limits";
import { DEFAULT_EXPLORER_ASSETS_DIR } from "./explorer/assets";
import type { Tracer } from "@opentelemetry/api";
import { CallerRateLimit } from "./http/caller-rate-limit";
import { Lifecycle } from "./http/lifecycle";
import { UpstreamHealth } from "./observability/health";
import { createMetricsServer, GatewayMetrics } from "./observability/metrics";
import { createCallInstrument } from "./observability/upstream-observer";
import { errorLogPlugin } from "./plugins/error-log";
import { requestRecordPlugin } from "./plugins/request-record";
import type { CallInstrument } from "./upstreams/instrument";
import { guardedInstrument, UpstreamCircuits, type BreakerSettings } from "./upstreams/breaker";
import { logCircuitChange } from "./observability/circuit-log";
import { createHttpApp, type HttpEdgeFactory } from "./http/app";
import { RedisApqCache } from "./replicas/apq-cache";
import { RedisBudgetStore } from "./replicas/budget-store";
import { InvalidationChannel } from "./replicas/invalidation";
import { RedisSharedReads } from "./replicas/shared-reads";
import { SharedStore } from "./replicas/redis";
import { logger, registerSecrets, type Logger } from "./logger";
import { PersistedDocuments } from "./persisted-documents/manifest";
import { auditPlugin } from "./plugins/audit";
import { debugExtensionsPlugin } from "./plugins/debug-extensions";
import { turnsPlugin } from "./plugins/turns";
import { staleExtensionsPlugin } from "./plugins/stale-extensions";
import { buildGatewaySchema } from "./schema";
import { AGENT_ENDPOINTS, AgentClient } from "./upstreams/agent/client";
import { AGENT_LIST, AgentCustomerSource } from "./upstreams/agent/customer-source";
import { BridgeBudget } from "./upstreams/bridge/budget";
import { BRIDGE_ENDPOINTS, BridgeClient } from "./upstreams/bridge/client";
import { BRIDGE_PAGE, BridgeProfileSource } from "./upstreams/bridge/profile-source";
import { systemClock, type Clock } from "./upstreams/reads/clock";
import { naiveReads, plannedReads } from "./upstreams/reads/planner";
import type { SharedReads } from "./upstreams/reads/shared-reads";
import { warmUpReadPath, type WarmUpEdge } from "./warm-up";

/** Where the upstreams are: the configured ones, or the embedded simulators'. */
export interface UpstreamEndpoints {
  agent: { listBaseUrl: string; adminBaseUrl: string; token: string };
  bridge: { baseUrl: string; companyId: string; apiKey: string; secretKey: string };
}

export interface Gateway {
  /** http://localhost:<port>/graphql */
  url: string;
  port: number;
  /** Port of GET /metrics, null when METRICS_PORT=off. */
  metricsPort: number | null;
  services: GatewayServices;
  /** The Bridge call budget (bridge/budget.ts). */
  budget: BridgeBudget;
  /** The upstream endpoints' circuit breakers (API.md §6 "Failing upstreams"). */
  circuits: UpstreamCircuits;
  metrics: GatewayMetrics;
  /**
   * SIGTERM: readiness turns 503 at once, requests in flight finish (up to `graceMs`), then everything
   * closes. Resolves false when the grace ran out first.
   */
  shutdown(graceMs?: number): Promise<boolean>;
  /** Closes at once (tests). */
  stop(): Promise<void>;
}

const KNOWN_ENDPOINTS = [
  ...AGENT_ENDPOINTS.map((endpoint) => ({ upstream: "agent" as const, endpoint })),
  ...BRIDGE_ENDPOINTS.map((endpoint) => ({ upstream: "bridge" as const, endpoint })),
];

function secondsOf(ms: number | null): number | null {
  return ms === null ? null : ms / 1000;
}

/** What the services' calls are bounded and observed by. */
interface ServiceGuards {
  budget: BridgeBudget;
  instrument: CallInstrument;
  circuits: UpstreamCircuits;
  clock: Clock;
  /** With REDIS_URL: each source's reads shared with the other replicas (keyed by what its data depends on). */
  sharedReads: ((identity: string) => SharedReads) | null;
}

/**
 * Guards of the warm-up's services (src/warm-up.ts): the same kinds as the gateway's, so that their code
 * is warmed too, but fresh and silent — the warm-up's calls count in no metric, log no line, open no
 * circuit, spend no budget of the gateway's and share nothing with other replicas.
 */
function warmUpGuards(config: GatewayConfig, log: Logger): ServiceGuards {
  const circuits = new UpstreamCircuits({ endpoints: KNOWN_ENDPOINTS });
  const observer = createCallInstrument({
    metrics: new GatewayMetrics(),
    health: new UpstreamHealth(() => false),
    logger: log.child({}, { level: "silent" }),
    tracer: null,
  });
  return {
    budget: new BridgeBudget({ perMinute: config.rateLimitPerMinute }),
    instrument: guardedInstrument(circuits, observer),
    circuits,
    clock: systemClock,
    sharedReads: null,
  };
}

/**
 * The warm-up's HTTP edge (src/warm-up.ts): the gateway's own edge, on a loopback port of its own, over
 * the warm-up's services, with no caller check or rate (every scope, as GATEWAY_AUTH=none), no trusted
 * documents enforced, no explorer, a silent logger and metrics of its own: nothing it serves reaches the
 * gateway's log, metrics or upstreams.
 */
async function serveWarmUpEdge(
  apollo: ApolloServer<GatewayContext>,
  config: GatewayConfig,
  services: GatewayServices,
  log: Logger,
): Promise<WarmUpEdge> {
  const server = createServer();
  setServerTimeouts(server, config);
  const edge = await createHttpApp(
    {
      config: { ...config, explorer: false },
      services,
      apollo,
      verifyToken: null,
      callerRateLimit: null,
      logger: log.child({}, { level: "silent" }),
      metrics: new GatewayMetrics(),
      lifecycle: new Lifecycle(),
      health: new UpstreamHealth(() => false),
      tracer: null,
      persistedDocuments: { manifest: PersistedDocuments.empty(), only: false },
      explorerAssetsDir: DEFAULT_EXPLORER_ASSETS_DIR,
    },
    server,
  );
  const { port } = await listen(server, 0, null, "127.0.0.1");
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    close: async () => {
      await edge.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function createServices(
  config: GatewayConfig,
  upstreams: UpstreamEndpoints,
  { budget, instrument, circuits, clock, sharedReads }: ServiceGuards,
) {
  const agentClient = new AgentClient({
    ...upstreams.agent,
    instrument,
    pool: { connections: AGENT_LIST.connections },
  });
  const bridgeClient = new BridgeClient({
    ...upstreams.bridge,
    instrument,
    signScheme: config.signScheme,
    recvWindowMs: config.recvWindowMs,
    beforeCall: (info) => {
      // An open circuit refuses the call before it takes a budget slot it would not use.
      circuits.refuseIfOpen("bridge", info.endpoint);
      return budget.acquire(info.deadline, info.endpoint, info.signal);
    },
    onRateLimitHeaders: (info) => void budget.observe(info),
  });
  // GATEWAY_PLANNING=off: the naive baseline the benchmark compares against, as a planner of its own.
  const planner = config.planning ? plannedReads : naiveReads;
  const services: GatewayServices = {
    config,
    agentClient,
    agentSource: new AgentCustomerSource(agentClient, {
      planner,
      clock,
      maxAgeMs: config.trafficMaxAgeMs,
      staleIfErrorMs: config.staleIfErrorMs,
      cacheBudget: config.agentPageCache ?? AGENT_LIST.cacheBudget,
      shared: sharedReads?.(`agent ${upstreams.agent.listBaseUrl} ${upstreams.agent.token}`) ?? null,
    }),
    bridgeSource: new BridgeProfileSource(bridgeClient, {
      planner,
      clock,
      budget,
      linkField: config.linkField,
      maxAgeMs: config.profileMaxAgeMs,
      staleIfErrorMs: config.staleIfErrorMs,
      cacheBudget: config.bridgePageCache ?? BRIDGE_PAGE.cacheBudget,
      shared:
        sharedReads?.(
          `bridge ${upstreams.bridge.baseUrl} ${upstreams.bridge.companyId} ${upstreams.bridge.apiKey}`,
        ) ?? null,
    }),
  };
  const close = async () => {
    await Promise.all([agentClient.close(), bridgeClient.close()]);
  };
  /** Connections for the first reads, opened before any request needs them. */
  const preconnect = () => {
    agentClient.preconnect(AGENT_LIST.preconnect);
    bridgeClient.preconnect(BRIDGE_PAGE.preconnect);
  };
  return { services, close, preconnect };
}

export interface StartOptions {
  /** The logger for the edge and the audit trail (tests capture it). */
  logger?: Logger;
  /** Least time between two JWKS reads (an unknown kid triggers one); 60 s in production. */
  jwksCooldownMs?: number;
  /** The process's tracer when tracing is on (src/observability/tracing.ts); none: tracing off. */
  tracer?: Tracer | null;
  /** The explorer bundle to serve at /explorer; `npm run build` writes it to dist/explorer. */
  explorerAssetsDir?: string;
  /** The circuit breakers' clock and timings (tests); default Date.now and BREAKER_SETTINGS. */
  circuits?: { now?: () => number; settings?: Partial<BreakerSettings> };
  /** The clock of freshness bounds and of the Bridge budget (tests move a manual one on). */
  clock?: Clock;
  /** The HTTP edge; default the gateway's Fastify app (src/http/app.ts). The bench compares another. */
  edge?: HttpEdgeFactory;
}

/**
 * Listens on `port` (0: a free port) of `host`; a port in use is a configuration error naming
 * `variable` (null: a port nobody configures, whose errors are passed on as they are).
 */
function listen(
  server: Server,
  port: number,
  variable: "PORT" | "METRICS_PORT" | null,
  host = "0.0.0.0",
): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off("listening", onListening);
      if (variable === null) reject(error);
      else if (error.code === "EADDRINUSE") reject(new ConfigError(variable, `${port} is already in use`));
      else if (error.code === "EACCES")
        reject(new ConfigError(variable, `${port} may not be opened by this user`));
      else reject(error);
    };
    const onListening = () => {
      server.off("error", onError);
      resolve(server.address() as AddressInfo);
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
}

/**
 * Node's server timeouts, set on purpose: a client gets 15 s to send its headers and the request
 * deadline plus 20 s for the whole exchange (slow-loris bodies end there); idle keep-alive connections
 * live 65 s, longer than the usual 60 s of load balancers, so that the gateway never closes a connection
 * a balancer is about to reuse.
 */
function setServerTimeouts(server: Server, config: GatewayConfig): void {
  server.headersTimeout = 15_000;
  server.requestTimeout = config.requestTimeoutMs + 20_000;
  server.keepAliveTimeout = 65_000;
  server.timeout = 0;
}

/** Starts the GraphQL endpoint on `port` (0: a free port) over the given upstreams. */
export async function startGateway(
  config: GatewayConfig,
  upstreams: UpstreamEndpoints,
  port = config.port,
  options: StartOptions = {},
): Promise<Gateway> {
  const log = options.logger ?? logger;
  // Key material is read before anything listens: a bad key is a start-up error, not a 401 for everyone.
  const verifyToken =
    config.auth.mode === "jwt"
      ? createJwtVerifier({ ...config.auth, jwksCooldownMs: options.jwksCooldownMs })
      : null;
  // Like key material: a manifest that cannot be read is a start-up error naming its variable.
  const manifest =
    config.persistedDocumentsFile === null
      ? PersistedDocuments.empty()
      : PersistedDocuments.load(config.persistedDocumentsFile);
  if (config.persistedDocumentsFile !== null) {
    log.info(
      { documents: manifest.size, only: config.persistedDocumentsOnly },
      config.persistedDocumentsOnly
        ? "Trusted documents loaded: only they may run (callers with gateway:debug excepted)."
        : "Trusted documents loaded: they may be run by documentId; other documents are accepted too.",
    );
  }
  const clock = options.clock ?? systemClock;
  // With REDIS_URL, what replicas share (API.md §8); without it, everything stays in this process.
  const store = config.redisUrl === null ? null : new SharedStore(config.redisUrl, log);
  // The first requests should already share; a Redis that is not there delays the start by 2 s at most.
  if (store !== null && (await store.whenReady(2000)) === "unavailable") {
    log.warn("Redis is not reachable at start: this replica uses its own state until it connects");
  }
  const budget = new BridgeBudget({
    perMinute: config.rateLimitPerMinute,
    clock,
    ...(store === null
      ? {}
      : {
          store: new RedisBudgetStore(
            store,
            upstreams.bridge.apiKey,
            config.bridgeFallbackRateLimitPerMinute,
          ),
        }),
  });
  const circuits = new UpstreamCircuits({
    endpoints: KNOWN_ENDPOINTS,
    ...options.circuits,
    onChange: (change) => logCircuitChange(log, change),
  });
  const health = new UpstreamHealth(
    () => budget.isBlocked() || budget.lastKnownAvailable() === 0,
    store === null ? null : () => store.state,
    (upstream) => circuits.anyOpen(upstream),
  );
  const metrics = new GatewayMetrics();
  const tracer = options.tracer ?? null;
  const instrument = guardedInstrument(
    circuits,
    createCallInstrument({ metrics, health, logger: log, tracer }),
  );
  const sharedReads =
    store === null ? null : (identity: string) => new RedisSharedReads(store, identity, log, clock);
  registerSecrets(upstreams.agent.token, upstreams.bridge.apiKey, upstreams.bridge.secretKey);
  const { services, close, preconnect } = createServices(config, upstreams, {
    budget,
    instrument,
    circuits,
    clock,
    sharedReads,
  });
  // A mutation here drops what the other replicas hold for the agent too.
  const invalidation = store === null ? null : new InvalidationChannel(store, log);
  invalidation?.connect("agent", services.agentSource);
  invalidation?.connect("bridge", services.bridgeSource);
  metrics.watch({
    bridgeBudgetRemaining: () => budget.lastKnownAvailable(),
    indexAges: () => ({
      "agent.customers": secondsOf(services.agentSource.indexAgeMs()),
      "bridge.profiles": secondsOf(services.bridgeSource.indexAgeMs()),
    }),
    circuits: () => circuits.status(),
  });
  const lifecycle = new Lifecycle();
  const schema = buildGatewaySchema();
  const httpServer = createServer();
  setServerTimeouts(httpServer, config);
  const apollo = new ApolloServer<GatewayContext>({
    schema,
    formatError: formatErrorFor(config),
    ...requestLimitOptions(config),
    includeStacktraceInErrorResponses: false,
    // Shutdown is the process's to order (src/index.ts drains first); Apollo's own handler would stop
    // the server at once and re-raise the signal.
    stopOnTerminationSignals: false,
    // The explorers need introspection: GATEWAY_EXPLORER=1 turns both on in production.
    introspection: !config.production || config.explorer,
    // With only trusted documents, Apollo's own APQ cache would be a way to register others.
    persistedQueries: config.persistedDocumentsOnly
      ? false
      : store === null
        ? undefined
        : { cache: new RedisApqCache(store) },
    plugins: [
      // Sandbox (from Apollo's CDN) only where the explorers are on; otherwise GET /graphql from a
      // browser is a JSON answer like any other request.
      config.explorer
        ? ApolloServerPluginLandingPageLocalDefault({ footer: false })
        : ApolloServerPluginLandingPageDisabled(),
      // The grace period is waited for before stop() (Lifecycle.drain); whatever is still open then is cut.
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: 0 }),
      debugExtensionsPlugin,
      staleExtensionsPlugin,
      auditPlugin(schema, log),
      requestRecordPlugin,
      errorLogPlugin(log),
      ...requestLimitPlugins(schema, config),
      // Last: after the limits' own checks, the operation waits for a turn with budget left.
      turnsPlugin,
      // No cache hints are used; the plugin would wrap every field resolver for nothing.
      ApolloServerPluginCacheControlDisabled(),
      // The schema is a Federation subgraph, for which Apollo would turn on its GraphOS field traces
      // (ftv1) and say so on the console, outside the JSON log. Tracing here is OpenTelemetry's.
      ApolloServerPluginInlineTraceDisabled(),
    ],
  });
  await apollo.start();
  if (config.warmUp) {
    // Handshakes with the upstreams go on while the read path warms up.
    preconnect();
    const { ms, problems, httpRequests } = await warmUpReadPath(
      apollo,
      config,
      upstreams.bridge,
      (endpoints) => createServices(config, endpoints, warmUpGuards(config, log)),
      (warmServices) => serveWarmUpEdge(apollo, config, warmServices, log),
    );
    if (problems.length === 0) log.debug({ ms, httpRequests }, "Read path warmed up");
    else log.warn({ ms, problems }, "The read path's warm-up failed: the first requests compile it");
  }
  const callerRateLimit =
    config.callerRateLimitPerMinute <= 0
      ? null
      : store === null
        ? CallerRateLimit.inMemory(config.callerRateLimitPerMinute)
        : CallerRateLimit.shared(store, config.callerRateLimitPerMinute);
  const edge = await (options.edge ?? createHttpApp)(
    {
      config,
      services,
      apollo,
      verifyToken,
      callerRateLimit,
      logger: log,
      metrics,
      lifecycle,
      health,
      tracer,
      persistedDocuments: { manifest, only: config.persistedDocumentsOnly },
      explorerAssetsDir: options.explorerAssetsDir ?? DEFAULT_EXPLORER_ASSETS_DIR,
    },
    httpServer,
  );
  const metricsServer = config.metricsPort === null ? null : createMetricsServer(metrics);
  let address: AddressInfo;
  let metricsAddress: AddressInfo | null = null;
  try {
    address = await listen(httpServer, port, "PORT");
    if (metricsServer) metricsAddress = await listen(metricsServer, config.metricsPort ?? 0, "METRICS_PORT");
  } catch (error) {
    httpServer.close();
    await apollo.stop();
    await edge.close();
    await close();
    invalidation?.close();
    await store?.close();
    throw error;
  }
  const stop = async () => {
    // Stops accepting connections and lets requests still in flight finish (the drain plugin).
    await apollo.stop();
    // The edge's own plugins (nothing of theirs holds a connection: the server is closed above).
    await edge.close();
    if (metricsServer) {
      await new Promise<void>((resolve) => {
        metricsServer.close(() => resolve());
        metricsServer.closeAllConnections();
      });
    }
    await close();
    invalidation?.close();
    await store?.close();
  };
  return {
    url: `http://localhost:${address.port}/graphql`,
    port: address.port,
    metricsPort: metricsAddress?.port ?? null,
    services,
    budget,
    circuits,
    metrics,
    async shutdown(graceMs = config.shutdownGraceMs) {
      const drained = await lifecycle.drain(graceMs);
      await stop();
      return drained;
    },
    stop,
  };
}
