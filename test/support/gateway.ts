import { loadConfig } from "../../src/config";
import { createLogger } from "../../src/logger";
import { startGateway, type Gateway, type StartOptions } from "../../src/server";
import { startSimulators } from "../../src/simulators";
import type { SimulatorOptions, Simulators } from "../../src/simulators/types";

/** A gateway on a free loopback port over fresh simulators: what every GraphQL test runs against. */
export interface TestStack {
  sims: Simulators;
  gateway: Gateway;
  /** http://127.0.0.1:<port>/graphql */
  url: string;
  /** Every record the gateway logged (the edge, the audit trail), parsed; `logText` is the raw output. */
  logs(): Record<string, unknown>[];
  logText(): string;
  /** POSTs a GraphQL request over real HTTP. */
  gql<T = GqlData>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GqlResponse<T>>;
  /** Upstream calls since the last reset, from the simulators' own logs. */
  calls(): { agent: Record<string, number>; bridge: Record<string, number> };
  resetCalls(): void;
  close(): Promise<void>;
}

// Test data is dynamic JSON; tests assert its shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type GqlData = any;

export interface GqlResponse<T> {
  status: number;
  headers: Headers;
  data: T;
  errors?: { message: string; path?: (string | number)[]; extensions: Record<string, unknown> }[];
  extensions?: Record<string, unknown>;
}

function countByEndpoint(calls: readonly { endpoint: string }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of calls) out[c.endpoint] = (out[c.endpoint] ?? 0) + 1;
  return out;
}

export async function startStack(
  options: {
    sims?: SimulatorOptions;
    /** Simulators another stack (or the test) started: shared, and left running by close(). */
    simulators?: Simulators;
    env?: Record<string, string>;
    start?: StartOptions;
  } = {},
): Promise<TestStack> {
  let logText = "";
  const logger = createLogger({
    level: "debug",
    destination: { write: (line: string) => void (logText += line) },
  });
  const sims =
    options.simulators ??
    (await startSimulators({ dataset: { agentCustomers: 300, seed: 7 }, ...options.sims }));
  // The warm-up's HTTP requests (GATEWAY_WARM_UP_REQUESTS) add ~0.6 s to a start and change no answer:
  // test/planning/warm-up.test.ts runs them; the other stacks start without.
  const config = loadConfig({
    GATEWAY_REQUEST_TIMEOUT_MS: "5000",
    METRICS_PORT: "0",
    GATEWAY_WARM_UP_REQUESTS: "0",
    ...options.env,
  });
  const gateway = await startGateway(
    config,
    {
      agent: {
        listBaseUrl: sims.agent.listBaseUrl,
        adminBaseUrl: sims.agent.adminBaseUrl,
        token: sims.agent.token,
      },
      bridge: {
        baseUrl: sims.bridge.baseUrl,
        companyId: sims.bridge.companyId,
        apiKey: sims.bridge.apiKey,
        secretKey: sims.bridge.secretKey,
      },
    },
    0,
    { logger, ...options.start },
  );
  const url = gateway.url.replace("localhost", "127.0.0.1");
  return {
    sims,
    gateway,
    url,
    logText: () => logText,
    logs: () =>
      logText
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    async gql(query, variables, headers) {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as {
        data: GqlData;
        errors?: GqlResponse<GqlData>["errors"];
        extensions?: Record<string, unknown>;
      };
      return {
        status: res.status,
        headers: res.headers,
        data: body.data,
        errors: body.errors,
        extensions: body.extensions,
      };
    },
    calls: () => ({
      agent: countByEndpoint(sims.agent.log.calls),
      bridge: countByEndpoint(sims.bridge.log.calls),
    }),
    resetCalls() {
      sims.agent.log.reset();
      sims.bridge.log.reset();
    },
    async close() {
      await gateway.stop();
      if (options.simulators === undefined) await sims.close();
    },
  };
}

/** Every shared read forgotten and the simulators' logs emptied: the next query runs cold. */
export function coldStart(stack: TestStack): void {
  stack.gateway.services.agentSource.invalidate();
  stack.gateway.services.bridgeSource.invalidate();
  stack.resetCalls();
}
