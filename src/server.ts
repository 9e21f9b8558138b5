import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { ApolloServerPluginCacheControlDisabled } from "@apollo/server/plugin/disabled";
import {
  ApolloServerPluginLandingPageLocalDefault,
  ApolloServerPluginLandingPageProductionDefault,
} from "@apollo/server/plugin/landingPage/default";
import type { IncomingMessage } from "node:http";
import { anonymousCaller } from "./auth/scopes";
import type { GatewayConfig } from "./config";
import { createContext, requestIdFrom, type GatewayContext, type GatewayServices } from "./context";
import { formatError } from "./errors/format-error";
import { queryCostLimitPlugin } from "./limits/query-cost";
import { registerSecrets } from "./logger";
import { buildGatewaySchema } from "./schema";
import { AgentClient } from "./upstreams/agent/client";
import { AgentCustomerSource } from "./upstreams/agent/customer-source";
import { BridgeClient } from "./upstreams/bridge/client";
import { BridgeProfileSource } from "./upstreams/bridge/profile-source";
import { SlidingWindowRateLimiter } from "./upstreams/bridge/rate-limiter";

/** Where the upstreams are: the configured ones, or the embedded simulators'. */
export interface UpstreamEndpoints {
  agent: { listBaseUrl: string; adminBaseUrl: string; token: string };
  bridge: { baseUrl: string; companyId: string; apiKey: string; secretKey: string };
}

export interface Gateway {
  url: string;
  services: GatewayServices;
  limiter: SlidingWindowRateLimiter;
  stop(): Promise<void>;
}

/** The Bridge page maximum (bridge-api.md B.4); the agent list's cap is unknown, 2000 is its sibling's. */
const BRIDGE_MAX_PAGE = 2000;
const AGENT_MAX_PAGE = 2000;
/** Bridge's rate window and its first ban (bridge-api.md B.8), when an answer does not say. */
const RATE_WINDOW_MS = 60_000;
const BAN_MS = 5 * 60_000;

export function createServices(config: GatewayConfig, upstreams: UpstreamEndpoints) {
  registerSecrets(upstreams.agent.token, upstreams.bridge.apiKey, upstreams.bridge.secretKey);
  const limiter = new SlidingWindowRateLimiter(config.rateLimitPerMinute);
  const agentClient = new AgentClient({ ...upstreams.agent });
  const bridgeClient = new BridgeClient({
    ...upstreams.bridge,
    signScheme: config.signScheme,
    recvWindowMs: config.recvWindowMs,
    beforeCall: (info) => limiter.acquire(info.deadline, info.endpoint),
    onRateLimitHeaders: (info) => {
      // After a 429 no call may go out before the upstream's window frees (another call then is what
      // earns a 418 ban); after a 418, none before the ban ends.
      if (info.httpStatus !== 429 && !info.banned) return;
      const wait = info.retryAfterMs ?? info.resetMs ?? (info.banned ? BAN_MS : RATE_WINDOW_MS);
      limiter.blockUntil(Date.now() + wait);
    },
  });
  const common = { perKeyConcurrency: 8, planning: config.planning };
  const services: GatewayServices = {
    config,
    agentClient,
    agentSource: new AgentCustomerSource(agentClient, {
      ...common,
      maxPageSize: AGENT_MAX_PAGE,
      filteredPageSize: 50,
      maxAgeMs: config.trafficMaxAgeMs,
    }),
    bridgeSource: new BridgeProfileSource(bridgeClient, limiter, {
      ...common,
      maxPageSize: BRIDGE_MAX_PAGE,
      filteredPageSize: 20,
      linkField: config.linkField,
      maxAgeMs: config.profileMaxAgeMs,
    }),
  };
  const close = async () => {
    await Promise.all([agentClient.close(), bridgeClient.close()]);
  };
  return { services, limiter, close };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Upstream accounting in the response extensions, only when the caller asked (x-gateway-debug: 1). */
const debugExtensionsPlugin: ApolloServerPlugin<GatewayContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ contextValue, response }) {
        if (!contextValue.debug || response.body.kind !== "single") return;
        response.body.singleResult.extensions = {
          ...response.body.singleResult.extensions,
          gateway: { requestId: contextValue.requestId, ...contextValue.scope.accounting.toJSON() },
        };
      },
    };
  },
};

/** Starts the GraphQL endpoint on `port` (0: a free port) over the given upstreams. */
export async function startGateway(
  config: GatewayConfig,
  upstreams: UpstreamEndpoints,
  port = config.port,
): Promise<Gateway> {
  const { services, limiter, close } = createServices(config, upstreams);
  const schema = buildGatewaySchema();
  const server = new ApolloServer<GatewayContext>({
    schema,
    formatError,
    includeStacktraceInErrorResponses: false,
    introspection: !config.production,
    plugins: [
      config.production
        ? ApolloServerPluginLandingPageProductionDefault({ footer: false })
        : ApolloServerPluginLandingPageLocalDefault({ footer: false }),
      debugExtensionsPlugin,
      queryCostLimitPlugin(schema, config.maxQueryCost, config.maxPageSize),
      // No cache hints are used; the plugin would wrap every field resolver for nothing.
      ApolloServerPluginCacheControlDisabled(),
    ],
  });
  const { url } = await startStandaloneServer(server, {
    listen: { port, host: "0.0.0.0" },
    context: async ({ req, res }) => {
      const requestId = requestIdFrom(header(req, "x-request-id"));
      res.setHeader("x-request-id", requestId);
      return createContext(services, {
        requestId,
        caller: anonymousCaller(req.socket.remoteAddress ?? "unknown"),
        debug: config.debugExtensions && header(req, "x-gateway-debug") === "1",
      });
    },
  });
  return {
    url: new URL("/graphql", url).toString(),
    services,
    limiter,
    async stop() {
      await server.stop();
      await close();
    },
  };
}
