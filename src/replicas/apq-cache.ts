import type { KeyValueCache, KeyValueCacheSetOptions } from "@apollo/utils.keyvaluecache";
import type { SharedStore } from "./redis";

const PREFIX = "gateway:apq:";

/**
 * Apollo's automatic persisted queries in Redis: a hash one replica registered is known to all of them.
 * Redis being down is a cache miss (the client sends the full document again), never an error.
 */
export class RedisApqCache implements KeyValueCache<string> {
  constructor(private readonly store: SharedStore) {}

  async get(key: string): Promise<string | undefined> {
    try {
      return (await this.store.client.get(PREFIX + key)) ?? undefined;
    } catch {
      return undefined;
    }
  }

  async set(key: string, value: string, options?: KeyValueCacheSetOptions): Promise<void> {
    try {
      const ttl = options?.ttl;
      if (typeof ttl === "number" && ttl > 0) await this.store.client.set(PREFIX + key, value, "EX", ttl);
      else await this.store.client.set(PREFIX + key, value);
    } catch {
      // Not shared this time: the next replica asked for the hash answers PERSISTED_QUERY_NOT_FOUND and
      // the client sends the document again.
    }
  }

  async delete(key: string): Promise<boolean | void> {
    try {
      return (await this.store.client.del(PREFIX + key)) > 0;
    } catch {
      return false;
    }
  }
}
