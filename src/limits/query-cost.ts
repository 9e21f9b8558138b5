import type { ApolloServerPlugin } from "@apollo/server";
import { getComplexity, simpleEstimator, type ComplexityEstimator } from "graphql-query-complexity";
import type { GraphQLSchema } from "graphql";
import { BadUserInputError } from "../errors/errors";

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

/**
 * Refuses, before any upstream call, an operation whose cost exceeds `maxCost`: thousands of aliases
 * or a huge page of deeply nested joins would pin the gateway's CPU however few upstream calls the
 * planner makes for it.
 */
export function queryCostLimitPlugin(
  schema: GraphQLSchema,
  maxCost: number,
  maxFirst: number,
): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, operationName }) {
          let cost: number;
          try {
            cost = getComplexity({
              schema,
              query: document,
              operationName: operationName ?? undefined,
              variables: request.variables ?? {},
              estimators: [connectionEstimator(maxFirst), simpleEstimator({ defaultComplexity: 1 })],
            });
          } catch {
            // Variables that do not coerce: execution rejects them next, with its own precise error.
            return;
          }
          if (cost > maxCost) {
            const error = new BadUserInputError(
              `The operation costs ${cost}, more than the ${maxCost} this gateway accepts: ask for fewer rows, fields or aliases.`,
            );
            // A refused request, not a server failure: Apollo reads the status from extensions.http.
            Object.assign(error.extensions, { http: { status: 400 } });
            throw error;
          }
        },
      };
    },
  };
}
