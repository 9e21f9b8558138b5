import fc from "fast-check";
import { startStack, type TestStack } from "../support/gateway";

/**
 * Malformed and abusive GraphQL requests, generated (fixed seed, so a failure replays), sent over real
 * HTTP to a gateway over the simulators. Whatever is sent, the answer is a GraphQL JSON body with a
 * contract code, never a 5xx, HTML, a stack trace or a file path; and a request refused as a whole
 * for bad input made no upstream call.
 */
const SEED = 20261124;
const RUNS = { documents: 1200, variables: 800, shapes: 150 };

const CONTRACT_CODES = new Set([
  "BAD_USER_INPUT",
  "FORBIDDEN",
  "UPSTREAM_UNAVAILABLE",
  "UPSTREAM_TIMEOUT",
  "UPSTREAM_RATE_LIMITED",
  "UPSTREAM_AUTH_FAILED",
  "UPSTREAM_BAD_RESPONSE",
  "BAD_REQUEST",
]);

const VALID_DOCUMENTS = [
  `{ customers(first: 3) { totalCount pageInfo { hasNextPage endCursor } nodes { id userName traffic { usedMb } } } }`,
  `query Q($id: ID!) { customer(id: $id) { id userName profile { customerNo status } } }`,
  `{ bridgeProfiles(first: 2, customerNo: "86001308") { edges { cursor node { name customer { id } } } } }`,
  `query($u: String!) { customerByUserName(userName: $u) { id ...F } } fragment F on Customer { traffic { remainingMb } }`,
  `mutation($u: String!) { addUser(userName: $u) { userErrors { code field } } }`,
  `mutation { changeStatus(customerId: "1", state: DISABLED) { state userErrors { code } } }`,
  `{ a: customers(first: 1) { nodes { id } } b: bridgeProfile(customerNo: "1") { id @include(if: true) } }`,
];

const TOKENS = [
  "{",
  "}",
  "(",
  ")",
  "[",
  "]",
  ":",
  "=",
  "!",
  "$",
  "@",
  "|",
  "&",
  "...",
  "query",
  "mutation",
  "subscription",
  "fragment",
  "on",
  "customers",
  "customer",
  "nodes",
  "edges",
  "node",
  "id",
  "userName",
  "profile",
  "profiles",
  "bridgeProfiles",
  "bridgeProfile",
  "customerNo",
  "traffic",
  "first",
  "after",
  "addUser",
  "changeStatus",
  "updatePwd",
  "state",
  "ACTIVE",
  "__typename",
  "__schema",
  "__type",
  "@include",
  "@skip",
  "@deprecated",
  "if",
  "true",
  "null",
  "0",
  "-1",
  "9007199254740993",
  "1e308",
  '"x"',
  '"\\u00e9"',
  '"\\uD800"',
  '"""block"""',
  "$v",
  "Int",
  "String!",
  "ID",
  "#",
  ",",
  "\n",
];

/** A lone surrogate, or a string around one. */
const loneSurrogate = fc
  .tuple(fc.string({ maxLength: 5 }), fc.integer({ min: 0xd800, max: 0xdfff }), fc.string({ maxLength: 5 }))
  .map(([a, unit, b]) => `${a}${String.fromCharCode(unit)}${b}`);

const garbage = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: "binary", maxLength: 300 }),
  loneSurrogate,
  fc.array(fc.constantFrom(...TOKENS), { maxLength: 150 }).map((tokens) => tokens.join(" ")),
);

/** A valid document edited at random: deletions, insertions of tokens or garbage, truncation. */
const mutatedDocument = fc
  .tuple(
    fc.constantFrom(...VALID_DOCUMENTS),
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.constantFrom("delete", "insert", "truncate"),
        fc.oneof(fc.constantFrom(...TOKENS), garbage),
      ),
      { minLength: 1, maxLength: 4 },
    ),
  )
  .map(([document, edits]) =>
    edits.reduce((text, [at, kind, insert]) => {
      const i = text.length === 0 ? 0 : at % text.length;
      if (kind === "delete") return text.slice(0, i) + text.slice(i + 1 + (at % 7));
      if (kind === "truncate") return text.slice(0, i);
      return `${text.slice(0, i)} ${insert} ${text.slice(i)}`;
    }, document),
  );

/** Page sizes in and out of range, with joins. */
const pageSizes = fc
  .integer({ min: -5, max: 600 })
  .map((n) => `{ customers(first: ${n * 7}) { nodes { id profile { name } } } }`);

const jsonValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  loneSurrogate,
  fc.string({ minLength: 250, maxLength: 400 }),
  fc.constantFrom(2 ** 53 + 1, -1, 0.5, 1e308, 501, "", " ", "o:1", "bzo5MDA3MTk5MjU0NzQwOTkw"),
  fc.bigInt({ min: 0n, max: 2n ** 64n }).map((n) => Buffer.from(`o:${n}`).toString("base64url")),
);

/** Valid operations with variables of every shape and type. */
const VARIABLE_OPERATIONS = [
  `query($n: Int, $a: String, $u: String) { customers(first: $n, after: $a, userName: $u) { totalCount nodes { id } } }`,
  `query($n: Int, $a: String, $c: String) { bridgeProfiles(first: $n, after: $a, customerNo: $c) { totalCount } }`,
  `query($id: ID!) { customer(id: $id) { id } }`,
  `query($c: String!) { bridgeProfile(customerNo: $c) { id } }`,
  `mutation($u: String!) { addUser(userName: $u) { userErrors { code } } }`,
  `mutation($id: ID!, $p: String!) { updatePwd(customerId: $id, password: $p) { userErrors { code } } }`,
  `mutation($id: ID!, $s: CustomerState!) { changeStatus(customerId: $id, state: $s) { userErrors { code } } }`,
];
const NAMES = ["n", "a", "u", "c", "id", "p", "s", "extra"];
const variableRequest = fc.record({
  query: fc.constantFrom(...VARIABLE_OPERATIONS),
  variables: fc.oneof(
    fc.dictionary(fc.constantFrom(...NAMES), jsonValue, { maxKeys: 4 }),
    fc.constantFrom(null, [], "x", 1),
  ),
});

