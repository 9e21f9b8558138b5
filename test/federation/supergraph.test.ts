import { startStack, type TestStack } from "../support/gateway";
import { ALL_SCOPES, startIssuer, type TestIssuer } from "../support/issuer";
import {
  composeSupergraph,
  startSupergraph,
  type SubgraphSource,
  type Supergraph,
} from "./support/supergraph";
import { startTicketsSubgraph, type Ticket, type TicketsSubgraph } from "./support/tickets-subgraph";

/**
 * The gateway as a Federation 2 subgraph in a real supergraph: composed with a second subgraph by Apollo's
 * composer and served by Apollo Gateway over HTTP on loopback, in front of the gateway's real HTTP
 * endpoint, which runs over the real simulators and verifies the callers' JWTs the router forwards. 900 agent customers (one list page: a scan is 1 call),
 * 2500 Bridge profiles (2 pages at the documented maximum of 2000: the link field has no upstream filter).
 */
const UNKNOWN_CUSTOMER_ID = "987654321987654321";

describe("the gateway in a federated supergraph", () => {
  let issuer: TestIssuer;
  let allScopes: string;
  let stack: TestStack;
  let tickets: TicketsSubgraph;
  let supergraph: Supergraph;
  let customersSubgraph: SubgraphSource;
  let customerIds: string[];
  let customerNos: string[];

  function invalidateAndReset(): void {
    stack.gateway.services.agentSource.invalidate();
    stack.gateway.services.bridgeSource.invalidate();
    stack.resetCalls();
  }

  /** Asks the gateway directly, as a caller holding every scope. */
  function askGateway(query: string) {
    return stack.gql(query, undefined, { authorization: `Bearer ${allScopes}` });
  }
  /** Asks the router, as a caller holding every scope unless a token is given. */
  function askRouter(query: string, variables?: Record<string, unknown>, token = allScopes) {
    return supergraph.gql(query, variables, token);
  }

  beforeAll(async () => {
    issuer = await startIssuer();
    allScopes = await issuer.mint({ scope: ALL_SCOPES });
    stack = await startStack({
      env: {
        GATEWAY_JWT_JWKS_URL: issuer.jwksUrl,
        GATEWAY_JWT_ISSUER: issuer.issuer,
        GATEWAY_JWT_AUDIENCE: issuer.audience,
      },
      sims: { dataset: { agentCustomers: 900, bridgeProfiles: 2500, seed: 23 } },
    });
    customerIds = stack.sims.agent.customers.slice(0, 50).map((c) => c.customerId);
    const page = await askGateway(`{ bridgeProfiles(first: 50) { nodes { customerNo } } }`);
    customerNos = page.data.bridgeProfiles.nodes.map((n: { customerNo: string }) => n.customerNo);
    // One ticket for each of the first 50 customers (and of the first 50 profiles); one more naming a
    // customer and a profile that exist nowhere.
    const data: Ticket[] = customerIds.map((customerId, i) => ({
      id: `T${i + 1}`,
      subject: `Ticket ${i + 1}`,
      customerId,
      customerNo: customerNos[i] ?? null,
    }));
    data.push({ id: "T51", subject: "Ghost", customerId: UNKNOWN_CUSTOMER_ID, customerNo: "NO-SUCH-NO" });
    tickets = await startTicketsSubgraph(data);
    // The gateway's subgraph SDL as a router reads it: `_service { sdl }` over HTTP.
    const service = await askGateway(`{ _service { sdl } }`);
    customersSubgraph = { name: "customers", url: stack.gateway.url, sdl: service.data._service.sdl };
    supergraph = await startSupergraph([
      customersSubgraph,
      { name: "tickets", url: tickets.url, sdl: tickets.sdl },
    ]);
  });
  afterAll(async () => {
    await supergraph?.close();
    await tickets?.close();
    await stack?.close();
    await issuer?.close();
  });

  it("answers a query across both subgraphs with the same data as the gateway's own queries", async () => {
    const res = await askRouter(`{
      tickets(first: 51) {
        id subject
        customer { id userName traffic { rechargedMb remainingMb usedMb } profile { customerNo updatedAt } }
        profile { customerNo name status customer { id userName } }
      }
    }`);
    expect(res.errors).toBeUndefined();
    const direct = await askGateway(`{
      customers(first: 50) {
        nodes { id userName traffic { rechargedMb remainingMb usedMb } profile { customerNo updatedAt } }
      }
      bridgeProfiles(first: 50) { nodes { customerNo name status customer { id userName } } }
    }`);
    expect(direct.errors).toBeUndefined();
    const rows = res.data.tickets as { id: string; customer: unknown; profile: unknown }[];
    expect(rows).toHaveLength(51);
    expect(rows.slice(0, 50).map((t) => t.customer)).toEqual(direct.data.customers.nodes);
    expect(rows.slice(0, 50).map((t) => t.profile)).toEqual(direct.data.bridgeProfiles.nodes);
    // Some profiles are linked (the join back to Customer went through the entity too), some are not.
    expect(rows.some((t) => (t.customer as { profile: unknown }).profile !== null)).toBe(true);
    // References to a customer or a profile that does not exist: the gateway's `_entities` answers null
    // for them, without an error. The router keeps what the referencing subgraph said (the key) and
    // nulls the rest: Customer has non-null fields, so the whole customer is null.
    expect(res.errors).toBeUndefined();
    expect(rows[50]).toEqual({
      id: "T51",
      subject: "Ghost",
      customer: null,
      profile: { customerNo: "NO-SUCH-NO", name: null, status: null, customer: null },
    });
  });

  it("extends the gateway's Customer with fields of the other subgraph", async () => {
    const res = await askRouter(
      `query ($id: ID!) {
        customer(id: $id) { id userName tickets { id subject } }
        customers(first: 3) { nodes { id tickets { id } } }
      }`,
      { id: customerIds[3] },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.customer).toEqual({
      id: customerIds[3],
      userName: stack.sims.agent.customers[3]?.userName,
      tickets: [{ id: "T4", subject: "Ticket 4" }],
    });
    expect(res.data.customers.nodes).toEqual([
      { id: customerIds[0], tickets: [{ id: "T1" }] },
      { id: customerIds[1], tickets: [{ id: "T2" }] },
      { id: customerIds[2], tickets: [{ id: "T3" }] },
    ]);
  });

  it("50 customers referenced from the other subgraph cost the upstream calls of customers(first: 50), and of 50 customer(id)", async () => {
    const fields = `id userName traffic { usedMb } profile { customerNo name }`;
    invalidateAndReset();
    const federated = await askRouter(`query FiftyTickets { tickets(first: 50) { customer { ${fields} } } }`);
    expect(federated.errors).toBeUndefined();
    expect(federated.data.tickets.map((t: { customer: { id: string } }) => t.customer.id)).toEqual(
      customerIds,
    );
    const viaEntities = stack.calls();
    // The router fetched all 50 from the gateway in one `_entities` request (its operations are named
    // <operation>__<subgraph>__<step>), which the gateway resolved as one batch.
    const fetches = stack
      .logs()
      .filter(
        (r) => r.msg === "graphql request" && String(r.operationName).startsWith("FiftyTickets__customers__"),
      );
    expect(fetches).toHaveLength(1);

    invalidateAndReset();
    const page = await askGateway(`{ customers(first: 50) { nodes { ${fields} } } }`);
    expect(page.errors).toBeUndefined();
    const viaPage = stack.calls();

    invalidateAndReset();
    const aliased = await askGateway(
      `{ ${customerIds.map((id, i) => `c${i}: customer(id: "${id}") { ${fields} }`).join(" ")} }`,
    );
    expect(aliased.errors).toBeUndefined();
    const viaAliases = stack.calls();

    // One agent list call (the whole list is one page here: the scan an id lookup needs is one call) and
    // one Bridge scan of 2 pages, whichever way the 50 customers are asked for.
    expect(viaEntities).toEqual({ agent: { "customer.list": 1 }, bridge: { "customer.page": 2 } });
    expect(viaPage).toEqual(viaEntities);
    expect(viaAliases).toEqual(viaEntities);

    // Within the freshness bounds, the same federated query is served from the shared indexes.
    stack.resetCalls();
    const warm = await askRouter(`{ tickets(first: 50) { customer { ${fields} } } }`);
    expect(warm.data).toEqual(federated.data);
    expect(stack.calls()).toEqual({ agent: {}, bridge: {} });
  });

  it("50 Bridge profiles referenced from the other subgraph cost the upstream calls of 50 bridgeProfile lookups", async () => {
    const fields = `customerNo name status`;
    invalidateAndReset();
    const federated = await askRouter(`{ tickets(first: 50) { profile { ${fields} } } }`);
    expect(federated.errors).toBeUndefined();
    expect(
      federated.data.tickets.map((t: { profile: { customerNo: string } }) => t.profile.customerNo),
    ).toEqual(customerNos);
    const viaEntities = stack.calls();

    invalidateAndReset();
    const aliased = await askGateway(
      `{ ${customerNos.map((no, i) => `p${i}: bridgeProfile(customerNo: "${no}") { ${fields} }`).join(" ")} }`,
    );
    expect(aliased.errors).toBeUndefined();
    // The cheaper of 50 filtered calls and one scan: the scan, 2 pages.
    expect(viaEntities).toEqual({ agent: {}, bridge: { "customer.page": 2 } });
    expect(stack.calls()).toEqual(viaEntities);
  });

  it("applies the caller's scopes to the entities the router fetches: FORBIDDEN where missing, the rest intact", async () => {
    invalidateAndReset();
    const res = await askRouter(
      `{ tickets(first: 2) { id customer { id userName } profile { customerNo } } }`,
      undefined,
      await issuer.mint({ scope: "profiles:read" }),
    );
    expect(res.data.tickets).toEqual([
      { id: "T1", customer: null, profile: { customerNo: customerNos[0] } },
      { id: "T2", customer: null, profile: { customerNo: customerNos[1] } },
    ]);
    const errors = (res.errors ?? []).map((e) => ({
      path: e.path,
      code: e.extensions.code,
      scope: e.extensions.requiredScope,
    }));
    expect(errors).toEqual(
      expect.arrayContaining([
        { path: ["tickets", 0, "customer"], code: "FORBIDDEN", scope: "customers:read" },
      ]),
    );
    expect(errors.every((e) => e.code === "FORBIDDEN" && e.scope === "customers:read")).toBe(true);
    expect(stack.calls().agent).toEqual({});
  });

  it("fails with the composer's own message when the subgraphs do not compose", () => {
    const clashing: SubgraphSource = {
      name: "clashing",
      url: "http://127.0.0.1:1/graphql",
      sdl: `
        extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
        type Query { clash: Int }
        type Customer @key(fields: "id") { id: ID! userName: Int }
      `,
    };
    expect(() => composeSupergraph([customersSubgraph, clashing])).toThrow(
      /Composition failed:[\s\S]*"Customer\.userName"/,
    );
  });
});
