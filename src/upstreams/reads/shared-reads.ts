/**
 * Where replicas share what a read fetched (API.md §8), injected into the list source like the budget's
 * store: src/replicas/shared-reads.ts keeps it in Redis. Without one (no REDIS_URL) nothing is shared and
 * the list source reads as a single process does.
 *
 * What is shared is the upstream's answer texts, exactly as received, never decoded rows: a replica that
 * reads them back decodes them with the same lossless decoder as the one that fetched them, so ids beyond
 * 2^53 and decimals keep their exact text, and no second format has to agree with the first.
 */

/** The answers of one read: one page, or every page of a scan in page order. */
export interface SharedAnswer {
  /** When the oldest of its calls started (the source's clock): the age of its data. */
  at: number;
  texts: string[];
}

export interface SharedReadOptions {
  /** An answer whose data is older than this (its `at` before it) is not used. */
  notBefore: number;
  /** How long after its `at` the answer may serve other replicas, ms: the freshness bound. */
  keepMs: number;
  /**
   * Until when (Date.now()) to wait for another replica that is making the same read; then it is made
   * here (the list source keeps enough time before the request's deadline for that).
   */
  waitUntil: number;
  /** The caller went away: stop waiting. */
  signal?: AbortSignal;
}

/** Made here (`value` is what the read gave this process), or read back from another replica's answer. */
export type SharedRead<T> = { own: true; value: T } | { own: false; answer: SharedAnswer };

export interface SharedReads {
  /**
   * The answer of `key`: one another replica made (fresh enough for `notBefore`), or, while one is
   * making it, that one once made; otherwise `read` runs here and its answer is offered to the others.
   * Never fails for the store's sake: while the store cannot be reached, `read` runs here at once.
   */
  read<T>(
    key: string,
    options: SharedReadOptions,
    read: () => Promise<{ value: T; answer: SharedAnswer }>,
  ): Promise<SharedRead<T>>;
  /**
   * Whether the answer of `key` (fresh enough for `notBefore`) is held, or being made by a replica now:
   * reading it would cost no call. False when the store cannot say.
   */
  held(key: string, notBefore: number): Promise<boolean>;
  /** After a mutation: no replica may use an answer made before it (resolves once the store says so). */
  invalidate(): Promise<void>;
}
