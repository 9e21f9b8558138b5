import type { GraphQLSchema, OperationDefinitionNode } from "graphql";
import { getVariableValues } from "graphql/execution/values";

/**
 * The operation's variables as execution will see them (defaults applied, values coerced), or null
 * when they do not coerce: execution then rejects the request with its own precise error, so the
 * limits that need variable values leave such a request to it.
 */
export function coercedVariables(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): Record<string, unknown> | null {
  const { coerced, errors } = getVariableValues(schema, operation.variableDefinitions ?? [], variables, {
    maxErrors: 1,
  });
  return errors ? null : coerced;
}
