import type { ApolloServerPlugin, GraphQLRequestListener } from "@apollo/server";
import { mustYield, takeTurn } from "../lib/cooperate";
import type { GatewayContext } from "../context";

/**
 * A request whose parse and validation spent the event loop's turn (lib/cooperate.ts) runs its
 * operation in a later turn with budget left: a new document (20 aliased lookups, say) is parsed,
 * validated, checked and then executed, which started its upstream calls in the same stretch. A request
 * with budget left goes on at once. One listener object for every request: nothing is allocated.
 */
const listener: GraphQLRequestListener<GatewayContext> = {
  async didResolveOperation() {
    if (mustYield()) await takeTurn();
  },
};

export const turnsPlugin: ApolloServerPlugin<GatewayContext> = {
  async requestDidStart() {
    return listener;
  },
};
