/**
 * The offline explorer: GraphiQL mounted on the gateway's own /graphql. Bundled by
 * scripts/build-explorer.ts from node_modules; the page (src/explorer/explorer.ts) passes its settings as
 * data attributes, since its Content-Security-Policy allows no inline script.
 */
import { GraphiQL } from "graphiql";
import "graphiql/style.css";
import "./page.css";
import { type ComponentProps } from "react";
import { createRoot } from "react-dom/client";

type Fetcher = ComponentProps<typeof GraphiQL>["fetcher"];

const EXAMPLE_QUERY = `# The first customers, their traffic and Bridge profile.
# Run with the play button or Ctrl-Enter; the token
# goes in the Headers tab below.
query ExampleCustomers {
  customers(first: 5) {
    totalCount
    nodes {
      id
      userName
      traffic {
        rechargedMb
        remainingMb
        usedMb
      }
      profile {
        customerNo
        status
        updatedAt
      }
    }
  }
}
`;

/** With JWT callers the headers editor starts with the header to fill in; without, it stays empty. */
function defaultHeaders(auth: string | undefined): string {
  if (auth !== "jwt") return "{}";
  return JSON.stringify({ Authorization: "Bearer <paste your access token here>" }, null, 2);
}

/** Plain POSTs of JSON: the only transport the gateway accepts (no subscriptions, no batching). */
function fetcherFor(endpoint: string): Fetcher {
  return async (params, options) => {
    const response = await fetch(endpoint, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", ...options?.headers },
      body: JSON.stringify(params),
    });
    return response.json();
  };
}

const root = document.getElementById("explorer");
if (root !== null) {
  createRoot(root).render(
    <GraphiQL
      fetcher={fetcherFor(root.dataset.endpoint ?? "/graphql")}
      defaultQuery={EXAMPLE_QUERY}
      defaultHeaders={defaultHeaders(root.dataset.auth)}
      defaultEditorToolsVisibility="headers"
      // Tokens stay in this tab: never written to localStorage.
      shouldPersistHeaders={false}
    />,
  );
}
