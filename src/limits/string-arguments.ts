import type { ApolloServerPlugin } from "@apollo/server";
import {
  getNamedType,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type FieldNode,
  type GraphQLField,
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

/** A field with arguments that may hold a string, where the operation selects it. */
interface ArgumentSite {
  node: FieldNode;
  field: GraphQLField<unknown, unknown>;
  parentName: string;
}

/** Named types whose values are never strings: fields taking only these have nothing to check. */
const NEVER_STRINGS = new Set(["Int", "Float", "Boolean"]);

/**
 * The fields of an operation (and its fragments, which validation guarantees are all used) whose
 * arguments may hold a string, outside Mutation: worked out once per parsed operation — Apollo keeps
 * each document's AST across requests — so that a request only evaluates its own values.
 */
const sitesByOperation = new WeakMap<OperationDefinitionNode, ArgumentSite[]>();

function argumentSites(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
): ArgumentSite[] {
  const cached = sitesByOperation.get(operation);
  if (cached) return cached;
  const mutationType = schema.getMutationType();
  const typeInfo = new TypeInfo(schema);
  const sites: ArgumentSite[] = [];
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      // Only the operation that runs (and the fragments).
      OperationDefinition: (node) => (node === operation ? undefined : false),
      Field(node) {
        const field = typeInfo.getFieldDef();
        const parent = typeInfo.getParentType();
        if (!field || !parent || parent === mutationType || !node.arguments?.length) return;
        if (field.args.every((arg) => NEVER_STRINGS.has(getNamedType(arg.type).name))) return;
        sites.push({ node, field, parentName: parent.name });
      },
    }),
  );
  sitesByOperation.set(operation, sites);
  return sites;
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
  const sites = argumentSites(schema, document, operation);
  if (sites.length === 0) return null;
  const variableValues = coercedVariables(schema, operation, variables);
  if (variableValues === null) return null;
  for (const { node, field, parentName } of sites) {
    let args: Record<string, unknown>;
    try {
      args = getArgumentValues(field, node, variableValues);
    } catch {
      continue;
    }
    for (const [argument, value] of Object.entries(args)) {
      const problem = firstProblem(value);
      if (problem) return { where: `${parentName}.${field.name}(${argument}:)`, argument, problem };
    }
  }
  return null;
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
