import type { ApolloServerPlugin } from "@apollo/server";
import { unwrapResolverError } from "@apollo/server/errors";
import type { GatewayContext } from "../context";
import { isMaskedError } from "../errors/format-error";
import type { Logger } from "../logger";

/**
 * What the client sees as INTERNAL_SERVER_ERROR the operator sees in full: one `error` record per masked
 * error, with the request id and path, its message and stack scrubbed of secrets by the logger.
 */
export function errorLogPlugin(logger: Logger): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          for (const error of errors) {
            if (!isMaskedError(error)) continue;
            logger.error(
              {
                requestId: contextValue.requestId,
                path: error.path?.join(".") ?? null,
                err: unwrapResolverError(error),
              },
              "unexpected error, masked for the client",
            );
          }
        },
      };
    },
  };
}
