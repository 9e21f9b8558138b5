import type { ApolloServerPlugin } from "@apollo/server";
import type { GatewayContext } from "../context";

/** Upstream accounting in the response extensions, only when the caller asked and may see it. */
export const debugExtensionsPlugin: ApolloServerPlugin<GatewayContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ contextValue, response }) {
        if (!contextValue.debug || response.body.kind !== "single") return;
        response.body.singleResult.extensions = {
          ...response.body.singleResult.extensions,
          gateway: { requestId: contextValue.requestId, ...contextValue.scope.accounting.toJSON() },
        };
      },
    };
  },
};
