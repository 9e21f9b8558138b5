import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, ServerError } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import type { DocumentNode } from "graphql";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  AddUserDocument,
  CustomerByIdDocument,
  CustomersPageDocument,
} from "../../examples/generated/graphql";
import { startStack, type TestStack } from "../support/gateway";
import { startIssuer, trustIssuer, type TestIssuer } from "../support/issuer";

/** The manifest `npm run codegen` writes next to the typed documents (codegen.yml). */
const MANIFEST = join(__dirname, "..", "..", "examples", "generated", "persisted-documents.json");
const manifest = JSON.parse(readFileSync(MANIFEST, "utf8")) as Record<string, string>;

/** The client preset puts each document's manifest id on it as __meta__.hash. */
function documentIdOf(document: DocumentNode): string {
  const id = (document as { __meta__?: { hash?: unknown } }).__meta__?.hash;
  if (typeof id !== "string") throw new Error("document without __meta__.hash: is persistedDocuments on?");
  return id;
}

/** How an app sends its trusted documents: Apollo's persisted-query link, the id from codegen. */
function trustedClient(uri: string, headers: Record<string, string> = {}): ApolloClient {
  return new ApolloClient({
    link: ApolloLink.from([
      new PersistedQueryLink({ generateHash: documentIdOf }),
      new HttpLink({ uri, headers }),
    ]),
    cache: new InMemoryCache(),
    defaultOptions: { query: { fetchPolicy: "no-cache" } },
  });
}

function plainClient(uri: string, headers: Record<string, string> = {}): ApolloClient {
  return new ApolloClient({
    link: new HttpLink({ uri, headers }),
    cache: new InMemoryCache(),
    defaultOptions: { query: { fetchPolicy: "no-cache" } },
  });
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    body: (await res.json()) as { data?: unknown; errors?: { extensions: { code: string } }[] },
  };
}

const CUSTOMERS_ID = documentIdOf(CustomersPageDocument);

