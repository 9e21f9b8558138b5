import { startAgentSimulator } from "./agent";
import { startBridgeSimulator } from "./bridge";
import { generateDataset } from "./dataset";
import type { BridgeSimulator, SimulatorOptions, Simulators } from "./types";

export { startAgentSimulator } from "./agent";
export { startBridgeSimulator } from "./bridge";
export { generateDataset, type Dataset, type DatasetBridgeInfo } from "./dataset";
export { canonicalString } from "./signature";
export type * from "./types";

/**
 * Starts both upstream stand-ins on loopback (free ports unless `ports` says otherwise) over one shared
 * dataset, so that Bridge profiles link to agent customers that really exist in the agent simulator.
 */
export async function startSimulators(options: SimulatorOptions = {}): Promise<Simulators> {
  const dataset = generateDataset(options.dataset, {
    companyId: options.bridge?.companyId,
    linkField: options.bridge?.linkField,
  });
  const agent = await startAgentSimulator(options, dataset);
  let bridge: BridgeSimulator;
  try {
    bridge = await startBridgeSimulator(options, dataset);
  } catch (error) {
    await agent.close();
    throw error;
  }
  return {
    agent,
    bridge,
    close: async () => {
      await Promise.all([agent.close(), bridge.close()]);
    },
  };
}

/**
 * The gateway's upstream variables (API.md §3) that point it at these simulators, as a deployment
 * would be configured: `npm run simulate` prints them, the bench and the process tests pass them.
 */
export function upstreamEnv(sims: Simulators): Record<string, string> {
  const { agent, bridge } = sims;
  return {
    AGENT_BASE_URL: agent.listBaseUrl,
    ...(agent.adminBaseUrl === agent.listBaseUrl ? {} : { AGENT_ADMIN_BASE_URL: agent.adminBaseUrl }),
    AGENT_TOKEN: agent.token,
    BRIDGE_BASE_URL: bridge.baseUrl,
    BRIDGE_COMPANY_ID: bridge.companyId,
    BRIDGE_API_KEY: bridge.apiKey,
    BRIDGE_SECRET_KEY: bridge.secretKey,
    BRIDGE_SIGN_SCHEME: bridge.scheme,
  };
}
