import { createHash } from "node:crypto";
import { Mutex } from "redis-semaphore";
import type { Logger } from "../logger";
import { systemClock, type Clock } from "../upstreams/reads/clock";
import type {
  SharedAnswer,
  SharedRead,
  SharedReadOptions,
  SharedReads,
} from "../upstreams/reads/shared-reads";
import type { SharedStore } from "./redis";

/** v1: the layout below; a later layout takes another prefix, so replicas of two versions never mix. */
const PREFIX = "gateway:reads:v1:";

/**
 * How long a claim on a read lasts unless its holder renews it: how soon the others take over from a
 * replica that died in the middle of a read. Renewed three times as often as that, so that a busy event
 * loop does not lose it; the others look for the answer (or a lapsed claim) every POLL_MS.
 */
const CLAIM_MS = 2000;
const RENEW_MS = 600;
const POLL_MS = 20;

/**
 * A claim's key: the answer's key and this suffix, under redis-semaphore's own prefix ("mutex:", which
 * HELD names too).
 */
const CLAIM = ":claim";

/**
 * The generation of the source (bumped by every mutation: answers of an older one are never read), and
 * the answer of the current generation when its data is not older than ARGV[3]; else the generation
 * alone. One step, so that a mutation cannot fall between reading the generation and the answer.
 * (The answer's key is made here from the generation: a single Redis, not a Cluster.)
 */
const LOOKUP = `
local generation = redis.call('GET', KEYS[1]) or '0'
local key = ARGV[1] .. generation .. ':' .. ARGV[2]
local at = redis.call('HGET', key, 'at')
if at and tonumber(at) >= tonumber(ARGV[3]) then
  return {generation, redis.call('HGETALL', key)}
end
return {generation}
`;

/** Whether the answer is held (ARGV as LOOKUP's) or claimed by a replica making it now (ARGV[4]: the claim's suffix). */
const HELD = `
local generation = redis.call('GET', KEYS[1]) or '0'
local key = ARGV[1] .. generation .. ':' .. ARGV[2]
local at = redis.call('HGET', key, 'at')
if at and tonumber(at) >= tonumber(ARGV[3]) then return 1 end
return redis.call('EXISTS', 'mutex:' .. key .. ARGV[4])
`;

interface Found {
  generation: string;
  answer: SharedAnswer | null;
}

function digest(text: string, length: number): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/** HGETALL's field/value list → the answer: `at`, `pages`, then each page's text under its index. */
function answerOf(fields: readonly string[]): SharedAnswer | null {
  const byName = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) byName.set(fields[i] as string, fields[i + 1] as string);
  const at = Number(byName.get("at"));
  const pages = Number(byName.get("pages"));
  if (!Number.isFinite(at) || !Number.isSafeInteger(pages)) return null;
  const texts: string[] = [];
  for (let i = 0; i < pages; i++) {
    const text = byName.get(String(i));
    if (text === undefined) return null;
    texts.push(text);
  }
  return { at, texts };
}

/**
 * One list source's reads shared by every replica through Redis (API.md §8): the upstream's answer
 * texts, under the source's generation and the read's key (page parameters, or a whole scan), expiring at
 * the freshness bound. A read no replica holds is claimed (redis-semaphore's Mutex: SET NX PX with an
 * owner token, renewed while the read runs); the others wait for the claim to end and read the answer,
 * or, when its holder died and the claim lapsed, one of them claims it and reads. Redis never holds a
 * request: unreachable, slow (the connection's command timeout) or failing, the read is made here at once.
 */
export class RedisSharedReads implements SharedReads {
  private readonly prefix: string;
  private readonly generationKey: string;

  /**
   * `identity`: what the source's data depends on (its upstream's address and credential), so that
   * gateways of two deployments sharing one Redis never read each other's answers.
   */
  constructor(
    private readonly store: SharedStore,
    identity: string,
    private readonly logger: Logger,
    private readonly clock: Clock = systemClock,
  ) {
    this.prefix = `${PREFIX}${digest(identity, 16)}:`;
    this.generationKey = `${this.prefix}generation`;
  }

