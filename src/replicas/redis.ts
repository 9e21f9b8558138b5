import Redis from "ioredis";
import { registerSecrets, type Logger } from "../logger";

export type SharedStoreState = "available" | "unavailable";

/**
 * The connection to the Redis that replicas share (API.md §8). Commands never queue while it is down:
 * each one fails at once, and its caller falls back to this process's own state (the caller rate limit
 * to an in-memory count, APQ to a miss) — the gateway keeps answering. The client reconnects by itself,
 * forever, at most every 2 s; the logs say once when Redis goes and once when it is back.
 */
export class SharedStore {
  readonly client: Redis;
  private available = false;

  constructor(url: string, logger: Logger) {
    const parsed = new URL(url);
    registerSecrets(decodeURIComponent(parsed.password));
    const where = `${parsed.hostname}:${parsed.port || "6379"}`;
    this.client = new Redis(url, {
      // Fail fast while disconnected instead of holding requests on a queue.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 2000,
      // A Redis that accepts the connection but does not answer must not hold a request either.
      commandTimeout: 1000,
      retryStrategy: (attempt) => Math.min(100 * attempt, 2000),
      lazyConnect: false,
    });
    this.client.on("ready", () => {
      if (!this.available)
        logger.info({ redis: where }, "Redis is available: replicas share state through it");
      this.available = true;
    });
    const lost = (error?: Error) => {
      if (this.available) {
        logger.warn(
          { redis: where, err: error },
          "Redis is unavailable: this replica falls back to its own state until it reconnects",
        );
      }
      this.available = false;
    };
    // Every failed reconnection emits "error"; said once per outage (in `lost`), never unhandled.
    this.client.on("error", (error: Error) => lost(error));
    this.client.on("close", () => lost());
  }

  /**
   * Resolves once connected, or after `ms` without (start-up goes on either way: the gateway answers
   * without Redis, and connects when it can).
   */
  whenReady(ms: number): Promise<SharedStoreState> {
    if (this.available) return Promise.resolve("available");
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.client.off("ready", done);
        resolve(this.state);
      };
      const timer = setTimeout(done, ms);
      this.client.once("ready", done);
    });
  }

  get state(): SharedStoreState {
    return this.available ? "available" : "unavailable";
  }

  async close(): Promise<void> {
    this.available = false;
    this.client.disconnect(false);
  }
}
