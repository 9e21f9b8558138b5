/**
 * The bench's edge comparison (issue 7) is only worth its figures if its standalone handler serves the
 * gateway's own answers and, with `books`, keeps the edge's books: the same data as the Fastify edge for
 * the same query, the caller's request id sent back and in the `graphql request` record with its
 * upstream calls; bare, neither.
 */
import { startSimulators } from "../../src/simulators";
import type { Simulators } from "../../src/simulators/types";
import { edgeComparison, standaloneEdge } from "../../scripts/bench/standalone-edge";
import { createLogger } from "../../src/logger";
import { coldStart, startStack, type TestStack } from "../support/gateway";

const PAGE = `query Page { customers(first: 5) { totalCount nodes { id userName traffic { rechargedMb remainingMb usedMb } } } }`;

describe("bench: the standalone edge of the edge comparison", () => {
  let sims: Simulators;
  let fastify: TestStack;
  let books: TestStack;
  let bare: TestStack;

  beforeAll(async () => {
    sims = await startSimulators({ dataset: { agentCustomers: 300, seed: 7 } });
    fastify = await startStack({ simulators: sims });
    books = await startStack({ simulators: sims, start: { edge: standaloneEdge({ books: true }) } });
    bare = await startStack({ simulators: sims, start: { edge: standaloneEdge({ books: false }) } });
  });
  afterAll(async () => {
    await Promise.all([fastify, books, bare].map((stack) => stack.close()));
    await sims.close();
  });

  it("answers the same query with the same data as the gateway's edge", async () => {
    const expected = await fastify.gql(PAGE);
    expect(expected.errors).toBeUndefined();
    expect(expected.data.customers.nodes).toHaveLength(5);
    for (const stack of [books, bare]) {
      const answer = await stack.gql(PAGE);
      expect(answer.status).toBe(200);
      expect(answer.errors).toBeUndefined();
      expect(answer.data).toEqual(expected.data);
    }
  });

  it("with books: sends the request id back and logs the request record with its upstream calls", async () => {
    coldStart(books);
    const answer = await books.gql(PAGE, undefined, { "x-request-id": "bench-edge-test-1" });
    expect(answer.headers.get("x-request-id")).toBe("bench-edge-test-1");
    // The record is written when the response finished, before its last byte reached this client.
    await new Promise((resolve) => setImmediate(resolve));
    const record = books
      .logs()
      .find((line) => line.msg === "graphql request" && line.requestId === "bench-edge-test-1");
    expect(record).toMatchObject({ operationName: "Page", status: 200, calls: { agent: 1 } });
  });

  it("bare: no request id and no request record, as startStandaloneServer had", async () => {
    const answer = await bare.gql(PAGE, undefined, { "x-request-id": "bench-edge-test-2" });
    expect(answer.headers.get("x-request-id")).toBeNull();
    await new Promise((resolve) => setImmediate(resolve));
    expect(bare.logs().filter((line) => line.msg === "graphql request")).toEqual([]);
  });

  it("all in one process: the standalone handlers on ports of their own, the request log follows the root logger's level", async () => {
    let logText = "";
    const logger = createLogger({
      level: "warn",
      destination: { write: (line: string) => void (logText += line) },
    });
    const comparison = edgeComparison();
    const all = await startStack({ simulators: sims, start: { edge: comparison.factory, logger } });
    try {
      const post = async (url: string, requestId: string) => {
        const res = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", "x-request-id": requestId },
          body: JSON.stringify({ query: PAGE }),
        });
        return { res, body: (await res.json()) as { data?: unknown } };
      };
      const expected = await fastify.gql(PAGE);
      const urls = comparison.urls();
      expect(new URL(urls.standalone).port).not.toBe(new URL(all.url).port);
      for (const url of [all.url, urls.standalone, urls["standalone-books"]]) {
        const { res, body } = await post(url, "warn-1");
        expect(res.status).toBe(200);
        expect(body.data).toEqual(expected.data);
      }
      const recorded = (requestId: string) =>
        logText
          .split("\n")
          .filter((line) => line !== "")
          .map((line) => JSON.parse(line) as Record<string, unknown>)
          .filter((line) => line.msg === "graphql request" && line.requestId === requestId);
      await new Promise((resolve) => setImmediate(resolve));
      expect(recorded("warn-1")).toEqual([]);
      // The bench switches the root logger's level in a running gateway: the edge's request logger, made
      // from it at start-up, must follow.
      logger.level = "info";
      await post(all.url, "info-1");
      await post(urls["standalone-books"], "info-2");
      await new Promise((resolve) => setImmediate(resolve));
      expect(recorded("info-1")).toHaveLength(1);
      expect(recorded("info-2")).toHaveLength(1);
      logger.level = "warn";
      await post(all.url, "warn-2");
      await new Promise((resolve) => setImmediate(resolve));
      expect(recorded("warn-2")).toEqual([]);
    } finally {
      await all.close();
    }
  });
});
