import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import { startStandaloneServer } from "@apollo/server/standalone";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { parse } from "graphql";

/** One support ticket: it names an agent customer by id and, when known, a Bridge profile by customerNo. */
export interface Ticket {
  id: string;
  subject: string;
  customerId: string;
  customerNo: string | null;
}

/**
 * A second, independent subgraph, as another team would write it: it extends the gateway's `Customer`
 * entity by `id` with `tickets`, and references `BridgeProfile` entities it cannot resolve itself.
 */
export const TICKETS_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

  type Query {
    "Tickets in creation order."
    tickets(first: Int = 20): [Ticket!]!
  }

  type Ticket @key(fields: "id") {
    id: ID!
    subject: String!
    "The customer who opened the ticket (resolved by the customers subgraph)."
    customer: Customer
    "The Bridge profile the ticket is about, if any."
    profile: BridgeProfile
  }

  type Customer @key(fields: "id") {
    id: ID!
    tickets: [Ticket!]!
  }

  type BridgeProfile @key(fields: "customerNo", resolvable: false) {
    customerNo: String!
  }
`;

export interface TicketsSubgraph {
  url: string;
  sdl: string;
  close(): Promise<void>;
}

export async function startTicketsSubgraph(tickets: readonly Ticket[]): Promise<TicketsSubgraph> {
  const byId = new Map(tickets.map((t) => [t.id, t]));
  const schema = buildSubgraphSchema({
    typeDefs: parse(TICKETS_SDL),
    resolvers: {
      Query: {
        tickets: (_: unknown, args: { first: number }) => tickets.slice(0, args.first),
      },
      Ticket: {
        __resolveReference: (ref: { id: string }) => byId.get(ref.id) ?? null,
        customer: (t: Ticket) => ({ __typename: "Customer", id: t.customerId }),
        profile: (t: Ticket) =>
          t.customerNo === null ? null : { __typename: "BridgeProfile", customerNo: t.customerNo },
      },
      Customer: {
        __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
        tickets: (c: { id: string }) => tickets.filter((t) => t.customerId === c.id),
      },
    },
  });
  const server = new ApolloServer({ schema, plugins: [ApolloServerPluginInlineTraceDisabled()] });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: "127.0.0.1" } });
  return {
    url,
    sdl: TICKETS_SDL,
    close: () => server.stop(),
  };
}
