import type { ApolloServerPlugin } from "@apollo/server";
import type { GatewayContext } from "../context";

/**
 * Stale if error (API.md §6): `extensions.stale` lists each upstream whose failed reads were answered
 * with kept data, once, with the age of the oldest data served from it (whole seconds, rounded down).
 * Mutations never read stale data: a read-back after a lost answer must see the upstream as it is.
 */
export const staleExtensionsPlugin: ApolloServerPlugin<GatewayContext> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ contextValue, operation }) {
        if (operation?.operation === "mutation") contextValue.scope.staleIfError = false;
      },
      async willSendResponse({ contextValue, response }) {
        if (response.body.kind !== "single") return;
        const stale = contextValue.scope.accounting.stale();
        if (stale.length === 0) return;
        response.body.singleResult.extensions = { ...response.body.singleResult.extensions, stale };
      },
    };
  },
};
