import type { ApolloServerPlugin } from "@apollo/server";
import {
  BREAK,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from "graphql";
import { getArgumentValues } from "graphql/execution/values";
import { refusal } from "./refusal";
import { coercedVariables, NO_VARIABLES } from "./variables";

/** User names, customer numbers and filters are short; a longer string is abuse or a mistake. */
export const MAX_STRING_ARGUMENT_CHARACTERS = 256;

/**
 * A lone UTF-16 surrogate (JSON can carry "\ud800"; no text encoding can) makes encoders throw
 * (encodeURIComponent: URIError) or send the upstream bytes it cannot read.
 */
const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * Why a string argument is refused, as the end of a sentence naming it ("is longer than …"), or null
 * when it is acceptable. The one rule for every String and ID argument: queries answer it as
 * BAD_USER_INPUT (the plugin below), mutations as an INVALID_INPUT userError (account.validation.ts).
 */
export function stringArgumentProblem(value: string): string | null {
  if (LONE_SURROGATE.test(value)) return "is not well-formed Unicode (it holds a lone UTF-16 surrogate)";
  // Characters, not UTF-16 code units: 256 emoji are 512 units and still 256 characters.
  if (value.length > MAX_STRING_ARGUMENT_CHARACTERS && characters(value) > MAX_STRING_ARGUMENT_CHARACTERS) {
    return `is longer than ${MAX_STRING_ARGUMENT_CHARACTERS} characters`;
  }
  return null;
}

function characters(value: string): number {
  let count = 0;
  for (const _ of value) if (++count > MAX_STRING_ARGUMENT_CHARACTERS) break;
  return count;
}

/** The first unacceptable string inside an argument's value (lists and input objects included). */
function firstProblem(value: unknown): string | null {
  if (typeof value === "string") return stringArgumentProblem(value);
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = firstProblem(item);
      if (problem) return problem;
    }
    return null;
  }
  if (value !== null && typeof value === "object" && !(value instanceof Date)) {
    return firstProblem(Object.values(value));
  }
  return null;
}

export interface StringArgumentRefusal {
  /** "Type.field(argument:)" */
  where: string;
  argument: string;
  problem: string;
}

/**
 * Checks every argument value of the operation's fields (document literals and variables alike, as
 * graphql-js will pass them to resolvers) except the arguments of Mutation fields, which answer
 * through userErrors. Values that do not coerce are left to execution, which reports them precisely.
 */
export function findStringArgumentRefusal(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): StringArgumentRefusal | null {
  const variableValues = coercedVariables(schema, operation, variables);
  if (variableValues === null) return null;
  const mutationType = schema.getMutationType();
  const typeInfo = new TypeInfo(schema);
  let found: StringArgumentRefusal | null = null;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      // Only the operation that runs (and the fragments, which validation guarantees are all used).
      OperationDefinition: (node) => (node === operation ? undefined : false),
      Field(node) {
        const field = typeInfo.getFieldDef();
        const parent = typeInfo.getParentType();
        if (!field || !parent || parent === mutationType || !node.arguments?.length) return undefined;
        let args: Record<string, unknown>;
        try {
          args = getArgumentValues(field, node, variableValues);
        } catch {
          return undefined;
        }
        for (const [argument, value] of Object.entries(args)) {
          const problem = firstProblem(value);
          if (problem) {
            found = { where: `${parent.name}.${field.name}(${argument}:)`, argument, problem };
            return BREAK;
          }
        }
        return undefined;
      },
    }),
  );
  return found;
}

/** Refuses, before any upstream call, a query whose string arguments break the rule above. */
export function stringArgumentsPlugin(schema: GraphQLSchema): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request }) {
          // No operation (a wrong operationName): execution answers that.
          if (!operation) return;
          const found = findStringArgumentRefusal(
            schema,
            document,
            operation,
            request.variables ?? NO_VARIABLES,
          );
          if (found) throw refusal(`"${found.argument}" of ${found.where} ${found.problem}.`, found.argument);
        },
      };
    },
  };
}
