import type { ApolloServer } from "@apollo/server";
import { anonymousCaller } from "./auth/scopes";
import type { GatewayConfig } from "./config";
import { createContext, type GatewayContext, type GatewayServices } from "./context";
import type { UpstreamEndpoints } from "./server";
import { generateDataset, startSimulators } from "./simulators";
import { agentListText } from "./simulators/agent";
import { bridgePageText } from "./simulators/bridge";
import { decodeListAnswerInSlices } from "./upstreams/agent/decode";
import { decodePageAnswerInSlices } from "./upstreams/bridge/decode";

/**
 * Start-up warm-up of the read path (issue 8 §3, cold queries). A process that has served nothing pays,
 * on its first upstream read, for compiling the code of that read: undici's HTTP parser (a WebAssembly
 * module compiled on the first connection), the clients, the decoders, the signing, the list sources,
 * the planner, the loaders, the resolvers and the scalars — about 40 ms on the first customer page here,
 * more than its upstream call. So before it listens the gateway runs the read shapes once against
 * in-process simulators on loopback, through services of their own: the configured upstreams are never
 * called, and the real sources' indexes, pages, latency averages and learned page caps stay empty, so
 * that the first real request is still a cold read — only no longer a first compilation.
 */

const TRAFFIC = "traffic { rechargedMb remainingMb usedMb }";
const PROFILE = "profile { id customerNo name email phone status updatedAt createdAt }";

/** Every read shape a cold request can take: windows, per-key lookups, scans of both lists, the joins. */
function readShapes(
  userNames: string[],
  customerId: string,
): { query: string; variables?: Record<string, unknown> }[] {
  return [
    {
      query: `query WarmUpCustomers { customers(first: 3) { totalCount pageInfo { hasNextPage endCursor } nodes { id userName ${TRAFFIC} ${PROFILE} profiles { id } } } }`,
    },
    {
      query: `query WarmUpProfiles { bridgeProfiles(first: 3) { totalCount nodes { id customerNo name customer { id userName ${TRAFFIC} } } } }`,
    },
    {
      query: `query WarmUpNames($a: String!, $b: String!) { a: customerByUserName(userName: $a) { id userName ${TRAFFIC} } b: customerByUserName(userName: $b) { id } }`,
      variables: { a: userNames[0] ?? "a", b: userNames[1] ?? "b" },
    },
    {
      query: `query WarmUpCustomer($id: ID!) { customer(id: $id) { id userName ${TRAFFIC} } }`,
      variables: { id: customerId },
    },
  ];
}

export interface WarmUpServices {
  services: GatewayServices;
  close(): Promise<void>;
}

/**
 * Runs every read shape once (each on cold sources) through `apollo` with services that
 * `createServices` builds over simulators started for the purpose, then closes both. Signing uses the
 * configured scheme and key, verified by the simulator in this process. Never throws: a failed warm-up
 * only leaves the first request as slow as it was. Resolves to how long it took, ms, and what went wrong
 * (error codes of answers, or the failure that stopped it), for the start-up log.
 */
export async function warmUpReadPath(
  apollo: ApolloServer<GatewayContext>,
  config: GatewayConfig,
  bridge: UpstreamEndpoints["bridge"],
  createServices: (upstreams: UpstreamEndpoints) => WarmUpServices,
): Promise<{ ms: number; problems: string[] }> {
  const started = Date.now();
  let problems: string[];
  try {
    problems = await runShapes(apollo, config, bridge, createServices);
  } catch (error) {
    problems = [error instanceof Error ? error.message : String(error)];
  }
  return { ms: Date.now() - started, problems };
}

async function runShapes(
  apollo: ApolloServer<GatewayContext>,
  config: GatewayConfig,
  bridge: UpstreamEndpoints["bridge"],
  createServices: (upstreams: UpstreamEndpoints) => WarmUpServices,
): Promise<string[]> {
  const sims = await startSimulators({
    // A hidden page cap below the list's length: the agent scan learns it and reads the rest together.
    dataset: { agentCustomers: 6, bridgeProfiles: 6, seed: 1 },
    agent: { pageSizeCap: 4 },
    bridge: {
      scheme: config.signScheme,
      linkField: config.linkField,
      companyId: bridge.companyId,
      apiKey: bridge.apiKey,
      secretKey: bridge.secretKey,
    },
  });
  let built: WarmUpServices | null = null;
  const problems: string[] = [];
  try {
    built = createServices({
      agent: {
        listBaseUrl: sims.agent.listBaseUrl,
        adminBaseUrl: sims.agent.adminBaseUrl,
        token: sims.agent.token,
      },
      bridge: { ...bridge, baseUrl: sims.bridge.baseUrl },
    });
    const { services } = built;
    const customers = sims.agent.customers;
    const shapes = readShapes(
      customers.slice(0, 2).map((c) => c.userName),
      customers[customers.length - 1]?.customerId ?? "1",
    );
    // Once is enough: the first run compiles; a second one changed nothing measurable and cost ~130 ms.
    for (const [i, shape] of shapes.entries()) {
      // Each shape on cold sources, as a first request would find them.
      services.agentSource.invalidate();
      services.bridgeSource.invalidate();
      const contextValue = createContext(services, {
        requestId: `warm-up-${i}`,
        caller: anonymousCaller("warm-up"),
        debug: false,
      });
      const { body } = await apollo.executeOperation(shape, { contextValue });
      const errors = body.kind === "single" ? (body.singleResult.errors ?? []) : [];
      for (const e of errors) problems.push(`${String(e.extensions?.code ?? "ERROR")}: ${e.message}`);
    }
    await warmDecoders();
    return problems;
  } finally {
    await built?.close().catch(() => undefined);
    await sims.close().catch(() => undefined);
  }
}

/** Records in each page the decoders are compiled on: enough calls for V8 to optimise them. */
const DECODE_WARM_RECORDS = 1000;
/** Passes over those pages (the first runs interpreted, the next ones optimised). */
const DECODE_WARM_PASSES = 3;

/**
 * The decoders run on pages of a realistic size, as an answer read back from another replica would be
 * (the same lossless parse, envelope and record decoders as the clients'): the read shapes above decode
 * a handful of records, which leaves the per-record code in V8's interpreter, and the first real scan
 * paid for its optimisation on its first pages (a cold 10,000-profile scan: its first page's parse and
 * records took 2-3× what the later ones did).
 */
async function warmDecoders(): Promise<void> {
  const dataset = generateDataset({
    agentCustomers: DECODE_WARM_RECORDS,
    bridgeProfiles: DECODE_WARM_RECORDS,
    seed: 2,
  });
  const page = { current: 1, size: DECODE_WARM_RECORDS, total: DECODE_WARM_RECORDS, tm: Date.now() };
  const bridgeText = bridgePageText(dataset.bridgeRecords, { ...page, trace: "warm-up" });
  const agentText = agentListText(dataset.agentCustomers, DECODE_WARM_RECORDS);
  for (let pass = 0; pass < DECODE_WARM_PASSES; pass++) {
    await decodePageAnswerInSlices(bridgeText, { current: 1, size: DECODE_WARM_RECORDS });
    await decodeListAnswerInSlices(agentText);
  }
}
