import type { ApolloServerPlugin } from "@apollo/server";
import { refusal } from "./refusal";

/**
 * The gateway serves queries and mutations over HTTP; it has no subscriptions. graphql-js validates a
 * subscription against a schema without a Subscription type without complaint and only fails at
 * execution, with an uncoded error that would be masked as INTERNAL_SERVER_ERROR: refuse it first.
 */
export const operationTypePlugin: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation }) {
        if (operation?.operation === "subscription") {
          throw refusal("Subscriptions are not supported: send a query or a mutation.");
        }
      },
    };
  },
};
