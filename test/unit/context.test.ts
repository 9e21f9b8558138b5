import * as agentLoaders from "../../src/upstreams/agent/loaders";
import * as bridgeLoaders from "../../src/upstreams/bridge/loaders";
import { createContext, type GatewayServices } from "../../src/context";

/** What Apollo Server does with the context before resolvers see it (ApolloServer.ts, cloneObject). */
function apolloCopy<T extends object>(object: T): T {
  return Object.assign(Object.create(Object.getPrototypeOf(object) as object | null) as T, object);
}

describe("request context", () => {
  const services = {
    config: { requestTimeoutMs: 1_000 },
    agentSource: {},
    bridgeSource: {},
  } as unknown as GatewayServices;
  const caller = { sub: null, clientId: null, scopes: new Set<string>() } as never;

  afterEach(() => jest.restoreAllMocks());

  it("makes a request's loaders only when a resolver first asks, also in Apollo's copy of it", () => {
    const agent = jest.spyOn(agentLoaders, "createAgentLoaders");
    const bridge = jest.spyOn(bridgeLoaders, "createBridgeLoaders");
    const context = apolloCopy(createContext(services, { requestId: "r1", caller, debug: false }));
    expect(agent).not.toHaveBeenCalled();
    expect(bridge).not.toHaveBeenCalled();

    const loaders = context.agent;
    expect(context.agent).toBe(loaders);
    expect(agent).toHaveBeenCalledTimes(1);
    // A request that reads only the agent's customers never builds the Bridge loaders.
    expect(bridge).not.toHaveBeenCalled();
  });
});
