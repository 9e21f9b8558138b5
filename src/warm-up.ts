import type { ApolloServer } from "@apollo/server";
import { Pool } from "undici";
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
 * An edge like the gateway's own (src/http/app.ts) serving the warm-up's services on a loopback port of
 * its own, silent and counted in no metric: what the warm-up's HTTP requests go through.
 */
export interface WarmUpEdge {
  /** http://127.0.0.1:<port>/graphql */
  url: string;
  close(): Promise<void>;
}

/** How the gateway serves its warm-up's services over HTTP (src/server.ts). */
export type ServeWarmUpEdge = (services: GatewayServices) => Promise<WarmUpEdge>;

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
  serveEdge?: ServeWarmUpEdge,
): Promise<{ ms: number; problems: string[]; httpRequests: number }> {
  const started = Date.now();
  const done = { problems: [] as string[], httpRequests: 0 };
  try {
    await runShapes(apollo, config, bridge, createServices, serveEdge, done);
  } catch (error) {
    done.problems.push(error instanceof Error ? error.message : String(error));
  }
  return { ms: Date.now() - started, ...done };
}

async function runShapes(
  apollo: ApolloServer<GatewayContext>,
  config: GatewayConfig,
  bridge: UpstreamEndpoints["bridge"],
  createServices: (upstreams: UpstreamEndpoints) => WarmUpServices,
  serveEdge: ServeWarmUpEdge | undefined,
  done: { problems: string[]; httpRequests: number },
): Promise<void> {
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
  const { problems } = done;
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
    if (serveEdge !== undefined && config.warmUpRequests > 0) {
      const edge = await serveEdge(services);
      try {
        const answered = await driveEdge(edge, shapes, services, config.warmUpRequests);
        done.httpRequests = answered.clean;
        if (answered.problem !== null) problems.push(answered.problem);
      } finally {
        await edge.close();
      }
    }
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

/** Requests of one round of the HTTP warm-up, sent at once, each on a connection of its own. */
const EDGE_ROUND = 100;
/** Longest wait for a warm-up request's headers, then for its body, ms. */
const EDGE_TIMEOUT_MS = 10_000;

/**
 * The request path over HTTP, as a burst finds it: the read shapes above ran once each, through Apollo
 * alone, which leaves what runs per request — the socket's accept and HTTP parsing, Fastify's hooks and
 * body parser, Apollo's pipeline, the limits, the loaders, the resolvers, the response's write — in
 * V8's interpreter; the first 200 concurrent `customer(id)` of a fresh process then cost ~1.4 ms of
 * main-thread CPU each (~1 ms even with every answer in the index), against ~0.3 once compiled. So `requests` requests (GATEWAY_WARM_UP_REQUESTS) go through an edge
 * of the gateway's own kind on loopback, in rounds of EDGE_ROUND at once on new connections, the read
 * shapes in turn; the sources start each round cold, so that a round takes the cold path too (one scan,
 * the other requests joining it), as a fresh process's first burst does. Resolves to the number of
 * clean answers (200, no error) and the first answer that was not clean, if any.
 */
async function driveEdge(
  edge: WarmUpEdge,
  shapes: { query: string; variables?: Record<string, unknown> }[],
  services: GatewayServices,
  requests: number,
): Promise<{ clean: number; problem: string | null }> {
  const url = new URL(edge.url);
  const bodies = shapes.map((shape) => JSON.stringify(shape));
  let clean = 0;
  let problem: string | null = null;
  for (let sent = 0; sent < requests;) {
    const round = Math.min(EDGE_ROUND, requests - sent);
    services.agentSource.invalidate();
    services.bridgeSource.invalidate();
    // A warm-up that hangs must not hold the start for undici's default of 300 s: it fails, and is said.
    const pool = new Pool(url.origin, {
      connections: round,
      headersTimeout: EDGE_TIMEOUT_MS,
      bodyTimeout: EDGE_TIMEOUT_MS,
    });
    try {
      await Promise.all(
        Array.from({ length: round }, async (_, i) => {
          const { statusCode, body } = await pool.request({
            path: url.pathname,
            method: "POST",
            headers: { "content-type": "application/json" },
            body: bodies[(sent + i) % bodies.length],
          });
          const text = await body.text();
          if (statusCode === 200 && !text.includes('"errors"')) clean += 1;
          else problem ??= `HTTP ${statusCode}: ${text.slice(0, 200)}`;
        }),
      );
    } finally {
      await pool.close();
    }
    sent += round;
  }
  return { clean, problem };
}
