/**
 * The gateway's configuration: parsed and validated once, at start-up, from the environment. Nothing
 * else in src/ reads process.env. A missing or malformed value is a ConfigError naming the variable;
 * an upstream configured without its credentials never starts.
 */
import { createSigningKey } from "./upstreams/bridge/signing";
import { parseCacheBudget, type CacheBudget } from "./upstreams/reads/page-reuse";

export type SignScheme = "rsa-sha1" | "hmac-sha256";

export interface AgentConfig {
  listBaseUrl: string;
  adminBaseUrl: string;
  token: string;
  stateValues: { active: number; disabled: number };
}

export interface BridgeConfig {
  baseUrl: string;
  companyId: string;
  apiKey: string;
  secretKey: string;
  signScheme: SignScheme;
  recvWindowMs: number;
  linkField: string;
  rateLimitPerMinute: number;
}

/** How callers prove who they are (API.md §4). */
export type AuthConfig =
  | { mode: "none" }
  | {
      mode: "jwt";
      /** The issuer's JWKS document URL, or null when `publicKey` is given instead. */
      jwksUrl: string | null;
      /** One PEM public key (SPKI) or a JWKS JSON document. */
      publicKey: string | null;
      issuer: string;
      audience: string;
    };

export interface GatewayConfig {
  port: number;
  production: boolean;
  /** `LOG_LEVEL`: pino's level names. */
  logLevel: string;
  auth: AuthConfig;
  /** GraphQL requests a minute per caller; 0: no limit. */
  callerRateLimitPerMinute: number;
  /** Allowed cross-origin callers: "*" (any), or exact origins; empty: none. */
  corsOrigins: "*" | string[];
  /** Largest request body accepted, bytes. */
  maxBodyBytes: number;
  /** Served although NODE_ENV=production: the simulators' invented data (GATEWAY_ALLOW_SIMULATORS). */
  allowSimulators: boolean;
  /** Port of GET /metrics (0: a free port); null: no metrics endpoint. */
  metricsPort: number | null;
  /** How long SIGTERM waits for requests in flight, ms. */
  shutdownGraceMs: number;
  /**
   * REDIS_URL: the state replicas share (API.md §8); null: it lives in this process. May carry a password
   * (redis://:secret@host:6379/0), which is registered as a secret and never logged.
   */
  redisUrl: string | null;
  /** Bridge calls a minute this replica allows itself while Redis cannot be reached. */
  bridgeFallbackRateLimitPerMinute: number;
  /** OpenTelemetry traces over OTLP/HTTP, per the standard OTEL_* variables; null: off (and free). */
  tracing: { serviceName: string } | null;
  /** Null: the embedded agent simulator serves (only when no upstream is configured at all). */
  agent: AgentConfig | null;
  bridge: BridgeConfig | null;
  /** Fields that only apply when the simulators are embedded. */
  linkField: string;
  agentStateValues: { active: number; disabled: number };
  rateLimitPerMinute: number;
  signScheme: SignScheme;
  recvWindowMs: number;
  /** Largest `first` a connection accepts. */
  maxPageSize: number;
  /** Largest operation cost accepted (fields, with connection children counted once per `first` row). */
  maxQueryCost: number;
  /** Largest number of parser tokens in a GraphQL document. */
  maxTokens: number;
  /** Deepest selection accepted (fields nested in fields; fragments are not levels). */
  maxDepth: number;
  /** Most aliases in one operation, counting a fragment's each time it is spread. */
  maxAliases: number;
  /** Most directives in one operation, counted the same way. */
  maxDirectives: number;
  /** Deadline of one GraphQL request's upstream work, ms. */
  requestTimeoutMs: number;
  /** Answer debug accounting in `extensions` when the caller asks (x-gateway-debug: 1). */
  debugExtensions: boolean;
  /** false: the naive baseline (one upstream call per key, no shared index, no coalescing). */
  planning: boolean;
  /**
   * GATEWAY_WARM_UP: before listening, open connections to the upstreams and run the read shapes once
   * against in-process simulators, so that the first request pays for neither handshakes nor compiling
   * the read path (src/warm-up.ts); on unless set off.
   */
  warmUp: boolean;
  /**
   * GATEWAY_WARM_UP_REQUESTS: requests the warm-up then sends through an edge of its own over loopback
   * HTTP, so that the request path itself is compiled before the first burst (src/warm-up.ts); 0: none.
   */
  warmUpRequests: number;
  /** Upstream reads' cache bounds, ms. */
  trafficMaxAgeMs: number;
  profileMaxAgeMs: number;
  /**
   * Stale if error (API.md §6): data younger than this, ms, answers a read whose upstream fails (or whose
   * circuit is open), with `extensions.stale`; 0: never.
   */
  staleIfErrorMs: number;
  /**
   * How much of answered list pages each source keeps for reuse within its freshness bound, in records
   * ("50000") or bytes ("64MB"); null: the upstream folder's default (agent 50000, Bridge 20000 records).
   */
  agentPageCache: CacheBudget | null;
  bridgePageCache: CacheBudget | null;
  /**
   * Serve the explorers: Sandbox at GET /graphql and the offline GraphiQL at /explorer (API.md §9); on in
   * development, off in production unless GATEWAY_EXPLORER=1. They need introspection, so in production
   * this also turns introspection on.
   */
  explorer: boolean;
  /** GATEWAY_PERSISTED_DOCUMENTS: the trusted documents' manifest file, or null. */
  persistedDocumentsFile: string | null;
  /** GATEWAY_PERSISTED_DOCUMENTS_ONLY: refuse every document not in the manifest (gateway:debug excepted). */
  persistedDocumentsOnly: boolean;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Configuration error: ${variable} ${problem}`);
    this.name = "ConfigError";
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Bridge field names a profile can be linked through (see upstreams/bridge-api.md §A). */
export const BRIDGE_LINKABLE_FIELDS = [
  "agentCustomerNo",
  "customerNo",
  "remark",
  "thirdAccountNo",
  "thirdUserId",
  "tgUserId",
  "email",
  "phone",
  "id",
] as const;

function text(env: Env, name: string): string | undefined {
  const value = env[name];
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}

/** A page cache's budget: records ("50000", "50000 records") or bytes ("64MB", "512KiB"); 0 keeps none. */
function cacheBudget(env: Env, name: string): CacheBudget | null {
  const value = text(env, name);
  if (value === undefined) return null;
  const budget = parseCacheBudget(value);
  if (budget === null) throw new ConfigError(name, 'must be a number of records ("50000") or bytes ("64MB")');
  return budget;
}

function required(env: Env, name: string, because: string): string {
  const value = text(env, name);
  if (value === undefined) throw new ConfigError(name, `is required ${because}`);
  return value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = text(env, name);
  if (value === undefined) return fallback;
  if (!/^-?\d+$/.test(value)) throw new ConfigError(name, `must be an integer, got "${value}"`);
  const n = Number(value);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

const TRUE = new Set(["1", "true", "yes", "on"]);
const FALSE = new Set(["0", "false", "no", "off"]);

/** Booleans per API.md §3: 1/0, true/false, yes/no, on/off, any case. */
function boolean(env: Env, name: string, fallback: boolean): boolean {
  const value = text(env, name)?.toLowerCase();
  if (value === undefined) return fallback;
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  throw new ConfigError(name, `must be one of 1/0, true/false, yes/no, on/off, got "${value}"`);
}

/** redis:// or rediss:// (TLS), with an optional password and database number. */
function redisUrl(env: Env): string | null {
  const value = text(env, "REDIS_URL");
  if (value === undefined) return null;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError("REDIS_URL", "must be a redis:// or rediss:// URL, e.g. redis://localhost:6379");
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    throw new ConfigError("REDIS_URL", "must be a redis:// or rediss:// URL, e.g. redis://localhost:6379");
  }
  if (!parsed.hostname) throw new ConfigError("REDIS_URL", "must name a host");
  const db = parsed.pathname.replace(/^\//, "");
  if (db !== "" && !/^\d{1,2}$/.test(db))
    throw new ConfigError("REDIS_URL", "must name a database 0-15 as its path");
  return value;
}

function url(env: Env, name: string): string | undefined {
  const value = text(env, name);
  if (value === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(name, "must be an absolute http(s) URL");
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new ConfigError(name, "must be an http or https URL");
  }
  if (parsed.username || parsed.password) throw new ConfigError(name, "must not carry credentials");
  if (parsed.search || parsed.hash) throw new ConfigError(name, "must not carry a query or fragment");
  return value.replace(/\/+$/, "");
}

function signScheme(env: Env): SignScheme {
  const value = text(env, "BRIDGE_SIGN_SCHEME") ?? "rsa-sha1";
  if (value !== "rsa-sha1" && value !== "hmac-sha256") {
    throw new ConfigError("BRIDGE_SIGN_SCHEME", `must be "rsa-sha1" or "hmac-sha256", got "${value}"`);
  }
  return value;
}

function linkField(env: Env): string {
  const value = text(env, "BRIDGE_LINK_FIELD") ?? "agentCustomerNo";
  if (!(BRIDGE_LINKABLE_FIELDS as readonly string[]).includes(value)) {
    throw new ConfigError("BRIDGE_LINK_FIELD", `must be one of ${BRIDGE_LINKABLE_FIELDS.join(", ")}`);
  }
  return value;
}

const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];

function logLevel(env: Env): string {
  const value = (text(env, "LOG_LEVEL") ?? "info").toLowerCase();
  if (!LOG_LEVELS.includes(value))
    throw new ConfigError("LOG_LEVEL", `must be one of ${LOG_LEVELS.join(", ")}`);
  return value;
}

const JWT_VARIABLES = [
  "GATEWAY_JWT_JWKS_URL",
  "GATEWAY_JWT_PUBLIC_KEY",
  "GATEWAY_JWT_ISSUER",
  "GATEWAY_JWT_AUDIENCE",
] as const;

/**
 * `jwt` when any GATEWAY_JWT_* is set; otherwise off on the embedded simulators and a start-up error
 * with real upstreams (nobody should expose account mutations by forgetting a variable).
 */
function authConfig(env: Env, realUpstreams: boolean): AuthConfig {
  const explicit = text(env, "GATEWAY_AUTH");
  if (explicit !== undefined && explicit !== "jwt" && explicit !== "none") {
    throw new ConfigError("GATEWAY_AUTH", `must be "jwt" or "none", got "${explicit}"`);
  }
  const anyJwt = JWT_VARIABLES.some((name) => text(env, name) !== undefined);
  const mode = explicit ?? (anyJwt ? "jwt" : realUpstreams ? undefined : "none");
  if (mode === undefined) {
    throw new ConfigError(
      "GATEWAY_AUTH",
      "is required with real upstreams: configure GATEWAY_JWT_* (GATEWAY_AUTH=jwt), or set GATEWAY_AUTH=none to let anyone who reaches the port change customer accounts",
    );
  }
  if (mode === "none") return { mode };
  const jwksUrl = url(env, "GATEWAY_JWT_JWKS_URL") ?? null;
  const publicKey = text(env, "GATEWAY_JWT_PUBLIC_KEY") ?? null;
  if (jwksUrl === null && publicKey === null) {
    throw new ConfigError(
      "GATEWAY_JWT_JWKS_URL",
      "or GATEWAY_JWT_PUBLIC_KEY is required with GATEWAY_AUTH=jwt",
    );
  }
  if (jwksUrl !== null && publicKey !== null) {
    throw new ConfigError("GATEWAY_JWT_PUBLIC_KEY", "must not be set together with GATEWAY_JWT_JWKS_URL");
  }
  return {
    mode,
    jwksUrl,
    publicKey: publicKey?.replace(/\\n/g, "\n") ?? null,
    issuer: required(env, "GATEWAY_JWT_ISSUER", "with GATEWAY_AUTH=jwt"),
    audience: required(env, "GATEWAY_JWT_AUDIENCE", "with GATEWAY_AUTH=jwt"),
  };
}

function corsOrigins(env: Env, production: boolean): "*" | string[] {
  const value = text(env, "GATEWAY_CORS_ORIGINS");
  if (value === undefined) return production ? [] : "*";
  const origins = value
    .split(",")
    .map((o) => o.trim())
    .filter((o) => o !== "");
  if (origins.includes("*")) {
    if (origins.length > 1)
      throw new ConfigError("GATEWAY_CORS_ORIGINS", 'must be "*" alone or a list of origins');
    return "*";
  }
  return origins.map((origin) => {
    let parsed: URL | null = null;
    try {
      parsed = new URL(origin);
    } catch {
      // Reported below, with the one message for anything that is not an origin.
    }
    if (parsed === null || parsed.origin !== origin.replace(/\/$/, "")) {
      throw new ConfigError(
        "GATEWAY_CORS_ORIGINS",
        `holds "${origin}", which is not an origin like https://app.example.com`,
      );
    }
    return parsed.origin;
  });
}

