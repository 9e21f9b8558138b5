import { generateKeyPairSync } from "node:crypto";
import { ConfigError, loadConfig } from "../../src/config";

const RSA_KEY = generateKeyPairSync("rsa", { modulusLength: 1024 })
  .privateKey.export({ format: "der", type: "pkcs8" })
  .toString("base64");
const AGENT = {
  AGENT_BASE_URL: "http://user.example/prod-api",
  AGENT_TOKEN: "agent-token",
  GATEWAY_AUTH: "none",
};
const BRIDGE = {
  BRIDGE_BASE_URL: "https://bridge.example/webhook/",
  BRIDGE_COMPANY_ID: "1001",
  BRIDGE_API_KEY: "key",
  BRIDGE_SECRET_KEY: RSA_KEY,
};
const JWT = {
  GATEWAY_JWT_JWKS_URL: "https://issuer.example/.well-known/jwks.json",
  GATEWAY_JWT_ISSUER: "https://issuer.example/",
  GATEWAY_JWT_AUDIENCE: "traffic-gateway",
};

function errorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("defaults to the embedded simulators with the documented defaults", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 4000,
      agent: null,
      bridge: null,
      agentStateValues: { active: 0, disabled: 1 },
      signScheme: "rsa-sha1",
      recvWindowMs: 5000,
      linkField: "agentCustomerNo",
      rateLimitPerMinute: 90,
      trafficMaxAgeMs: 2000,
      profileMaxAgeMs: 60000,
      staleIfErrorMs: 300000,
      planning: true,
      production: false,
      agentPageCache: null,
      bridgePageCache: null,
    });
  });

  it("reads the page caches' budgets in records or bytes", () => {
    const config = loadConfig({
      GATEWAY_AGENT_PAGE_CACHE: "64MB",
      GATEWAY_BRIDGE_PAGE_CACHE: "5000 records",
    });
    expect(config.agentPageCache).toEqual({ bytes: 64_000_000 });
    expect(config.bridgePageCache).toEqual({ records: 5000 });
    expect(() => loadConfig({ GATEWAY_AGENT_PAGE_CACHE: "lots" })).toThrow(ConfigError);
  });

  it("reads the stale-if-error bound; 0 turns it off", () => {
    expect(loadConfig({ GATEWAY_STALE_IF_ERROR_MS: "0" }).staleIfErrorMs).toBe(0);
    expect(loadConfig({ GATEWAY_STALE_IF_ERROR_MS: "60000" }).staleIfErrorMs).toBe(60000);
  });

  it("reads both upstreams, the admin base defaulting to the list base, trailing slashes dropped", () => {
    const config = loadConfig({
      ...AGENT,
      ...BRIDGE,
      BRIDGE_SECRET_KEY: "secret",
      BRIDGE_SIGN_SCHEME: "hmac-sha256",
      AGENT_STATE_ACTIVE: "1",
      AGENT_STATE_DISABLED: "0",
    });
    expect(config.agent).toEqual({
      listBaseUrl: "http://user.example/prod-api",
      adminBaseUrl: "http://user.example/prod-api",
      token: "agent-token",
      stateValues: { active: 1, disabled: 0 },
    });
    expect(config.bridge).toMatchObject({
      baseUrl: "https://bridge.example/webhook",
      signScheme: "hmac-sha256",
    });
    expect(
      loadConfig({ ...AGENT, ...BRIDGE, AGENT_ADMIN_BASE_URL: "http://api.example:8004" }).agent
        ?.adminBaseUrl,
    ).toBe("http://api.example:8004");
  });

  it.each([
    [{ AGENT_BASE_URL: "http://x/prod-api" }, "AGENT_TOKEN"],
    [{ ...AGENT }, "BRIDGE_BASE_URL"],
    [{ ...BRIDGE }, "AGENT_BASE_URL"],
    [{ ...AGENT, ...BRIDGE, BRIDGE_SECRET_KEY: "" }, "BRIDGE_SECRET_KEY"],
    [{ ...AGENT, ...BRIDGE, BRIDGE_API_KEY: " " }, "BRIDGE_API_KEY"],
    [{ AGENT_ADMIN_BASE_URL: "http://x" }, "AGENT_BASE_URL"],
    [{ PORT: "80a" }, "PORT"],
    [{ PORT: "70000" }, "PORT"],
    [{ BRIDGE_SIGN_SCHEME: "md5" }, "BRIDGE_SIGN_SCHEME"],
    [{ BRIDGE_RECV_WINDOW_MS: "60001" }, "BRIDGE_RECV_WINDOW_MS"],
    [{ BRIDGE_RATE_LIMIT_PER_MIN: "101" }, "BRIDGE_RATE_LIMIT_PER_MIN"],
    [{ BRIDGE_LINK_FIELD: "password" }, "BRIDGE_LINK_FIELD"],
    [{ AGENT_STATE_ACTIVE: "1" }, "AGENT_STATE_DISABLED"],
    [{ ...AGENT, ...BRIDGE, AGENT_BASE_URL: "ftp://x" }, "AGENT_BASE_URL"],
    [{ ...AGENT, ...BRIDGE, AGENT_BASE_URL: "http://user:pw@x" }, "AGENT_BASE_URL"],
    // An unreadable key is a start-up error, not a failure at the first Bridge call.
    [{ ...AGENT, ...BRIDGE, BRIDGE_SECRET_KEY: "not a key" }, "BRIDGE_SECRET_KEY"],
    // Real upstreams never start without a decision about callers.
    [{ ...AGENT, ...BRIDGE, GATEWAY_AUTH: "" }, "GATEWAY_AUTH"],
    [{ GATEWAY_AUTH: "basic" }, "GATEWAY_AUTH"],
    [{ GATEWAY_AUTH: "jwt" }, "GATEWAY_JWT_JWKS_URL"],
    [{ ...JWT, GATEWAY_JWT_ISSUER: "" }, "GATEWAY_JWT_ISSUER"],
    [{ ...JWT, GATEWAY_JWT_AUDIENCE: "" }, "GATEWAY_JWT_AUDIENCE"],
    [{ ...JWT, GATEWAY_JWT_PUBLIC_KEY: "x" }, "GATEWAY_JWT_PUBLIC_KEY"],
    [{ NODE_ENV: "production" }, "AGENT_BASE_URL"],
    [{ GATEWAY_DEBUG_EXTENSIONS: "maybe" }, "GATEWAY_DEBUG_EXTENSIONS"],
    [{ GATEWAY_CORS_ORIGINS: "*,https://a.example" }, "GATEWAY_CORS_ORIGINS"],
    [{ GATEWAY_CORS_ORIGINS: "app.example" }, "GATEWAY_CORS_ORIGINS"],
    [{ GATEWAY_CALLER_RATE_LIMIT_PER_MIN: "-1" }, "GATEWAY_CALLER_RATE_LIMIT_PER_MIN"],
    [{ LOG_LEVEL: "loud" }, "LOG_LEVEL"],
    [{ GATEWAY_STALE_IF_ERROR_MS: "-1" }, "GATEWAY_STALE_IF_ERROR_MS"],
    [{ GATEWAY_STALE_IF_ERROR_MS: "5 min" }, "GATEWAY_STALE_IF_ERROR_MS"],
  ])("rejects %o naming %s", (env, variable) => {
    const error = errorOf(env as Record<string, string>);
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(variable);
  });

  it("never echoes a secret in its error", () => {
    const error = errorOf({ ...AGENT, ...BRIDGE, AGENT_BASE_URL: "http://user:topsecret@x" });
    expect(error.message).not.toContain("topsecret");
  });

  it("reads booleans as 1/0, true/false, yes/no, on/off", () => {
    for (const off of ["0", "false", "FALSE", "no", "off"]) {
      expect(loadConfig({ GATEWAY_DEBUG_EXTENSIONS: off }).debugExtensions).toBe(false);
    }
    for (const on of ["1", "true", "Yes", "on"]) {
      expect(loadConfig({ GATEWAY_DEBUG_EXTENSIONS: on }).debugExtensions).toBe(true);
    }
  });

  it("decides who may call: off on the simulators, jwt when configured, none only when said", () => {
    expect(loadConfig({}).auth).toEqual({ mode: "none" });
    expect(loadConfig({ ...JWT }).auth).toEqual({
      mode: "jwt",
      jwksUrl: JWT.GATEWAY_JWT_JWKS_URL,
      publicKey: null,
      issuer: JWT.GATEWAY_JWT_ISSUER,
      audience: JWT.GATEWAY_JWT_AUDIENCE,
    });
    expect(loadConfig({ ...AGENT, ...BRIDGE, ...JWT, GATEWAY_AUTH: "" }).auth.mode).toBe("jwt");
    expect(loadConfig({ ...AGENT, ...BRIDGE }).auth.mode).toBe("none");
  });

  it("serves the simulators in production only when asked to", () => {
    const config = loadConfig({ NODE_ENV: "production", GATEWAY_ALLOW_SIMULATORS: "yes" });
    expect(config).toMatchObject({ production: true, agent: null, allowSimulators: true });
    expect(errorOf({ NODE_ENV: "production" }).message).toContain("BRIDGE_BASE_URL");
  });

  it("defaults CORS to any origin in development and none in production", () => {
    expect(loadConfig({}).corsOrigins).toBe("*");
    expect(loadConfig({ NODE_ENV: "production", GATEWAY_ALLOW_SIMULATORS: "1" }).corsOrigins).toEqual([]);
    expect(
      loadConfig({ GATEWAY_CORS_ORIGINS: "https://a.example, http://localhost:3000" }).corsOrigins,
    ).toEqual(["https://a.example", "http://localhost:3000"]);
  });
});
