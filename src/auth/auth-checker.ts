import type { AuthChecker } from "type-graphql";
import { ForbiddenError } from "../errors/errors";
import { hasScope, type Caller, type Scope } from "./scopes";

/**
 * Throws FORBIDDEN naming the first scope the caller lacks. Used by the `@Authorized(...)` checker below
 * and by code that resolves entities outside a decorated field (Federation's `_entities`).
 */
export function assertScopes(caller: Caller, scopes: readonly Scope[], what: string): void {
  for (const scope of scopes) {
    if (!hasScope(caller, scope)) throw new ForbiddenError(what, scope);
  }
}

/**
 * TypeGraphQL's authChecker: a field declares its scopes with `@Authorized(Scope.X, ...)` (all of them
 * are required). A missing scope is one FORBIDDEN error for that field's path, carrying
 * `extensions.requiredScope`; the resolver, and so any upstream call, never runs.
 */
export const scopeAuthChecker: AuthChecker<{ caller: Caller }> = ({ context, info }, scopes) => {
  assertScopes(context.caller, scopes as Scope[], `${info.parentType.name}.${info.fieldName}`);
  return true;
};
