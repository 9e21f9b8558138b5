import { randomUUID } from "node:crypto";
import type { Logger } from "../logger";
import type { SharedStore } from "./redis";

const CHANNEL = "gateway:invalidate";

/** A source whose shared data a mutation can make stale (the agent's customer list, say). */
export interface Invalidatable {
  onInvalidate(listener: () => void): void;
  forget(): void;
}

/**
 * Invalidation after mutations, across replicas (API.md §8): a mutation on one replica drops what
 * every other one holds for that upstream, through Redis pub/sub, so that their next read goes to the
 * upstream. Pub/sub needs a connection of its own (a subscribed client may send nothing else). While
 * Redis is unreachable the message is lost; the freshness bounds (2 s for traffic) still end what
 * the other replicas hold.
 */
export class InvalidationChannel {
  private readonly replica = randomUUID();
  private readonly subscriber;
  private readonly sources = new Map<string, Invalidatable>();

  constructor(
    private readonly store: SharedStore,
    private readonly logger: Logger,
  ) {
    this.subscriber = store.client.duplicate();
    this.subscriber.on("error", () => undefined); // SharedStore already says when Redis goes and returns
    this.subscriber.on("message", (_channel: string, text: string) => this.received(text));
    // Commands fail while disconnected (no offline queue): subscribe once connected, and again after
    // every reconnection (idempotent).
    this.subscriber.on("ready", () => void this.subscriber.subscribe(CHANNEL).catch(() => undefined));
  }

  /** Publishes each invalidate() of `source` as `name`, and forgets it when another replica publishes. */
  connect(name: string, source: Invalidatable): void {
    this.sources.set(name, source);
    source.onInvalidate(() => {
      this.store.client
        .publish(CHANNEL, JSON.stringify({ source: name, from: this.replica }))
        .catch(() => this.logger.warn({ source: name }, "Could not tell other replicas of a change"));
    });
  }

  private received(text: string): void {
    let message: { source?: unknown; from?: unknown };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      return;
    }
    if (message.from === this.replica || typeof message.source !== "string") return;
    this.sources.get(message.source)?.forget();
  }

  close(): void {
    this.subscriber.disconnect(false);
  }
}
