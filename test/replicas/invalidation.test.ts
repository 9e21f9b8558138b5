import { startSimulators, type Simulators } from "../../src/simulators";
import { startStack, type TestStack } from "../support/gateway";
import { startRedis, type TestRedis } from "../support/redis";

/** A mutation on one replica: the others serve the change on their next read (API.md §8). */

const TOTAL = `{ customers(first: 1) { totalCount } }`;

describe("invalidation across replicas", () => {
  let redis: TestRedis;
  let sims: Simulators;
  let a: TestStack;
  let b: TestStack;
  beforeAll(async () => {
    redis = await startRedis();
    sims = await startSimulators({ dataset: { agentCustomers: 300, seed: 7 } });
    // Reads are reusable for a minute: without invalidation, b would answer from what it holds.
    const env = {
      REDIS_URL: redis.url,
      GATEWAY_TRAFFIC_MAX_AGE_MS: "60000",
      GATEWAY_CALLER_RATE_LIMIT_PER_MIN: "0",
    };
    [a, b] = await Promise.all([
      startStack({ env, simulators: sims }),
      startStack({ env, simulators: sims }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await sims?.close();
    await redis?.close();
  });

  it("addUser on one replica shows on the other's next read", async () => {
    const before = (await b.gql(TOTAL)).data.customers.totalCount as number;
    sims.agent.log.reset();
    // Held by b: no call for the same read again.
    expect((await b.gql(TOTAL)).data.customers.totalCount).toBe(before);
    expect(sims.agent.log.arrivals()).toBe(0);
    const added = await a.gql(
      `mutation { addUser(userName: "replica.test@example.com") { customer { userName } userErrors { code } } }`,
    );
    expect(added.errors).toBeUndefined();
    expect(added.data.addUser.userErrors).toEqual([]);
    expect((await b.gql(TOTAL)).data.customers.totalCount).toBe(before + 1);
  });
});