/** Refuses at start-up a secret key the signing scheme cannot use, instead of failing at the first call. */
function checkSigningKey(scheme: SignScheme, secret: string): void {
  try {
    createSigningKey(scheme, secret);
  } catch (error) {
    throw new ConfigError("BRIDGE_SECRET_KEY", (error as Error).message.replace(/^BRIDGE_SECRET_KEY /, ""));
  }
}

function metricsPort(env: Env): number | null {
  const value = text(env, "METRICS_PORT");
  if (value?.toLowerCase() === "off") return null;
  return integer(env, "METRICS_PORT", 9464, 0, 65535);
}

/**
 * Tracing follows the standard OpenTelemetry variables: on with an OTLP endpoint or
 * OTEL_TRACES_EXPORTER=otlp, off with OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none. The exporter
 * itself reads its endpoint, headers and timeouts from the same OTEL_* variables.
 */
function tracing(env: Env): { serviceName: string } | null {
  const exporters = (text(env, "OTEL_TRACES_EXPORTER") ?? "")
    .toLowerCase()
    .split(",")
    .map((e) => e.trim());
  if (boolean(env, "OTEL_SDK_DISABLED", false) || exporters.includes("none")) return null;
  const endpoint =
    text(env, "OTEL_EXPORTER_OTLP_ENDPOINT") ?? text(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
  if (endpoint === undefined && !exporters.includes("otlp")) return null;
  return { serviceName: text(env, "OTEL_SERVICE_NAME") ?? "traffic-bridge-gateway" };
}

export function loadConfig(env: Env = process.env): GatewayConfig {
  const port = integer(env, "PORT", 4000, 0, 65535);
  const active = integer(env, "AGENT_STATE_ACTIVE", 0, -2147483648, 2147483647);
  const disabled = integer(env, "AGENT_STATE_DISABLED", 1, -2147483648, 2147483647);
  if (active === disabled) {
    throw new ConfigError("AGENT_STATE_DISABLED", "must differ from AGENT_STATE_ACTIVE");
  }
  const scheme = signScheme(env);
  const recvWindowMs = integer(env, "BRIDGE_RECV_WINDOW_MS", 5000, 1, 60000);
  const link = linkField(env);
  const rateLimitPerMinute = integer(env, "BRIDGE_RATE_LIMIT_PER_MIN", 90, 1, 100);

  const agentBase = url(env, "AGENT_BASE_URL");
  const agentAdminBase = url(env, "AGENT_ADMIN_BASE_URL");
  const bridgeBase = url(env, "BRIDGE_BASE_URL");
  if (agentAdminBase && !agentBase) {
    throw new ConfigError("AGENT_BASE_URL", "is required when AGENT_ADMIN_BASE_URL is set");
  }

  const agent: AgentConfig | null = agentBase
    ? {
        listBaseUrl: agentBase,
        adminBaseUrl: agentAdminBase ?? agentBase,
        token: required(env, "AGENT_TOKEN", "when AGENT_BASE_URL is set"),
        stateValues: { active, disabled },
      }
    : null;
  const bridge: BridgeConfig | null = bridgeBase
    ? {
        baseUrl: bridgeBase,
        companyId: required(env, "BRIDGE_COMPANY_ID", "when BRIDGE_BASE_URL is set"),
        apiKey: required(env, "BRIDGE_API_KEY", "when BRIDGE_BASE_URL is set"),
        secretKey: required(env, "BRIDGE_SECRET_KEY", "when BRIDGE_BASE_URL is set"),
        signScheme: scheme,
        recvWindowMs,
        linkField: link,
        rateLimitPerMinute,
      }
    : null;
  // Half a real deployment on a simulator would serve invented data next to real data: refuse it.
  if (agent && !bridge) throw new ConfigError("BRIDGE_BASE_URL", "is required when AGENT_BASE_URL is set");
  if (bridge && !agent) throw new ConfigError("AGENT_BASE_URL", "is required when BRIDGE_BASE_URL is set");
  if (bridge) checkSigningKey(bridge.signScheme, bridge.secretKey);

  const production = text(env, "NODE_ENV") === "production";
  const persistedDocumentsFile = text(env, "GATEWAY_PERSISTED_DOCUMENTS") ?? null;
  const persistedDocumentsOnly = boolean(env, "GATEWAY_PERSISTED_DOCUMENTS_ONLY", false);
  // "Only the manifest" without a manifest would refuse every request: a mistake, not a policy.
  if (persistedDocumentsOnly && persistedDocumentsFile === null) {
    throw new ConfigError(
      "GATEWAY_PERSISTED_DOCUMENTS",
      "is required with GATEWAY_PERSISTED_DOCUMENTS_ONLY=1",
    );
  }
  const allowSimulators = boolean(env, "GATEWAY_ALLOW_SIMULATORS", false);
  if (production && !agent && !allowSimulators) {
    throw new ConfigError(
      "AGENT_BASE_URL",
      "and BRIDGE_BASE_URL are required with NODE_ENV=production (set GATEWAY_ALLOW_SIMULATORS=1 to serve the embedded simulators' invented data)",
    );
  }
  return {
    port,
    production,
    logLevel: logLevel(env),
    auth: authConfig(env, agent !== null),
    callerRateLimitPerMinute: integer(env, "GATEWAY_CALLER_RATE_LIMIT_PER_MIN", 600, 0, 1_000_000),
    corsOrigins: corsOrigins(env, production),
    maxBodyBytes: integer(env, "GATEWAY_MAX_BODY_BYTES", 1024 * 1024, 1024, 64 * 1024 * 1024),
    allowSimulators,
    metricsPort: metricsPort(env),
    shutdownGraceMs: integer(env, "GATEWAY_SHUTDOWN_GRACE_MS", 10000, 0, 600000),
    tracing: tracing(env),
    redisUrl: redisUrl(env),
    bridgeFallbackRateLimitPerMinute: integer(env, "BRIDGE_FALLBACK_RATE_LIMIT_PER_MIN", 10, 1, 100),
    agent,
    bridge,
    linkField: link,
    agentStateValues: { active, disabled },
    rateLimitPerMinute,
    signScheme: scheme,
    recvWindowMs,
    maxPageSize: integer(env, "GATEWAY_MAX_PAGE_SIZE", 500, 100, 2000),
    maxQueryCost: integer(env, "GATEWAY_MAX_QUERY_COST", 50000, 100, 10000000),
    maxTokens: integer(env, "GATEWAY_MAX_TOKENS", 5000, 100, 1000000),
    maxDepth: integer(env, "GATEWAY_MAX_DEPTH", 12, 2, 100),
    maxAliases: integer(env, "GATEWAY_MAX_ALIASES", 100, 0, 10000),
    maxDirectives: integer(env, "GATEWAY_MAX_DIRECTIVES", 50, 0, 10000),
    requestTimeoutMs: integer(env, "GATEWAY_REQUEST_TIMEOUT_MS", 10000, 100, 120000),
    debugExtensions: boolean(env, "GATEWAY_DEBUG_EXTENSIONS", true),
    planning: text(env, "GATEWAY_PLANNING") !== "off",
    warmUp: boolean(env, "GATEWAY_WARM_UP", true),
    warmUpRequests: integer(env, "GATEWAY_WARM_UP_REQUESTS", 300, 0, 100000),
    trafficMaxAgeMs: integer(env, "GATEWAY_TRAFFIC_MAX_AGE_MS", 2000, 0, 3600000),
    profileMaxAgeMs: integer(env, "GATEWAY_PROFILE_MAX_AGE_MS", 60000, 0, 3600000),
    staleIfErrorMs: integer(env, "GATEWAY_STALE_IF_ERROR_MS", 300000, 0, 86400000),
    agentPageCache: cacheBudget(env, "GATEWAY_AGENT_PAGE_CACHE"),
    bridgePageCache: cacheBudget(env, "GATEWAY_BRIDGE_PAGE_CACHE"),
    explorer: boolean(env, "GATEWAY_EXPLORER", !production),
    persistedDocumentsFile,
    persistedDocumentsOnly,
  };
}
