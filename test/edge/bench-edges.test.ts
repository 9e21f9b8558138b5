/**
 * The bench's edge comparison (issue 7) is only worth its figures if its standalone handler serves the
 * gateway's own answers and, with `books`, keeps the edge's books: the same data as the Fastify edge for
 * the same query, the caller's request id sent back and in the `graphql request` record with its
 * upstream calls; bare, neither. All three edges of one comparison process, as the bench runs them
 * (`edgeComparison`), over one gateway; the bench switches the request log by the root logger's level.
 */
import { edgeComparison, type ComparisonEdges } from "../../scripts/bench/standalone-edge";
import { createLogger } from "../../src/logger";
import { startSimulators } from "../../src/simulators";
import type { Simulators } from "../../src/simulators/types";
import { coldStart, startStack, type TestStack } from "../support/gateway";

const PAGE = `query Page { customers(first: 5) { totalCount nodes { id userName traffic { rechargedMb remainingMb usedMb } } } }`;

describe("bench: the edges of the edge comparison", () => {
  let sims: Simulators;
  let stack: TestStack;
  let urls: ComparisonEdges;
  let logText = "";
  const logger = createLogger({
    level: "info",
    destination: { write: (line: string) => void (logText += line) },
  });

  /** The `graphql request` records of `requestId`, once the answers' `finish` has been handled. */
  const records = async (requestId: string) => {
    await new Promise((resolve) => setImmediate(resolve));
    return logText
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.msg === "graphql request" && line.requestId === requestId);
  };

  const post = async (url: string, requestId: string) => {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": requestId },
      body: JSON.stringify({ query: PAGE }),
    });
    const body = (await res.json()) as { data?: { customers: { nodes: unknown[] } }; errors?: unknown };
    return { status: res.status, headers: res.headers, ...body };
  };

  beforeAll(async () => {
    sims = await startSimulators({ dataset: { agentCustomers: 300, seed: 7 } });
    const comparison = edgeComparison();
    stack = await startStack({ simulators: sims, start: { edge: comparison.factory, logger } });
    urls = comparison.urls();
  });
  afterAll(async () => {
    await stack.close();
    await sims.close();
  });

  it("answers the same query with the same data as the gateway's edge, on ports of its own", async () => {
    const expected = await post(stack.url, "same-data-fastify");
    expect(expected.errors).toBeUndefined();
    expect(expected.data?.customers.nodes).toHaveLength(5);
    for (const url of [urls.standalone, urls["standalone-books"]]) {
      expect(new URL(url).port).not.toBe(new URL(stack.url).port);
      const answer = await post(url, "same-data");
      expect(answer.status).toBe(200);
      expect(answer.errors).toBeUndefined();
      expect(answer.data).toEqual(expected.data);
    }
  });

  it("with books: sends the request id back and logs the request record with its upstream calls", async () => {
    coldStart(stack);
    const answer = await post(urls["standalone-books"], "bench-edge-test-1");
    expect(answer.headers.get("x-request-id")).toBe("bench-edge-test-1");
    expect(await records("bench-edge-test-1")).toEqual([
      expect.objectContaining({ operationName: "Page", status: 200, calls: { agent: 1 } }),
    ]);
  });

  it("bare: no request id and no request record, as startStandaloneServer had", async () => {
    const answer = await post(urls.standalone, "bench-edge-test-2");
    expect(answer.headers.get("x-request-id")).toBeNull();
    expect(await records("bench-edge-test-2")).toEqual([]);
  });

  it("the request log follows the root logger's level, as the bench switches it in a running gateway", async () => {
    // The edge's request logger was made from the root at start-up.
    logger.level = "warn";
    await post(stack.url, "warn-1");
    await post(urls["standalone-books"], "warn-2");
    expect(await records("warn-1")).toEqual([]);
    expect(await records("warn-2")).toEqual([]);
    logger.level = "info";
    await post(stack.url, "info-1");
    await post(urls["standalone-books"], "info-2");
    expect(await records("info-1")).toHaveLength(1);
    expect(await records("info-2")).toHaveLength(1);
  });
});
