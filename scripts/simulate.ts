/**
 * `npm run simulate`: both upstream simulators on fixed loopback ports, for developing against the gateway
 * with real HTTP in between. Prints the environment lines that point the gateway at them.
 * Flags only (no environment), e.g. `npm run simulate -- --scheme hmac-sha256 --customers 500`.
 */
import { parseArgs } from "node:util";
import { startSimulators, upstreamEnv } from "../src/simulators";

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    "agent-port": { type: "string", default: "4010" },
    "admin-port": { type: "string", default: "4011" },
    "bridge-port": { type: "string", default: "4012" },
    // Production has the agent calls on a second host; --one-host serves them under the list's base URL.
    "one-host": { type: "boolean", default: false },
    scheme: { type: "string", default: "rsa-sha1" },
    "secret-key": { type: "string" },
    token: { type: "string", default: "dev-agent-token" },
    "api-key": { type: "string", default: "dev-api-key" },
    "company-id": { type: "string", default: "1001" },
    customers: { type: "string", default: "3000" },
    profiles: { type: "string" },
    seed: { type: "string" },
    "rate-limit": { type: "string", default: "100" },
    "page-size-cap": { type: "string", default: "1000" },
    latency: { type: "string", default: "0" },
    help: { type: "boolean", short: "h", default: false },
  },
});

function integer(name: keyof typeof values): number | undefined {
  const text = values[name];
  if (text === undefined || typeof text !== "string") return undefined;
  if (!/^\d+$/.test(text)) throw new Error(`--${name} must be a non-negative integer, got "${text}"`);
  return Number(text);
}

async function main(): Promise<void> {
  if (values.help) {
    console.log(
      "Usage: npm run simulate -- [--host H] [--agent-port P] [--admin-port P] [--bridge-port P] [--one-host]\n" +
        "  [--scheme rsa-sha1|hmac-sha256] [--secret-key K] [--token T] [--api-key K] [--company-id N]\n" +
        "  [--customers N] [--profiles N] [--seed N] [--rate-limit N] [--page-size-cap N] [--latency MS]",
    );
    return;
  }
  const scheme = values.scheme;
  if (scheme !== "rsa-sha1" && scheme !== "hmac-sha256") throw new Error(`unknown --scheme "${scheme}"`);
  const oneHost = values["one-host"];
  const sims = await startSimulators({
    host: values.host,
    ports: {
      agent: integer("agent-port"),
      agentAdmin: integer("admin-port"),
      bridge: integer("bridge-port"),
    },
    latencyMs: integer("latency"),
    dataset: {
      agentCustomers: integer("customers"),
      bridgeProfiles: integer("profiles"),
      seed: integer("seed"),
    },
    agent: { token: values.token, separateAdminHost: !oneHost, pageSizeCap: integer("page-size-cap") },
    bridge: {
      scheme,
      secretKey: values["secret-key"],
      apiKey: values["api-key"],
      companyId: values["company-id"],
      rateLimitPerMinute: integer("rate-limit"),
    },
  });
  const { agent, bridge } = sims;
  console.log(
    [
      "Upstream simulators running (Ctrl-C to stop)",
      `  Agent list    GET  ${agent.listBaseUrl}/open/customer/list  (${agent.customers.length} customers)`,
      `  Agent admin   GET  ${agent.adminBaseUrl}/api/agent/{addUser,updatePwd,changeStatus}`,
      `  Bridge        POST ${bridge.baseUrl}/global/customer.admin.WhiteCustomerAdminApiService.page  (${bridge.records.length} profiles)`,
      `  token ${agent.token}  companyId ${bridge.companyId}  apiKey ${bridge.apiKey}  scheme ${bridge.scheme}  rate limit ${bridge.rateLimitPerMinute}/min`,
      "",
      "# Point the gateway at them (invented data: no callers to protect, hence GATEWAY_AUTH=none):",
      ...Object.entries(upstreamEnv(sims)).map(([name, value]) => `${name}=${value}`),
      "GATEWAY_AUTH=none",
    ].join("\n"),
  );
  const stop = () => {
    sims.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