describe("trusted documents: the production gateway locked to an app's generated manifest", () => {
  let issuer: TestIssuer;
  let stack: TestStack;
  let appToken: string;
  let debugToken: string;

  beforeAll(async () => {
    issuer = await startIssuer();
    stack = await startStack({
      env: {
        NODE_ENV: "production",
        GATEWAY_ALLOW_SIMULATORS: "1",
        ...trustIssuer(issuer),
        GATEWAY_PERSISTED_DOCUMENTS: MANIFEST,
        GATEWAY_PERSISTED_DOCUMENTS_ONLY: "1",
      },
    });
    appToken = await issuer.mint({ scope: "customers:read profiles:read accounts:write" });
    debugToken = await issuer.mint(
      { scope: "customers:read profiles:read gateway:debug" },
      { subject: "operator" },
    );
  });
  afterAll(async () => {
    await stack.close();
    await issuer.close();
  });
  beforeEach(() => stack.resetCalls());

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it("runs the app's generated operations by id through Apollo Client, typed as usual", async () => {
    const client = trustedClient(stack.url, bearer(appToken));
    const page = await client.query({ query: CustomersPageDocument, variables: { first: 3 } });
    expect(page.data?.customers.edges.map((e) => e.node.id)).toEqual(
      stack.sims.agent.customers.slice(0, 3).map((c) => c.customerId),
    );
    // __typename is in the manifest's documents, so Apollo's cache can normalize what ids return.
    expect(page.data?.customers.__typename).toBe("CustomerConnection");
    const target = stack.sims.agent.customers[7];
    const one = await client.query({
      query: CustomerByIdDocument,
      variables: { id: target?.customerId ?? "" },
    });
    expect(one.data?.customer?.userName).toBe(target?.userName);
    const added = await client.mutate({
      mutation: AddUserDocument,
      variables: { userName: "trusted@example.com" },
    });
    expect(added.data?.addUser.credentials?.customerId).toMatch(/^\d+$/);
    client.stop();
  });

  it("accepts documentId (GraphQL over HTTP) and a manifest document sent in full", async () => {
    const byId = await post(
      stack.url,
      { documentId: CUSTOMERS_ID, variables: { first: 2 } },
      bearer(appToken),
    );
    expect(byId.status).toBe(200);
    expect(byId.body.errors).toBeUndefined();
    const text = manifest[CUSTOMERS_ID];
    const byText = await post(stack.url, { query: text, variables: { first: 2 } }, bearer(appToken));
    expect(byText.body).toEqual(byId.body);
  });

  it("refuses any other document with PERSISTED_QUERY_NOT_ALLOWED before running it", async () => {
    const client = plainClient(stack.url, bearer(appToken));
    const refused = client.query({ query: CustomersPageDocument, variables: { first: 2 } });
    // The same operation, printed by Apollo Client rather than taken from the manifest: not the same text.
    const error: unknown = await refused.catch((e: unknown) => e);
    expect(ServerError.is(error) && [error.statusCode, JSON.parse(error.bodyText)]).toEqual([
      400,
      { errors: [expect.objectContaining({ extensions: { code: "PERSISTED_QUERY_NOT_ALLOWED" } })] },
    ]);
    const raw = await post(
      stack.url,
      { query: "{ customers(first: 500) { nodes { id } } }" },
      bearer(appToken),
    );
    expect(raw.status).toBe(400);
    expect(raw.body.errors?.[0]?.extensions.code).toBe("PERSISTED_QUERY_NOT_ALLOWED");
    // Refused at the edge: nothing was parsed, nothing reached an upstream.
    expect(stack.calls()).toEqual({ agent: {}, bridge: {} });
    client.stop();
  });

  it("answers an unknown id with PERSISTED_QUERY_NOT_FOUND, and a hash sent with another text is still judged by the text", async () => {
    const unknown = `sha256:${createHash("sha256").update("query Other { __typename }").digest("hex")}`;
    const byId = await post(stack.url, { documentId: unknown }, bearer(appToken));
    expect([byId.status, byId.body.errors?.[0]?.extensions.code]).toEqual([200, "PERSISTED_QUERY_NOT_FOUND"]);
    const apq = await post(
      stack.url,
      { extensions: { persistedQuery: { version: 1, sha256Hash: unknown.slice(7) } } },
      bearer(appToken),
    );
    expect(apq.body.errors?.[0]?.extensions.code).toBe("PERSISTED_QUERY_NOT_FOUND");
    // APQ's retry: the full text with its hash. Apollo's APQ cache is off here, so nothing gets registered.
    const register = await post(
      stack.url,
      {
        query: "query Other { __typename }",
        extensions: { persistedQuery: { version: 1, sha256Hash: unknown.slice(7) } },
      },
      bearer(appToken),
    );
    expect(register.body.errors?.[0]?.extensions.code).toBe("PERSISTED_QUERY_NOT_ALLOWED");
  });

  it("lets a caller holding gateway:debug run any document", async () => {
    const client = plainClient(stack.url, bearer(debugToken));
    const page = await client.query({ query: CustomersPageDocument, variables: { first: 1 } });
    expect(page.data?.customers.edges).toHaveLength(1);
    client.stop();
  });

  it("refuses a mutation sent by id without a valid token, and audits it by name", async () => {
    const id = documentIdOf(AddUserDocument);
    const refused = await post(stack.url, { documentId: id, variables: { userName: "nobody@example.com" } });
    expect(refused.status).toBe(401);
    expect(stack.logs()).toContainEqual(
      expect.objectContaining({
        audit: "mutation",
        mutation: "addUser",
        userName: "nobody@example.com",
        outcome: "UNAUTHENTICATED",
      }),
    );
  });
});

describe("trusted documents beside ad-hoc ones (GATEWAY_PERSISTED_DOCUMENTS without _ONLY)", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ env: { GATEWAY_PERSISTED_DOCUMENTS: MANIFEST } });
  });
  afterAll(() => stack.close());

  it("runs ids from the manifest and any other document, and keeps Apollo's APQ for the rest", async () => {
    const byId = await post(stack.url, { documentId: CUSTOMERS_ID, variables: { first: 1 } });
    expect(byId.body.errors).toBeUndefined();
    const adHoc = await post(stack.url, { query: "{ customers(first: 1) { totalCount } }" });
    expect(adHoc.body.errors).toBeUndefined();
    const query = "{ customers(first: 1) { nodes { id } } }";
    const sha256Hash = createHash("sha256").update(query).digest("hex");
    const miss = await post(stack.url, { extensions: { persistedQuery: { version: 1, sha256Hash } } });
    expect(miss.body.errors?.[0]?.extensions.code).toBe("PERSISTED_QUERY_NOT_FOUND");
    await post(stack.url, { query, extensions: { persistedQuery: { version: 1, sha256Hash } } });
    const hit = await post(stack.url, { extensions: { persistedQuery: { version: 1, sha256Hash } } });
    expect(hit.body.errors).toBeUndefined();
  });

  it("serves GET requests by documentId too (cacheable reads)", async () => {
    const url = `${stack.url}?documentId=${encodeURIComponent(CUSTOMERS_ID)}&variables=${encodeURIComponent('{"first":1}')}`;
    const res = await fetch(url, { headers: { "apollo-require-preflight": "true" } });
    const body = (await res.json()) as { data?: { customers?: { totalCount?: number } }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data?.customers?.totalCount).toBe(stack.sims.agent.customers.length);
  });
});
