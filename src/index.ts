import "reflect-metadata";
import { ConfigError, loadConfig, type GatewayConfig } from "./config";
import { logger } from "./logger";
import { startGateway, type UpstreamEndpoints } from "./server";
import { startSimulators } from "./simulators";
import type { Simulators } from "./simulators/types";

/** Start-up only: configuration, the embedded simulators when no upstream is configured, the server. */
async function main(): Promise<void> {
  let config: GatewayConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      logger.error(error.message);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }

  let simulators: Simulators | null = null;
  let upstreams: UpstreamEndpoints;
  if (config.agent && config.bridge) {
    upstreams = { agent: config.agent, bridge: config.bridge };
  } else {
    simulators = await startSimulators({
      agent: { stateValues: config.agentStateValues },
      bridge: { scheme: config.signScheme, linkField: config.linkField },
    });
    const { agent, bridge } = simulators;
    logger.info(
      "No upstream configured (AGENT_BASE_URL / BRIDGE_BASE_URL unset): serving the embedded simulators.",
    );
    logger.info(
      `  Agent Customer API simulator: ${agent.listBaseUrl} (admin ${agent.adminBaseUrl}), ${agent.customers.length} customers`,
    );
    logger.info(
      `  Bridge API simulator: ${bridge.baseUrl}, ${bridge.records.length} profiles, ${bridge.scheme} signing`,
    );
    upstreams = {
      agent: { listBaseUrl: agent.listBaseUrl, adminBaseUrl: agent.adminBaseUrl, token: agent.token },
      bridge: {
        baseUrl: bridge.baseUrl,
        companyId: bridge.companyId,
        apiKey: bridge.apiKey,
        secretKey: bridge.secretKey,
      },
    };
  }

  const gateway = await startGateway(config, upstreams);
  logger.info(`GraphQL gateway ready at ${gateway.url.replace("0.0.0.0", "localhost")}`);

  const shutdown = async (signal: string) => {
    logger.info(`${signal}: shutting down`);
    await gateway.stop();
    await simulators?.close();
    process.exit(0);
  };
  process.once("SIGINT", () => void shutdown("SIGINT"));
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
}

main().catch((error: unknown) => {
  logger.error("The gateway could not start:", error);
  process.exit(1);
});
