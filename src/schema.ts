import { lexicographicSortSchema, printSchema, type GraphQLSchema } from "graphql";
import { buildSchemaSync } from "type-graphql";
import { scopeAuthChecker } from "./auth/auth-checker";
import { subgraphSdl, toSubgraphSchema } from "./federation/subgraph";
import { AccountResolver } from "./modules/account/account.resolver";
import { BridgeProfileResolver } from "./modules/bridge-profile/bridge-profile.resolver";
import { CustomerResolver } from "./modules/customer/customer.resolver";

export const SCHEMA_BANNER =
  "# This file is generated from the code by `npm run schema:emit`; do not edit it by hand.\n# `npm run schema:check` (part of `npm test`) fails when it is out of date.\n";

let api: GraphQLSchema | null = null;
let subgraph: GraphQLSchema | null = null;

/** The client-facing API schema, built once from the TypeGraphQL resolvers: schema/schema.graphql. */
export function buildApiSchema(): GraphQLSchema {
  api ??= buildSchemaSync({
    resolvers: [CustomerResolver, BridgeProfileResolver, AccountResolver],
    validate: false,
    // Scopes are declared on fields with @Authorized(...) and checked in this one place (API.md §4).
    authChecker: scopeAuthChecker,
  });
  return api;
}

/**
 * The executable schema the server serves: the API schema as a Federation 2 subgraph (API.md §7),
 * i.e. the same types and resolvers plus `_service` and `_entities`.
 */
export function buildGatewaySchema(): GraphQLSchema {
  subgraph ??= toSubgraphSchema(buildApiSchema());
  return subgraph;
}

/** The client-facing SDL as committed in schema/schema.graphql: sorted, with the generated banner. */
export function printGatewaySchema(): string {
  return `${SCHEMA_BANNER}\n${printSchema(lexicographicSortSchema(buildApiSchema()))}\n`;
}

/** The subgraph SDL as committed in schema/subgraph.graphql: what `_service { sdl }` answers, with the banner. */
export function printSubgraphSchema(): string {
  return `${SCHEMA_BANNER}\n${subgraphSdl(buildGatewaySchema())}\n`;
}
