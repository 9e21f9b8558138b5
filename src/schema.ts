import { isObjectType, lexicographicSortSchema, printSchema, type GraphQLSchema } from "graphql";
import { buildSchemaSync, getMetadataStorage } from "type-graphql";
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
  api ??= readPlainFieldsDirectly(
    buildSchemaSync({
      resolvers: [CustomerResolver, BridgeProfileResolver, AccountResolver],
      validate: false,
      // Scopes are declared on fields with @Authorized(...) and checked in this one place (API.md §4).
      authChecker: scopeAuthChecker,
    }),
  );
  return api;
}

/**
 * TypeGraphQL wraps every field in a resolver, also a plain property with nothing to check: a closure
 * call and a `{ root, args, context, info }` object per field per row (a 50-row traffic page resolves
 * 300 of them: about 90 KB of garbage per request, a fifth of its allocation). A field that has no
 * scope (`@Authorized`), no middleware, no arguments, no resolver method and the same name in the
 * schema as on the class is read by graphql-js's default resolver instead, which does exactly what
 * TypeGraphQL's did (`source[name]`). Every other field keeps TypeGraphQL's resolver, so a scope can
 * never be lost here: adding `@Authorized` to a field is enough for it to be checked.
 */
function readPlainFieldsDirectly(schema: GraphQLSchema): GraphQLSchema {
  const storage = getMetadataStorage();
  for (const definition of storage.objectTypes) {
    const type = schema.getType(definition.name);
    if (!isObjectType(type)) continue;
    const fields = type.getFields();
    for (const field of definition.fields ?? []) {
      const plain =
        field.name === field.schemaName &&
        !field.roles &&
        (field.middlewares?.length ?? 0) === 0 &&
        (field.params?.length ?? 0) === 0 &&
        !storage.fieldResolvers.some(
          (resolver) =>
            resolver.methodName === field.name && resolver.getObjectType?.() === definition.target,
        );
      const schemaField = fields[field.schemaName];
      if (plain && schemaField) schemaField.resolve = undefined;
    }
  }
  return schema;
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
