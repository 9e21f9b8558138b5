import type { ApolloServerPlugin } from "@apollo/server";
import type { GraphQLSchema } from "graphql";
import type { GatewayConfig } from "../config";
import { documentLimitOptions } from "./document-limits";
import { operationTypePlugin } from "./operation-type";
import { queryCostLimitPlugin } from "./query-cost";
import { stringArgumentsPlugin } from "./string-arguments";

/**
 * Limits on what callers send (API.md §5), all applied before any upstream call. The document limits
 * are Apollo Server options (the parser's token limit and validation rules, run once per distinct
 * document); the rest depend on the request's variables and run once the operation is resolved.
 */
export function requestLimitOptions(config: GatewayConfig) {
  return documentLimitOptions(config);
}

/** In order: the first to refuse answers (operation type, then string arguments, then cost). */
export function requestLimitPlugins(schema: GraphQLSchema, config: GatewayConfig): ApolloServerPlugin[] {
  return [
    operationTypePlugin,
    stringArgumentsPlugin(schema),
    queryCostLimitPlugin(schema, {
      maxCost: config.maxQueryCost,
      maxFirst: config.maxPageSize,
      maxSelections: config.maxTokens,
    }),
  ];
}
