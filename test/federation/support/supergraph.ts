import { composeServices } from "@apollo/composition";
import { ApolloGateway, RemoteGraphQLDataSource } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { parse } from "graphql";
import type { GqlData, GqlResponse } from "../../support/gateway";

export interface SubgraphSource {
  name: string;
  url: string;
  sdl: string;
}

/** Composes subgraphs with Apollo's composer; its errors fail the caller with the composer's own messages. */
export function composeSupergraph(subgraphs: readonly SubgraphSource[]): string {
  const result = composeServices(
    subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) })),
  );
  if (result.errors) {
    throw new Error(`Composition failed:\n${result.errors.map((e) => `- ${e.message}`).join("\n")}`);
  }
  return result.supergraphSdl;
}

export interface Supergraph {
  url: string;
  /** POSTs an operation to the router; `token` is sent as the caller's bearer token. */
  gql<T = GqlData>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
  ): Promise<GqlResponse<T>>;
  close(): Promise<void>;
}

/** What the router keeps of the client's request for its subgraph fetches. */
interface RouterContext {
  authorization?: string;
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * A real Apollo Gateway on a free loopback port in front of the subgraphs, from the composed supergraph.
 * It forwards the caller's Authorization header to every subgraph, as a router in front of the gateway
 * must (its scopes decide what the subgraph answers).
 */
export async function startSupergraph(subgraphs: readonly SubgraphSource[]): Promise<Supergraph> {
  const gateway = new ApolloGateway({
    supergraphSdl: composeSupergraph(subgraphs),
    logger: silent,
    buildService: ({ url }) =>
      new RemoteGraphQLDataSource<RouterContext>({
        url,
        willSendRequest({ request, context }) {
          if (context.authorization) request.http?.headers.set("authorization", context.authorization);
        },
      }),
  });
  const server = new ApolloServer<RouterContext>({ gateway, logger: silent });
  const { url } = await startStandaloneServer(server, {
    listen: { port: 0, host: "127.0.0.1" },
    context: async ({ req }) => ({ authorization: req.headers.authorization }),
  });
  return {
    url,
    async gql(query, variables, token) {
      const res = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as Omit<GqlResponse<GqlData>, "status" | "headers">;
      return { status: res.status, headers: res.headers, ...body };
    },
    close: () => server.stop(),
  };
}
