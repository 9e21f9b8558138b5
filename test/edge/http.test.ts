import { request as httpRequest } from "node:http";
import { startStack, type TestStack } from "../support/gateway";

interface RawAnswer {
  status: number;
  headers: Headers;
  text: string;
}

async function raw(url: string, init: RequestInit): Promise<RawAnswer> {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** Every refusal at the edge: JSON in the GraphQL shape, the code, the request id, no HTML, no stack. */
function expectEdgeRefusal(answer: RawAnswer, status: number, code: string): void {
  expect(answer.status).toBe(status);
  expect(answer.headers.get("content-type")).toMatch(/^application\/json/);
  expect(answer.headers.get("x-request-id")).toBeTruthy();
  expect(answer.text).not.toMatch(/<html|<!DOCTYPE|<pre|\n\s+at |node_modules|\/src\//i);
  const body = JSON.parse(answer.text) as {
    errors: { message: string; extensions: { code: string } }[];
    data?: unknown;
  };
  expect(body.data).toBeUndefined();
  expect(body.errors).toHaveLength(1);
  expect(body.errors[0]?.extensions.code).toBe(code);
}

describe("the HTTP edge", () => {
  let stack: TestStack;
  let stderr: jest.SpyInstance;
  beforeAll(async () => {
    stack = await startStack({
      env: { GATEWAY_MAX_BODY_BYTES: "4096", GATEWAY_CORS_ORIGINS: "https://app.example" },
    });
  });
  afterAll(() => stack.close());
  beforeEach(() => {
    stack.resetCalls();
    stderr = jest.spyOn(process.stderr, "write");
  });
  afterEach(() => {
    // Nothing the edge refuses is printed by a framework handler (with a stack and the raw body).
    expect(stderr).not.toHaveBeenCalled();
    stderr.mockRestore();
    expect(stack.calls()).toEqual({ agent: {}, bridge: {} });
  });

  const post = (body: string, headers: Record<string, string> = {}) =>
    raw(stack.url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });

  it("refuses a body that is not JSON with 400 BAD_REQUEST, logging one line without the body", async () => {
    const forged = '{"query": "{ x }"\n{"level":"fatal","msg":"forged record"}';
    const answer = await post(forged, { "x-request-id": "edge-test-1" });
    expectEdgeRefusal(answer, 400, "BAD_REQUEST");
    expect(answer.headers.get("x-request-id")).toBe("edge-test-1");
    expect(stack.logText()).not.toContain("forged record");
    const line = stack.logs().find((r) => r.requestId === "edge-test-1");
    expect(line).toMatchObject({ refused: "body.invalid_json", status: 400 });
  });

  it("refuses a body over GATEWAY_MAX_BODY_BYTES with 413", async () => {
    const big = JSON.stringify({
      query: `{ customers { totalCount } }`,
      variables: { pad: "x".repeat(5000) },
    });
    expectEdgeRefusal(await post(big), 413, "BAD_REQUEST");
  });

  it("refuses other content types with 415 and other methods with 405", async () => {
    expectEdgeRefusal(
      await post("query=%7Bx%7D", { "content-type": "application/x-www-form-urlencoded" }),
      415,
      "BAD_REQUEST",
    );
    expectEdgeRefusal(
      await post("{ customers { totalCount } }", { "content-type": "text/plain" }),
      415,
      "BAD_REQUEST",
    );
    const put = await raw(stack.url, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expectEdgeRefusal(put, 405, "BAD_REQUEST");
    expect(put.headers.get("allow")).toBe("GET, POST");
    expectEdgeRefusal(await raw(stack.url, { method: "DELETE" }), 405, "BAD_REQUEST");
  });

  it("refuses batched requests and JSON that is not an object", async () => {
    expectEdgeRefusal(
      await post(JSON.stringify([{ query: "{ __typename }" }, { query: "{ __typename }" }])),
      400,
      "BAD_REQUEST",
    );
    expectEdgeRefusal(await post('"{ __typename }"'), 400, "BAD_REQUEST");
    expectEdgeRefusal(await post("42"), 400, "BAD_REQUEST");
  });

  it("answers 400 BAD_REQUEST, not a server error, for a body without a query", async () => {
    const answer = await post(JSON.stringify({ variables: {} }));
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text).errors[0].extensions.code).toBe("BAD_REQUEST");
  });

  it("answers every other path with a JSON 404", async () => {
    for (const path of [
      "/",
      "/graphiql",
      "/graphql/extra",
      "/graphql/",
      "/GraphQL",
      "/.env",
      "/%2e%2e/etc/passwd",
    ]) {
      expectEdgeRefusal(
        await raw(new URL(path, stack.url).toString(), { method: "GET" }),
        404,
        "BAD_REQUEST",
      );
    }
  });

  it("never answers a body shorter than its Content-Length with a 5xx", async () => {
    const { port } = new URL(stack.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host: "127.0.0.1",
          port,
          path: "/graphql",
          method: "POST",
          headers: { "content-type": "application/json", "content-length": "10" },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.end("{}"); // shorter than announced: the body is never complete
      setTimeout(() => req.destroy(), 300);
    }).catch(() => 0);
    // Either the connection was dropped or the answer is a refusal; never a 5xx.
    expect(status < 500).toBe(true);
  });

  describe("CORS", () => {
    const preflight = (origin: string) =>
      raw(stack.url, {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type, authorization",
        },
      });

    it("allows a listed origin, exposing x-request-id, and answers its preflight", async () => {
      const answer = await post(JSON.stringify({ query: "{ __typename }" }), {
        origin: "https://app.example",
      });
      expect(answer.status).toBe(200);
      expect(answer.headers.get("access-control-allow-origin")).toBe("https://app.example");
      expect(answer.headers.get("access-control-expose-headers")).toContain("x-request-id");
      expect(answer.headers.get("vary")).toMatch(/origin/i);
      const pre = await preflight("https://app.example");
      expect(pre.status).toBe(204);
      expect(pre.headers.get("access-control-allow-origin")).toBe("https://app.example");
      expect(pre.headers.get("access-control-allow-methods")).toContain("POST");
      expect(pre.headers.get("access-control-allow-headers")).toMatch(/authorization/i);
    });

    it("gives an origin that is not listed no Access-Control-Allow-Origin, in the answer or the preflight", async () => {
      const answer = await post(JSON.stringify({ query: "{ __typename }" }), {
        origin: "https://evil.example",
      });
      expect(answer.headers.get("access-control-allow-origin")).toBeNull();
      const pre = await preflight("https://evil.example");
      expect(pre.headers.get("access-control-allow-origin")).toBeNull();
    });
  });
});

describe("CORS defaults", () => {
  it.each([
    [{}, "*"],
    [{ NODE_ENV: "production", GATEWAY_ALLOW_SIMULATORS: "1" }, null],
    [{ NODE_ENV: "production", GATEWAY_ALLOW_SIMULATORS: "1", GATEWAY_CORS_ORIGINS: "*" }, "*"],
  ])("with %o allows %s", async (env, expected) => {
    const stack = await startStack({ env: env as Record<string, string> });
    try {
      const res = await fetch(stack.url, {
        method: "POST",
        headers: { "content-type": "application/json", origin: "https://anywhere.example" },
        body: JSON.stringify({ query: "{ __typename }" }),
      });
      expect(res.headers.get("access-control-allow-origin")).toBe(expected);
    } finally {
      await stack.close();
    }
  });
});