/**
 * Shapes built to break each limit at its defaults, each just past it or far past it: depth (12),
 * aliases (100), cost through fragment fan-out (50,000, or uncountable), directives (50), tokens (5000),
 * string arguments (256 characters). Every one must be refused with HTTP 400.
 */
const overLimit = fc.oneof(
  fc.integer({ min: 12, max: 40 }).map((depth) => {
    let selection = "id";
    for (let level = 0; level < depth; level++) {
      selection = level % 2 === 0 ? `profile { ${selection} }` : `customer { ${selection} }`;
    }
    return `{ customers(first: 1) { nodes { ${selection} } } }`;
  }),
  fc
    .integer({ min: 101, max: 130 })
    .map(
      (n) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: customer(id: "${i + 1}") { id }`).join(" ")} }`,
    ),
  fc.integer({ min: 10, max: 16 }).map((levels) => {
    const fragments = Array.from({ length: levels }, (_, i) =>
      i === levels - 1
        ? `fragment F${i} on Query { customers(first: 50) { nodes { id } } }`
        : `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`,
    );
    return `{ ...F0 } ${fragments.join(" ")}`;
  }),
  fc
    .integer({ min: 51, max: 70 })
    .map(
      (n) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: __typename @include(if: true)`).join(" ")} }`,
    ),
  fc.integer({ min: 4999, max: 5500 }).map((n) => `{ ${"__typename ".repeat(n)}}`),
  fc
    .integer({ min: 257, max: 2000 })
    .map((n) => `{ customers(userName: "${"x".repeat(n)}") { totalCount } }`),
);

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

describe("fuzzed requests over HTTP", () => {
  let stack: TestStack;
  let url: string;
  const stats = { requests: 0, refused: 0, upstreamCalls: 0, callsWhenRefused: 0 };

  beforeAll(async () => {
    // Freshness bounds of an hour: no background refresh, so every call counted belongs to the request.
    // No caller rate limit: thousands of requests from one address would otherwise meet 429s.
    stack = await startStack({
      env: {
        GATEWAY_TRAFFIC_MAX_AGE_MS: "3600000",
        GATEWAY_PROFILE_MAX_AGE_MS: "3600000",
        GATEWAY_CALLER_RATE_LIMIT_PER_MIN: "0",
      },
    });
    url = stack.gateway.url.replace("0.0.0.0", "127.0.0.1");
  });
  afterAll(async () => {
    await stack.close();
    // The figures for the README; one line.
    process.stdout.write(`fuzz: ${JSON.stringify(stats)}\n`);
  });

  async function send(body: unknown): Promise<Answer> {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: res.status, contentType: res.headers.get("content-type") ?? "", text: await res.text() };
  }

  function callCount(): number {
    const { agent, bridge } = stack.calls();
    return [...Object.values(agent), ...Object.values(bridge)].reduce((a, b) => a + b, 0);
  }

  /** Sends one request and checks what every answer must be; returns its HTTP status. */
  async function check(body: unknown): Promise<number> {
    stack.resetCalls();
    const answer = await send(body);
    const calls = callCount();
    stats.requests++;
    stats.upstreamCalls += calls;
    expect(answer.status).toBeLessThan(500);
    expect(answer.contentType).toMatch(/^application\/(graphql-response\+)?json/);
    expect(answer.text).not.toMatch(/<html|<!doctype/i);
    expect(answer.text).not.toMatch(/\n\s+at |node_modules|\/work\/|\/src\/|\.ts:\d+|\.js:\d+/);
    const parsed = JSON.parse(answer.text) as {
      data?: Record<string, unknown> | null;
      errors?: { extensions?: { code?: string } }[];
    };
    const codes = (parsed.errors ?? []).map((e) => e.extensions?.code ?? "none");
    for (const code of codes) expect(CONTRACT_CODES).toContain(code);
    // Refused as a whole: only input errors (GraphQL's or the edge's) and nothing answered. No upstream may have been asked.
    const answered = parsed.data && Object.values(parsed.data).some((v) => v !== null);
    if (codes.length > 0 && codes.every((c) => c === "BAD_USER_INPUT" || c === "BAD_REQUEST") && !answered) {
      stats.refused++;
      stats.callsWhenRefused += calls;
      expect(calls).toBe(0);
    }
    return answer.status;
  }

  it("malformed documents", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(garbage, mutatedDocument, pageSizes),
        fc.option(fc.string({ maxLength: 10 })),
        async (query, operationName) => {
          await check({ query, operationName });
        },
      ),
      { seed: SEED, numRuns: RUNS.documents, endOnFailure: true },
    );
  });

  it("valid operations with malformed variables", async () => {
    await fc.assert(
      fc.asyncProperty(variableRequest, async (request) => {
        await check(request);
      }),
      {
        seed: SEED,
        numRuns: RUNS.variables,
        endOnFailure: true,
      },
    );
  });

  it("documents shaped to break each limit", async () => {
    await fc.assert(
      fc.asyncProperty(overLimit, async (query) => {
        expect(await check({ query })).toBe(400);
      }),
      {
        seed: SEED,
        numRuns: RUNS.shapes,
        endOnFailure: true,
      },
    );
    expect(stats.refused).toBeGreaterThan(stats.requests / 2);
    expect(stats.callsWhenRefused).toBe(0);
  });
});
