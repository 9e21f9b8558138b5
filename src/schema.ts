import { lexicographicSortSchema, printSchema, type GraphQLSchema } from "graphql";
import { buildSchemaSync } from "type-graphql";
import { scopeAuthChecker } from "./auth/auth-checker";
import { AccountResolver } from "./modules/account/account.resolver";
import { BridgeProfileResolver } from "./modules/bridge-profile/bridge-profile.resolver";
import { CustomerResolver } from "./modules/customer/customer.resolver";

export const SCHEMA_BANNER =
  "# This file is generated from the code by `npm run schema:emit`; do not edit it by hand.\n# `npm run schema:check` (part of `npm test`) fails when it is out of date.\n";

let cached: GraphQLSchema | null = null;

/** The executable schema, built once from the TypeGraphQL resolvers. */
export function buildGatewaySchema(): GraphQLSchema {
  cached ??= buildSchemaSync({
    resolvers: [CustomerResolver, BridgeProfileResolver, AccountResolver],
    validate: false,
    // Scopes are declared on fields with @Authorized(...) and checked in this one place (API.md §4).
    authChecker: scopeAuthChecker,
  });
  return cached;
}

/** The SDL as committed in schema/schema.graphql: sorted, with the generated banner. */
export function printGatewaySchema(): string {
  return `${SCHEMA_BANNER}\n${printSchema(lexicographicSortSchema(buildGatewaySchema()))}\n`;
}
