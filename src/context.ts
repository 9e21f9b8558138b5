import { randomUUID } from "node:crypto";
import type { Caller } from "./auth/scopes";
import type { GatewayConfig } from "./config";
import { newRequestRecord, type RequestRecord } from "./observability/request-record";
import type { AgentClient } from "./upstreams/agent/client";
import type { AgentCustomerSource } from "./upstreams/agent/customer-source";
import { createAgentLoaders, type AgentLoaders } from "./upstreams/agent/loaders";
import { createBridgeLoaders, type BridgeLoaders } from "./upstreams/bridge/loaders";
import type { BridgeProfileSource } from "./upstreams/bridge/profile-source";
import { createRequestScope, type ClientLink, type RequestScope } from "./upstreams/request-scope";

/** What lives as long as the server: clients and the shared, planned sources. */
export interface GatewayServices {
  config: GatewayConfig;
  agentClient: AgentClient;
  agentSource: AgentCustomerSource;
  bridgeSource: BridgeProfileSource;
}

/** The per-request context: the caller, its request id and scope, and loaders that live for one request. */
export interface GatewayContext {
  requestId: string;
  scope: RequestScope;
  services: GatewayServices;
  agent: AgentLoaders;
  bridge: BridgeLoaders;
  /** Who sent the request, and the scopes it holds (API.md §4). */
  caller: Caller;
  /** What the request's log record and metrics will say (filled as the request goes). */
  record: RequestRecord;
  /** Did the caller ask for upstream accounting in the response extensions? */
  debug: boolean;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A caller's x-request-id when it is a safe token (it ends up in upstream headers), else a new one. */
export function requestIdFrom(header: string | undefined): string {
  return header !== undefined && REQUEST_ID.test(header) ? header : randomUUID();
}

/**
 * The loaders are made when a resolver first needs them: most requests use one upstream, or none. The
 * getters are the class's, not the object's own: Apollo Server hands resolvers a copy of the context
 * (`Object.assign(Object.create(prototype), context)`), which would call own getters and make both
 * loader sets for every request; a copy keeps the prototype's getters lazy.
 */
class RequestContext implements GatewayContext {
  private agentLoaders: AgentLoaders | undefined = undefined;
  private bridgeLoaders: BridgeLoaders | undefined = undefined;

  constructor(
    readonly requestId: string,
    readonly scope: RequestScope,
    readonly services: GatewayServices,
    readonly caller: Caller,
    readonly record: RequestRecord,
    readonly debug: boolean,
  ) {}

  get agent(): AgentLoaders {
    return (this.agentLoaders ??= createAgentLoaders(this.services.agentSource, this.scope));
  }

  get bridge(): BridgeLoaders {
    return (this.bridgeLoaders ??= createBridgeLoaders(this.services.bridgeSource, this.scope));
  }
}

export function createContext(
  services: GatewayServices,
  request: {
    requestId: string;
    caller: Caller;
    debug: boolean;
    record?: RequestRecord;
    /** Whether the client is still there, and a signal aborted when it goes (src/http/app.ts). */
    client?: ClientLink;
  },
): GatewayContext {
  const scope = createRequestScope(request.requestId, services.config.requestTimeoutMs, request.client);
  return new RequestContext(
    request.requestId,
    scope,
    services,
    request.caller,
    request.record ?? newRequestRecord(),
    request.debug,
  );
}
