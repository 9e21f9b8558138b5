import { request } from "node:http";
import { mulberry32 as prng } from "../../src/simulators/dataset";
import { startStack, type TestStack } from "../support/gateway";

interface FuzzCase {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer | null;
}

/** Malformed HTTP requests of every kind the edge must refuse cleanly (valid GraphQL is not the point). */
function generate(random: () => number, count: number): FuzzCase[] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));
  const text = (n: number) =>
    Array.from({ length: n }, () => String.fromCharCode(Math.floor(random() * 0xffff))).join("");
  const wrongValues = [
    null,
    0,
    -1,
    1e308,
    true,
    [],
    {},
    [1, 2],
    "",
    "{",
    { a: { b: [] } },
    "\u0000",
    "\ud800",
  ];
  const bodies: (() => Buffer | null)[] = [
    () => null,
    () => bytes(1 + Math.floor(random() * 300)),
    () => Buffer.from(text(1 + Math.floor(random() * 200))),
    () =>
      Buffer.from(
        JSON.stringify({ query: "{ customers { totalCount } }" }).slice(0, Math.floor(random() * 40)),
      ),
    () => Buffer.from(JSON.stringify({ query: pick(wrongValues) })),
    () => Buffer.from(JSON.stringify({ query: "{ __typename }", variables: pick(wrongValues) })),
    () => Buffer.from(JSON.stringify({ query: "{ __typename }", operationName: pick(wrongValues) })),
    () => Buffer.from(JSON.stringify({ query: "{ __typename }", extensions: pick(wrongValues) })),
    () => Buffer.from(JSON.stringify(pick(wrongValues))),
    () => Buffer.from(`${"[".repeat(20000 + Math.floor(random() * 20000))}`),
    () => Buffer.from(`{"query": "${"\\u".repeat(1 + Math.floor(random() * 5))}"}`),
    () => Buffer.from(JSON.stringify([{ query: "{ __typename }" }])),
    () => Buffer.concat([Buffer.from('{"query":"'), bytes(50), Buffer.from('"}')]),
    () => Buffer.from(`{"query":"{ customers { totalCount } }"}\n{"level":"fatal","msg":"forged"}`),
    () => Buffer.from(JSON.stringify({ query: "x".repeat(1024 * 1024 + 10) })),
  ];
  const contentTypes = [
    "application/json",
    "application/json; charset=utf-8",
    "application/json; charset=latin1",
    "application/json; charset=nope",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/graphql",
    "",
  ];
  const out: FuzzCase[] = [];
  for (let i = 0; i < count; i += 1) {
    const method = pick(["POST", "POST", "POST", "GET", "PUT", "PATCH", "DELETE", "OPTIONS"]);
    const headers: Record<string, string> = {};
    const type = pick(contentTypes);
    if (type !== "") headers["content-type"] = type;
    if (random() < 0.2) headers["content-encoding"] = pick(["gzip", "br", "identity", "x-nope"]);
    if (random() < 0.2)
      headers.authorization = pick([
        "Bearer",
        "Bearer ",
        "Basic x",
        `Bearer ${text(20)}`.replace(/[^\x20-\x7e]/g, "a"),
      ]);
    if (random() < 0.2)
      headers["x-request-id"] = pick(["ok-id", "bad id with spaces", "x".repeat(500), "\u00e9"]).replace(
        /[^\x20-\x7e]/g,
        "e",
      );
    const path = pick([
      "/graphql",
      "/graphql",
      "/graphql?query=%7B",
      "/graphql?query=" + "a".repeat(3000),
      "/graphql/",
      "/GRAPHQL",
    ]);
    out.push({ method, path, headers, body: method === "GET" ? null : pick(bodies)() });
  }
  return out;
}

function send(port: number, c: FuzzCase): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method: c.method,
        path: c.path,
        headers: { ...c.headers, ...(c.body ? { "content-length": String(c.body.length) } : {}) },
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"] ?? ""), body }),
        );
      },
    );
    req.on("error", reject);
    req.end(c.body ?? undefined);
  });
}

describe("the edge under a generated fuzz of malformed HTTP requests", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it("answers every one without a 5xx, HTML, stack or file path, and sends nothing upstream", async () => {
    // Seeded: the same 2,400 requests on every run.
    const cases = generate(prng(20261124), 2400);
    const port = Number(new URL(stack.url).port);
    stack.resetCalls();
    const statuses = new Map<number, number>();
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const c = cases[next++] as FuzzCase;
        const answer = await send(port, c);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        const where = `${c.method} ${c.path.slice(0, 40)} ${JSON.stringify(c.headers)}`;
        expect([where, answer.status < 500]).toEqual([where, true]);
        expect(answer.body).not.toMatch(/<html|<!DOCTYPE|\n\s+at |node_modules|\/src\/|\.ts:\d/i);
        if (answer.status !== 204 && answer.status !== 200) {
          expect([where, answer.type]).toEqual([
            where,
            expect.stringMatching(/^application\/(graphql-response\+)?json/),
          ]);
          const parsed = JSON.parse(answer.body) as { errors?: { extensions?: { code?: string } }[] };
          expect(parsed.errors?.[0]?.extensions?.code).toEqual(expect.any(String));
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(stack.calls()).toEqual({ agent: {}, bridge: {} });
    expect(stack.logText()).not.toContain('"msg":"forged"');
    // The run did exercise the refusals (a record of what it saw, for the reader).
    expect([...statuses.keys()].sort()).toEqual(expect.arrayContaining([400, 404, 405, 413, 415]));
  }, 120_000);
});
