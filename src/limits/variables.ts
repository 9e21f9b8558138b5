import type { GraphQLSchema, OperationDefinitionNode } from "graphql";
import { getVariableValues } from "graphql/execution/values";

type Coerced = Record<string, unknown> | null;

/** A request without variables: one shared object, so that its coercion is shared too. */
export const NO_VARIABLES: Record<string, unknown> = Object.freeze({});

/**
 * One coercion per request for all the limits that read variable values (string arguments, cost):
 * keyed by the request's own variables object, which lives exactly as long as the request.
 */
const coercedByRequest = new WeakMap<object, { operation: OperationDefinitionNode; coerced: Coerced }>();

/**
 * The operation's variables as execution will see them (defaults applied, values coerced), or null
 * when they do not coerce: execution then rejects the request with its own precise error, so the
 * limits that need variable values leave such a request to it.
 */
export function coercedVariables(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): Coerced {
  const known = coercedByRequest.get(variables);
  if (known?.operation === operation) return known.coerced;
  const { coerced, errors } = getVariableValues(schema, operation.variableDefinitions ?? [], variables, {
    maxErrors: 1,
  });
  const result = errors ? null : coerced;
  coercedByRequest.set(variables, { operation, coerced: result });
  return result;
}
