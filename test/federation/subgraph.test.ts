import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Kind, parse, type DocumentNode } from "graphql";
import { SCHEMA_BANNER } from "../../src/schema";
import { startStack, type GqlData, type GqlResponse, type TestStack } from "../support/gateway";
import { ALL_SCOPES, startIssuer, type TestIssuer } from "../support/issuer";

/**
 * `_service` and `_entities` of the gateway's subgraph, asked directly over HTTP as a router asks them,
 * with the caller's JWT (as a router forwards it). 2500 agent customers behind a page cap of 1000: an id lookup
 * needs a scan of 3 list calls, whether it comes as customer(id) or as a Customer representation.
 */
const AGENT_SCAN = 3;
const ENTITIES = `query ($r: [_Any!]!) {
  _entities(representations: $r) {
    __typename
    ... on Customer { id userName traffic { usedMb } }
    ... on BridgeProfile { customerNo name }
  }
}`;

function keysOf(document: DocumentNode): Record<string, string[]> {
  const keys: Record<string, string[]> = {};
  for (const def of document.definitions) {
    if (def.kind !== Kind.OBJECT_TYPE_DEFINITION) continue;
    for (const directive of def.directives ?? []) {
      if (directive.name.value !== "key") continue;
      const fields = directive.arguments?.find((a) => a.name.value === "fields")?.value;
      if (fields?.kind === Kind.STRING) (keys[def.name.value] ??= []).push(fields.value);
    }
  }
  return keys;
}

/** Errors in path order: entries of one list fail in whatever order their promises settle. */
function byPath<E extends { path?: readonly unknown[] }>(errors: readonly E[] | undefined): E[] {
  const key = (e: E) => JSON.stringify(e.path ?? []);
  return [...(errors ?? [])].sort((a, b) => key(a).localeCompare(key(b)));
}