  private async lookup(id: string, notBefore: number): Promise<Found> {
    const reply = (await this.store.client.eval(
      LOOKUP,
      1,
      this.generationKey,
      this.prefix,
      id,
      String(notBefore),
    )) as [string, string[]?];
    const [generation, fields] = reply;
    return { generation, answer: fields === undefined ? null : answerOf(fields) };
  }

  /** Offers the answer to the other replicas until its data reaches the freshness bound. */
  private async offer(generation: string, id: string, answer: SharedAnswer, keepMs: number): Promise<void> {
    const ttl = Math.floor(answer.at + keepMs - this.clock.now());
    if (ttl <= 0) return;
    const key = `${this.prefix}${generation}:${id}`;
    const fields: string[] = ["at", String(answer.at), "pages", String(answer.texts.length)];
    answer.texts.forEach((text, i) => fields.push(String(i), text));
    await this.store.client
      .multi()
      .del(key)
      .hset(key, ...fields)
      .pexpire(key, ttl)
      .exec();
  }

  async read<T>(
    key: string,
    options: SharedReadOptions,
    read: () => Promise<{ value: T; answer: SharedAnswer }>,
  ): Promise<SharedRead<T>> {
    const here = async (): Promise<SharedRead<T>> => ({ own: true, value: (await read()).value });
    if (this.store.state !== "available") return here();
    const id = digest(key, 32);
    let found: Found;
    try {
      found = await this.lookup(id, options.notBefore);
    } catch {
      return here();
    }
    if (found.answer !== null) return { own: false, answer: found.answer };
    const claim = new Mutex(this.store.client, `${this.prefix}${found.generation}:${id}${CLAIM}`, {
      lockTimeout: CLAIM_MS,
      refreshInterval: RENEW_MS,
      retryInterval: POLL_MS,
      // At least one attempt, and no waiting past the caller's bound.
      acquireTimeout: Math.max(POLL_MS, options.waitUntil - Date.now()),
      // Lost (a stall longer than CLAIM_MS, Redis restarted): the read goes on; another replica may
      // make the same read meanwhile, which costs calls but never correctness.
      onLockLost: () => undefined,
    });
    let claimed: boolean;
    try {
      claimed = await claim.tryAcquire(options.signal);
    } catch {
      options.signal?.throwIfAborted();
      return here();
    }
    // The holder did not finish before the caller's bound: read here (and offer what was read).
    if (!claimed) return this.readAndOffer(found.generation, id, options, read);
    const release = () => void claim.release().catch(() => undefined);
    try {
      // The replica that held the claim before may have shared its answer meanwhile.
      const again = await this.lookup(id, options.notBefore).catch(() => null);
      if (again?.answer) {
        release();
        return { own: false, answer: again.answer };
      }
      const made = await read();
      if (again === null) release();
      else
        void this.offer(again.generation, id, made.answer, options.keepMs)
          .catch(() => undefined)
          .finally(release);
      return { own: true, value: made.value };
    } catch (error) {
      release();
      throw error;
    }
  }

  private async readAndOffer<T>(
    generation: string,
    id: string,
    options: SharedReadOptions,
    read: () => Promise<{ value: T; answer: SharedAnswer }>,
  ): Promise<SharedRead<T>> {
    const made = await read();
    void this.offer(generation, id, made.answer, options.keepMs).catch(() => undefined);
    return { own: true, value: made.value };
  }

  async held(key: string, notBefore: number): Promise<boolean> {
    if (this.store.state !== "available") return false;
    try {
      const reply = await this.store.client.eval(
        HELD,
        1,
        this.generationKey,
        this.prefix,
        digest(key, 32),
        String(notBefore),
        CLAIM,
      );
      return reply === 1;
    } catch {
      return false;
    }
  }

  async invalidate(): Promise<void> {
    // Redis is away (said once by SharedStore): the other replicas cannot read from it either, and
    // what they hold ends with the freshness bounds.
    if (this.store.state !== "available") return;
    try {
      await this.store.client.incr(this.generationKey);
    } catch {
      this.logger.warn("Could not tell other replicas that their shared reads are out of date");
    }
  }
}
