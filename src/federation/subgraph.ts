import { buildSubgraphSchema } from "@apollo/subgraph";
import {
  graphqlSync,
  isEnumType,
  isInterfaceType,
  isObjectType,
  isScalarType,
  isSpecifiedScalarType,
  isUnionType,
  Kind,
  lexicographicSortSchema,
  parse,
  printSchema,
  visit,
  type DirectiveNode,
  type DocumentNode,
  type GraphQLFieldResolver,
  type GraphQLSchema,
} from "graphql";
import { ENTITIES, referenceResolver, validatingEntitiesResolver } from "./entities";

/**
 * The Federation version the subgraph SDL links to. 2.3 is old enough for every Federation 2 router
 * and gateway still in use, and the subgraph needs nothing newer than `@key`.
 */
export const FEDERATION_SPEC_URL = "https://specs.apollo.dev/federation/v2.3";

function keyDirective(fields: string): DirectiveNode {
  return {
    kind: Kind.DIRECTIVE,
    name: { kind: Kind.NAME, value: "key" },
    arguments: [
      {
        kind: Kind.ARGUMENT,
        name: { kind: Kind.NAME, value: "fields" },
        value: { kind: Kind.STRING, value: fields },
      },
    ],
  };
}

type SubgraphModule = Extract<Parameters<typeof buildSubgraphSchema>[0], { typeDefs: unknown }>;
type ResolverMap = NonNullable<SubgraphModule["resolvers"]>;
type FieldResolvers = Record<string, GraphQLFieldResolver<unknown, unknown>>;

/**
 * What of the API schema is code rather than SDL, for the subgraph built from its SDL: every field's
 * resolver (TypeGraphQL's, with the scope checks of @Authorized), the custom scalars, the enums'
 * internal values, and each entity's `__resolveReference`. The API schema has no interfaces or
 * unions; were one added, this fails rather than lose its type resolution silently.
 */
function resolversOf(api: GraphQLSchema): ResolverMap {
  const resolvers: ResolverMap = {};
  for (const type of Object.values(api.getTypeMap())) {
    if (type.name.startsWith("__")) continue;
    if (isObjectType(type)) {
      const fields: FieldResolvers = {};
      for (const field of Object.values(type.getFields())) {
        if (field.resolve) fields[field.name] = field.resolve;
      }
      const entity = ENTITIES.find((e) => e.typeName === type.name);
      resolvers[type.name] = entity ? { ...fields, __resolveReference: referenceResolver(entity) } : fields;
    } else if (isScalarType(type)) {
      // graphql-js's own scalars are shared by every schema: re-assigning them would mutate them globally.
      if (!isSpecifiedScalarType(type)) resolvers[type.name] = type;
    } else if (isEnumType(type)) {
      const values: Record<string, string | number> = {};
      for (const value of type.getValues()) {
        if (typeof value.value !== "string" && typeof value.value !== "number") {
          throw new Error(`Enum ${type.name}.${value.name} has a value the subgraph cannot carry.`);
        }
        values[value.name] = value.value;
      }
      resolvers[type.name] = values;
    } else if (isInterfaceType(type) || isUnionType(type)) {
      throw new Error(`Abstract type ${type.name}: carry its type resolution into the subgraph first.`);
    }
  }
  return resolvers;
}

/**
 * The API schema's SDL (sorted, as committed) with `@key` on every entity of ENTITIES and the `@link`
 * that makes it a Federation 2 subgraph. The keys are added here rather than with `@Directive` on the
 * classes so that the client-facing schema stays free of Federation, and each entity's key, scope and
 * lookup are declared together in one table.
 */
function subgraphTypeDefs(api: GraphQLSchema): DocumentNode {
  const keyed = new Set<string>();
  const document = visit(parse(printSchema(lexicographicSortSchema(api))), {
    ObjectTypeDefinition(node) {
      const entity = ENTITIES.find((e) => e.typeName === node.name.value);
      if (!entity) return undefined;
      keyed.add(entity.typeName);
      return { ...node, directives: [...(node.directives ?? []), keyDirective(entity.keyField)] };
    },
  });
  const missing = ENTITIES.filter((e) => !keyed.has(e.typeName)).map((e) => e.typeName);
  if (missing.length > 0) throw new Error(`Entity types missing from the API schema: ${missing.join(", ")}`);
  const link = parse(`extend schema @link(url: "${FEDERATION_SPEC_URL}", import: ["@key"])`);
  return { kind: Kind.DOCUMENT, definitions: [...link.definitions, ...document.definitions] };
}

/**
 * The API schema as an Apollo Federation 2 subgraph: the same types and resolvers (TypeGraphQL's,
 * with their scope checks), plus `_service { sdl }` and `_entities`, whose references resolve through
 * the same loaders as the root queries.
 */
export function toSubgraphSchema(api: GraphQLSchema): GraphQLSchema {
  const schema = buildSubgraphSchema({ typeDefs: subgraphTypeDefs(api), resolvers: resolversOf(api) });
  const entities = schema.getQueryType()?.getFields()._entities;
  if (!entities?.resolve) throw new Error("The subgraph schema has no _entities resolver.");
  entities.resolve = validatingEntitiesResolver(entities.resolve);
  return schema;
}

/** What `_service { sdl }` answers: the SDL a router composes and `rover subgraph publish` sends. */
export function subgraphSdl(subgraph: GraphQLSchema): string {
  const result = graphqlSync({ schema: subgraph, source: "{ _service { sdl } }" });
  const sdl: unknown = (result.data?._service as { sdl?: unknown } | undefined)?.sdl;
  if (typeof sdl !== "string") throw new Error("The subgraph schema did not answer _service { sdl }.");
  return sdl;
}
