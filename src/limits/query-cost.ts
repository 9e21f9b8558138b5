import type { ApolloServerPlugin } from "@apollo/server";
import { getComplexity, simpleEstimator, type ComplexityEstimator } from "graphql-query-complexity";
import { BREAK, visit, type DocumentNode, type GraphQLSchema } from "graphql";
import { entitiesEstimator } from "../federation/cost";
import { refusal } from "./refusal";
import { coercedVariables, NO_VARIABLES } from "./variables";

export interface QueryCostLimits {
  /** Largest cost accepted. */
  maxCost: number;
  /** Largest `first` a connection accepts. */
  maxFirst: number;
  /**
   * Most selections the cost is counted over, fragments expanded each time they are spread. A document
   * that spreads no fragment twice has at most one selection per parser token, so this is the token
   * limit (at least graphql-query-complexity's own default of 10,000): only fragment fan-out, which
   * doubles per level, goes beyond it.
   */
  maxSelections: number;
}

/**
 * A connection's children are paid for once per row it may return: `first` multiplies them, taken
 * within its valid range (a `first` out of range is the resolver's to refuse, with its own message).
 * Fields without `first` cost 1 plus their children (graphql-query-complexity's simple estimator).
 */
function connectionEstimator(maxFirst: number): ComplexityEstimator {
  return ({ args, childComplexity }) => {
    const first: unknown = args.first;
    if (typeof first !== "number") return undefined;
    return 1 + childComplexity * Math.min(maxFirst, Math.max(1, first));
  };
}

/** The arguments the estimators read (connectionEstimator, entitiesEstimator). */
const COSTED_ARGUMENTS = new Set(["first", "representations"]);

/**
 * Whether a request's variables can change the cost of `document`: a variable inside an argument the
 * estimators read, or inside a directive's arguments (`@include(if: $flag)` adds or removes a subtree).
 * Any other variable (an id, a user name) leaves the cost as it is.
 */
function variablesMayChangeCost(document: DocumentNode): boolean {
  let dependent = false;
  visit(document, {
    Directive(node) {
      if (node.arguments?.some((argument) => containsVariable(argument.value))) {
        dependent = true;
        return BREAK;
      }
      return false;
    },
    Argument(node) {
      if (COSTED_ARGUMENTS.has(node.name.value) && containsVariable(node.value)) {
        dependent = true;
        return BREAK;
      }
      return false;
    },
  });
  return dependent;
}

function containsVariable(node: object): boolean {
  let found = false;
  visit(node as DocumentNode, {
    Variable() {
      found = true;
      return BREAK;
    },
  });
  return found;
}

/**
 * Costs that no variable can change, per parsed document (Apollo keeps one DocumentNode per query text)
 * and operation name: counting walks the whole operation with its types, which a repeated query need
 * not pay again. Documents whose cost depends on their variables are costed on every request.
 */
class CostMemo {
  private readonly byDocument = new WeakMap<
    DocumentNode,
    { dependent: boolean; costs: Map<string, number> }
  >();

  cost(document: DocumentNode, operationName: string | null | undefined, compute: () => number): number {
    let entry = this.byDocument.get(document);
    if (entry === undefined) {
      entry = { dependent: variablesMayChangeCost(document), costs: new Map() };
      this.byDocument.set(document, entry);
    }
    if (entry.dependent) return compute();
    const key = operationName ?? "";
    let cost = entry.costs.get(key);
    if (cost === undefined) {
      cost = compute();
      entry.costs.set(key, cost);
    }
    return cost;
  }
}

/** graphql-query-complexity's error when it stops at `maxQueryNodes` (1.1.1). */
const NODE_LIMIT_MESSAGE = /maximum allowed number of nodes/;

/**
 * Refuses, before any upstream call, an operation whose cost exceeds `maxCost`: thousands of aliases
 * or a huge page of deeply nested joins would pin the gateway's CPU however few upstream calls the
 * planner makes for it. An operation too large to be costed at all is refused too, never admitted
 * uncosted.
 */
export function queryCostLimitPlugin(schema: GraphQLSchema, limits: QueryCostLimits): ApolloServerPlugin {
  const maxQueryNodes = Math.max(10_000, limits.maxSelections);
  const estimators = [
    entitiesEstimator,
    connectionEstimator(limits.maxFirst),
    simpleEstimator({ defaultComplexity: 1 }),
  ];
  const memo = new CostMemo();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, operation, operationName }) {
          const variables = request.variables ?? NO_VARIABLES;
          // No operation (a wrong operationName) or variables that do not coerce: execution answers.
          if (!operation || coercedVariables(schema, operation, variables) === null) return;
          const cost = memo.cost(document, operationName, () => {
            try {
              return getComplexity({
                schema,
                query: document,
                operationName: operationName ?? undefined,
                variables,
                maxQueryNodes,
                estimators,
              });
            } catch (error) {
              // Whatever stops the count refuses the operation: admitting it uncosted is what let every
              // operation of more than 10,000 selections through.
              const message = error instanceof Error ? error.message : String(error);
              throw refusal(
                NODE_LIMIT_MESSAGE.test(message)
                  ? `The operation expands to more than ${maxQueryNodes} selections once its fragments are spread: it is refused uncosted.`
                  : `The operation cannot be costed: ${message}`,
              );
            }
          });
          if (cost > limits.maxCost) {
            throw refusal(
              `The operation costs ${cost}, more than the ${limits.maxCost} this gateway accepts: ask for fewer rows, fields or aliases.`,
            );
          }
        },
      };
    },
  };
}
