import type { GraphQLFieldResolver } from "graphql";
import { assertScopes } from "../auth/auth-checker";
import { Scope } from "../auth/scopes";
import type { GatewayContext } from "../context";
import { BadUserInputError } from "../errors/errors";
import { bridgeProfileByCustomerNo } from "../modules/bridge-profile/bridge-profile.resolver";
import { customerById } from "../modules/customer/customer.resolver";

/**
 * The gateway's Federation entities (API.md §7), each in one row: the type, the key the subgraph SDL
 * declares with `@key`, the scope its entity lookups need (API.md §4), and the lookup, which is the
 * very one the matching root query uses (same loader, same planner, same id parsing).
 */
export interface EntityDefinition {
  typeName: string;
  /** A single scalar key field: `@key(fields: "<keyField>")`. */
  keyField: string;
  scope: Scope;
  lookup(key: string, ctx: GatewayContext): Promise<object | null>;
}

export const ENTITIES: readonly EntityDefinition[] = [
  {
    typeName: "Customer",
    keyField: "id",
    scope: Scope.CustomersRead,
    lookup: (id, ctx) => customerById(ctx, id, "Customer.id"),
  },
  {
    typeName: "BridgeProfile",
    keyField: "customerNo",
    scope: Scope.ProfilesRead,
    lookup: (customerNo, ctx) => bridgeProfileByCustomerNo(ctx, customerNo, "BridgeProfile.customerNo"),
  },
];

/** A representation as a router sends it: `{ __typename, <key fields> }`; `_Any` lets anything through. */
export type Representation = Readonly<Record<string, unknown>>;

function isRepresentation(value: unknown): value is Representation {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Refuses, before any lookup, a batch holding a representation that is not an object or names a type
 * that is not one of the entities above (`_entities` would otherwise echo it back as that type, or fail
 * with an internal error).
 */
export function assertRepresentations(representations: readonly unknown[]): void {
  representations.forEach((representation, i) => {
    const typeName = isRepresentation(representation) ? representation.__typename : undefined;
    if (!ENTITIES.some((entity) => entity.typeName === typeName)) {
      throw new BadUserInputError(
        `representations[${i}] must be an object whose __typename is one of ${ENTITIES.map((e) => e.typeName).join(", ")}.`,
        "representations",
      );
    }
  });
}

/**
 * `__resolveReference` of one entity. `_entities` calls it once per representation in the same tick,
 * so the request's DataLoader gathers all of them into one batch, exactly as aliased root lookups.
 * The scope is checked first: a caller without it learns nothing, not even whether the key is valid.
 */
export function referenceResolver(
  entity: EntityDefinition,
): (reference: Representation, ctx: GatewayContext) => Promise<object | null> {
  return async (reference, ctx) => {
    assertScopes(ctx.caller, [entity.scope], `A ${entity.typeName} entity`);
    const key = reference[entity.keyField];
    if (typeof key !== "string") {
      throw new BadUserInputError(
        `A ${entity.typeName} representation needs "${entity.keyField}" as a string.`,
        `${entity.typeName}.${entity.keyField}`,
      );
    }
    return entity.lookup(key, ctx);
  };
}

/** Wraps `_entities` so that a malformed batch is BAD_USER_INPUT before any representation is resolved. */
export function validatingEntitiesResolver(
  resolveEntities: GraphQLFieldResolver<unknown, GatewayContext>,
): GraphQLFieldResolver<unknown, GatewayContext, { representations: readonly unknown[] }> {
  return (source, args, ctx, info) => {
    assertRepresentations(args.representations);
    return resolveEntities(source, args, ctx, info);
  };
}
