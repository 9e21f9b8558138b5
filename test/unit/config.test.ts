import { ConfigError, loadConfig } from "../../src/config";

const AGENT = { AGENT_BASE_URL: "http://user.example/prod-api", AGENT_TOKEN: "agent-token" };
const BRIDGE = {
  BRIDGE_BASE_URL: "https://bridge.example/webhook/",
  BRIDGE_COMPANY_ID: "1001",
  BRIDGE_API_KEY: "key",
  BRIDGE_SECRET_KEY: "secret",
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
      planning: true,
      production: false,
    });
  });

  it("reads both upstreams, the admin base defaulting to the list base, trailing slashes dropped", () => {
    const config = loadConfig({
      ...AGENT,
      ...BRIDGE,
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
  ])("rejects %o naming %s", (env, variable) => {
    const error = errorOf(env as Record<string, string>);
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(variable);
  });

  it("never echoes a secret in its error", () => {
    const error = errorOf({ ...AGENT, ...BRIDGE, AGENT_BASE_URL: "http://user:topsecret@x" });
    expect(error.message).not.toContain("topsecret");
  });
});
