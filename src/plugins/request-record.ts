import type { ApolloServerPlugin } from "@apollo/server";
import type { GatewayContext } from "../context";

/** Fills the request's record (src/observability/request-record.ts) once GraphQL has answered. */
export const requestRecordPlugin: ApolloServerPlugin<GatewayContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ contextValue, operation, operationName, response }) {
        const record = contextValue.record;
        record.operationName = operationName ?? null;
        record.operationType = operation?.operation ?? null;
        if (response.body.kind === "single") {
          record.errorCodes = (response.body.singleResult.errors ?? []).map((e) =>
            String(e.extensions?.code ?? "INTERNAL_SERVER_ERROR"),
          );
        }
        for (const [key, count] of Object.entries(contextValue.scope.accounting.calls)) {
          const upstream = key.split(":")[0] as string;
          record.calls[upstream] = (record.calls[upstream] ?? 0) + count;
        }
      },
    };
  },
};
