import "reflect-metadata";
import { ConfigError, loadConfig, type GatewayConfig } from "./config";
import { logger } from "./logger";
import type { Tracing } from "./observability/tracing";
import { startGateway, type UpstreamEndpoints } from "./server";
import { startSimulators } from "./simulators";
import type { Simulators } from "./simulators/types";

const EX_CONFIG = 78;

/** Says at every start who may call the gateway, loudly when anyone may change accounts. */
function logCallers(config: GatewayConfig, simulated: boolean): void {
  if (config.auth.mode === "jwt") {
    const keys = config.auth.jwksUrl !== null ? "JWKS URL" : "GATEWAY_JWT_PUBLIC_KEY";
    logger.info(
      `Callers authenticate with JWT bearer tokens (issuer and audience checked, keys from ${keys}).`,
    );
  } else if (simulated) {
    logger.info(
      "Authentication is off (embedded simulators, no GATEWAY_JWT_* set): every caller holds every scope.",
    );
  } else {
    logger.warn(
      "GATEWAY_AUTH=none: authentication is OFF against real upstreams; anyone who reaches this port can change customer accounts.",
    );
  }
}

/** Start-up only: configuration, the embedded simulators when no upstream is configured, the server. */
async function main(): Promise<void> {
  const config = loadConfig();
  logger.level = config.logLevel;

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
    if (config.production) {
      logger.warn("NODE_ENV=production with GATEWAY_ALLOW_SIMULATORS=1: serving invented data.");
    }
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
  logCallers(config, simulators !== null);

  // Process-wide and before any request: the tracer provider, when OTEL_* asks for traces.
  // Loaded only when asked for: with tracing off it costs nothing, not even its modules.
  const tracing: Tracing | null = config.tracing
    ? (await import("./observability/tracing")).startTracing(config.tracing.serviceName)
    : null;
  if (tracing) logger.info("Tracing: spans go out over OTLP/HTTP (OTEL_EXPORTER_OTLP_* variables).");

  let gateway;
  try {
    gateway = await startGateway(config, upstreams, config.port, { tracer: tracing?.tracer ?? null });
  } catch (error) {
    await simulators?.close();
    throw error;
  }
  if (gateway.metricsPort !== null) {
    logger.info(`Metrics at http://localhost:${gateway.metricsPort}/metrics`);
  }
  logger.info(`GraphQL gateway ready at ${gateway.url}`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(
      `${signal}: shutting down; readiness is 503, waiting up to ${config.shutdownGraceMs} ms for requests in flight`,
    );
    const drained = await gateway.shutdown(config.shutdownGraceMs);
    if (!drained) logger.warn("Shutdown grace period over: requests still in flight were cut.");
    await simulators?.close();
    await tracing?.shutdown().catch(() => undefined);
    logger.info("Stopped.");
    process.exit(0);
  };
  process.once("SIGINT", () => void shutdown("SIGINT"));
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
}

// Every start-up failure is one line naming the variable or the cause; configuration exits 78.
main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    logger.fatal(error.message);
    process.exit(EX_CONFIG);
  }
  const cause = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  logger.fatal(`The gateway could not start: ${cause.split("\n")[0]}`);
  process.exit(1);
});
