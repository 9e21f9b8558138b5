/** The replica tests' Redis: the same helper the bench's replica workload uses. */
export { ensureRedisServer, startRedis, type TestRedis } from "../../scripts/support/redis";