describe("the gateway's Federation 2 subgraph", () => {
  let issuer: TestIssuer;
  let stack: TestStack;
  let allScopes: string;
  /** A request as a router forwards it: with the caller's token (all scopes unless given). */
  function gql(query: string, variables?: Record<string, unknown>, token = allScopes) {
    return stack.gql(query, variables, { authorization: `Bearer ${token}` });
  }

  beforeAll(async () => {
    issuer = await startIssuer();
    allScopes = await issuer.mint({ scope: ALL_SCOPES });
    stack = await startStack({
      sims: {
        dataset: { agentCustomers: 2500, bridgeProfiles: 2500, seed: 11 },
        agent: { pageSizeCap: 1000 },
      },
      env: {
        GATEWAY_REQUEST_TIMEOUT_MS: "10000",
        GATEWAY_JWT_JWKS_URL: issuer.jwksUrl,
        GATEWAY_JWT_ISSUER: issuer.issuer,
        GATEWAY_JWT_AUDIENCE: issuer.audience,
      },
    });
  });
  afterAll(async () => {
    await stack?.close();
    await issuer?.close();
  });
  beforeEach(() => {
    stack.gateway.services.agentSource.invalidate();
    stack.gateway.services.bridgeSource.invalidate();
    stack.resetCalls();
  });

  describe("SDL", () => {
    it("_service { sdl } is schema/subgraph.graphql as committed, with Customer and BridgeProfile as entities", async () => {
      const res = await gql(`{ _service { sdl } }`);
      expect(res.errors).toBeUndefined();
      const sdl: string = res.data._service.sdl;
      const committed = readFileSync(join(__dirname, "..", "..", "schema", "subgraph.graphql"), "utf8");
      expect(`${SCHEMA_BANNER}\n${sdl}\n`).toBe(committed);
      expect(sdl).toContain('@link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])');
      expect(keysOf(parse(sdl))).toEqual({ Customer: ["id"], BridgeProfile: ["customerNo"] });
      expect(stack.calls()).toEqual({ agent: {}, bridge: {} });
    });

    it("schema/schema.graphql stays the client-facing schema: no Federation types, fields or directives", () => {
      const committed = readFileSync(join(__dirname, "..", "..", "schema", "schema.graphql"), "utf8");
      for (const name of [
        "_entities",
        "_service",
        "_Any",
        "_Entity",
        "_Service",
        "@key",
        "@link",
        "federation__",
      ]) {
        expect(committed).not.toContain(name);
      }
    });
  });

  describe("_entities", () => {
    it("resolves N Customer representations in one batch: the upstream calls of N aliased customer(id)", async () => {
      const ids = stack.sims.agent.customers.slice(1000, 1040).map((c) => c.customerId);
      const representations = ids.map((id) => ({ __typename: "Customer", id }));
      const res = await gql(ENTITIES, { r: representations });
      expect(res.errors).toBeUndefined();
      expect(res.data._entities.map((e: { id: string }) => e.id)).toEqual(ids);
      const viaEntities = stack.calls();
      expect(viaEntities).toEqual({ agent: { "customer.list": AGENT_SCAN }, bridge: {} });

      stack.gateway.services.agentSource.invalidate();
      stack.resetCalls();
      const aliased = await gql(
        `{ ${ids.map((id, i) => `c${i}: customer(id: "${id}") { __typename id userName traffic { usedMb } }`).join(" ")} }`,
      );
      expect(aliased.errors).toBeUndefined();
      expect(stack.calls()).toEqual(viaEntities);
      expect(Object.values(aliased.data)).toEqual(res.data._entities);
    });

    it("resolves both entity types in one batch, unknown keys as null without an error", async () => {
      const customer = stack.sims.agent.customers[7];
      const page = await gql(`{ bridgeProfiles(first: 1) { nodes { customerNo name } } }`);
      const profile = page.data.bridgeProfiles.nodes[0];
      stack.resetCalls();
      const res = await gql(ENTITIES, {
        r: [
          { __typename: "Customer", id: customer?.customerId },
          { __typename: "BridgeProfile", customerNo: profile.customerNo },
          { __typename: "Customer", id: "987654321987654321" },
          { __typename: "BridgeProfile", customerNo: "NO-SUCH-NO" },
          // Keys as the referencing subgraph wrote them: an id is canonicalised like an argument.
          { __typename: "Customer", id: `00${customer?.customerId}` },
        ],
      });
      expect(res.errors).toBeUndefined();
      expect(res.data._entities).toEqual([
        expect.objectContaining({
          __typename: "Customer",
          id: customer?.customerId,
          userName: customer?.userName,
        }),
        { __typename: "BridgeProfile", ...profile },
        null,
        null,
        expect.objectContaining({ __typename: "Customer", id: customer?.customerId }),
      ]);
    });

    it("answers malformed keys with BAD_USER_INPUT for their own entries, before any upstream call", async () => {
      const res = await gql(ENTITIES, {
        r: [
          { __typename: "Customer", id: "abc" },
          { __typename: "Customer", id: "-1" },
          { __typename: "Customer", id: 42 },
          { __typename: "Customer" },
          { __typename: "BridgeProfile", customerNo: "   " },
        ],
      });
      expect(res.data._entities).toEqual([null, null, null, null, null]);
      expect(byPath(res.errors).map((e) => [e.path, e.extensions.code])).toEqual(
        [0, 1, 2, 3, 4].map((i) => [["_entities", i], "BAD_USER_INPUT"]),
      );
      expect(byPath(res.errors)[0]?.message).toBe(
        '"Customer.id" must be a positive decimal integer, got "abc".',
      );
      expect(stack.calls()).toEqual({ agent: {}, bridge: {} });
    });

    it("applies the string rule of API.md §5 to representation keys: over 256 characters is refused before any call", async () => {
      const res = await gql(ENTITIES, { r: [{ __typename: "BridgeProfile", customerNo: "9".repeat(257) }] });
      expect(res.status).toBe(400);
      expect(res.errors?.[0]?.extensions.code).toBe("BAD_USER_INPUT");
      expect(stack.calls()).toEqual({ agent: {}, bridge: {} });
    });

    it("refuses a representation of a type that is not an entity, for the whole batch, before any call", async () => {
      const res = await gql(ENTITIES, {
        r: [
          { __typename: "Customer", id: stack.sims.agent.customers[0]?.customerId },
          { __typename: "Traffic", usedMb: "1" },
        ],
      });
      expect(res.data).toBeNull();
      expect(res.errors).toHaveLength(1);
      expect(res.errors?.[0]?.extensions.code).toBe("BAD_USER_INPUT");
      expect(res.errors?.[0]?.message).toContain("representations[1]");
      expect(stack.calls()).toEqual({ agent: {}, bridge: {} });
    });
  });

  describe("scopes (API.md §4) on entities, for valid tokens lacking them", () => {
    function forbidden(res: GqlResponse<GqlData>) {
      return byPath(res.errors).map((e) => ({
        path: e.path,
        code: e.extensions.code,
        scope: e.extensions.requiredScope,
      }));
    }

    it("Customer entities need customers:read: FORBIDDEN for those entries only, and no agent call", async () => {
      const customerId = stack.sims.agent.customers[0]?.customerId;
      const page = await gql(`{ bridgeProfiles(first: 1) { nodes { customerNo name } } }`);
      const profile = page.data.bridgeProfiles.nodes[0];
      stack.resetCalls();
      const res = await gql(
        ENTITIES,
        {
          r: [
            { __typename: "Customer", id: customerId },
            { __typename: "BridgeProfile", customerNo: profile.customerNo },
            // The scope is checked before the key: a caller without it learns nothing of the key.
            { __typename: "Customer", id: "abc" },
          ],
        },
        await issuer.mint({ scope: "profiles:read" }),
      );
      expect(res.status).toBe(200);
      expect(res.data._entities).toEqual([null, { __typename: "BridgeProfile", ...profile }, null]);
      expect(forbidden(res)).toEqual([
        { path: ["_entities", 0], code: "FORBIDDEN", scope: "customers:read" },
        { path: ["_entities", 2], code: "FORBIDDEN", scope: "customers:read" },
      ]);
      expect(stack.calls().agent).toEqual({});
    });

    it("BridgeProfile entities need profiles:read, and entity fields keep their own scopes", async () => {
      const customerId = stack.sims.agent.customers[0]?.customerId;
      const res = await gql(
        `query ($r: [_Any!]!) {
          _entities(representations: $r) {
            ... on Customer { id profile { customerNo } }
            ... on BridgeProfile { customerNo }
          }
        }`,
        {
          r: [
            { __typename: "Customer", id: customerId },
            { __typename: "BridgeProfile", customerNo: "1" },
          ],
        },
        await issuer.mint({ scope: "customers:read" }),
      );
      expect(res.data._entities).toEqual([{ id: customerId, profile: null }, null]);
      expect(forbidden(res)).toEqual([
        { path: ["_entities", 0, "profile"], code: "FORBIDDEN", scope: "profiles:read" },
        { path: ["_entities", 1], code: "FORBIDDEN", scope: "profiles:read" },
      ]);
      expect(stack.calls().bridge).toEqual({});
    });

    it("identity fields of a BridgeProfile entity need identity:read", async () => {
      const page = await gql(`{ bridgeProfiles(first: 1) { nodes { customerNo } } }`);
      const customerNo = page.data.bridgeProfiles.nodes[0].customerNo;
      const res = await gql(
        `query ($r: [_Any!]!) { _entities(representations: $r) { ... on BridgeProfile { customerNo idCard } } }`,
        { r: [{ __typename: "BridgeProfile", customerNo }] },
        await issuer.mint({ scope: "profiles:read" }),
      );
      expect(res.data._entities).toEqual([{ customerNo, idCard: null }]);
      expect(forbidden(res)).toEqual([
        { path: ["_entities", 0, "idCard"], code: "FORBIDDEN", scope: "identity:read" },
      ]);
    });

    it("without a token, _entities and _service are refused like every other operation (401)", async () => {
      const res = await stack.gql(`{ _service { sdl } }`);
      expect(res.status).toBe(401);
      expect(res.errors?.[0]?.extensions.code).toBe("UNAUTHENTICATED");
    });
  });
});
