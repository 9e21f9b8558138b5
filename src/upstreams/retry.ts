import { setTimeout as sleep } from "node:timers/promises";
import { isUpstreamError, UpstreamError } from "./errors";

/**
 * Retries for READ calls only (mutations are GETs with side effects and are never retried): exponential
 * backoff with full jitter, never past the call's deadline, honouring the upstream's Retry-After.
 */
export interface RetryOptions {
  /** Attempts in total, the first included. */
  maxAttempts: number;
  /** Backoff ceiling of the first retry; doubles with each further retry. */
  baseDelayMs: number;
  /** Largest backoff ceiling. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 2_000 };

export interface RetryContext {
  deadline: number;
  signal?: AbortSignal;
  options: RetryOptions;
  /** Whether this error may be retried at all (beyond the generic kind check). */
  retryable?: (err: UpstreamError) => boolean;
  /** Injectable for tests: a number in [0, 1). */
  random?: () => number;
}

/** Kinds that a fresh attempt can cure. auth_failed, bad_response and rejected never are. */
export function isTransient(err: UpstreamError): boolean {
  return err.kind === "timeout" || err.kind === "unavailable" || err.kind === "rate_limited";
}

/** Backoff before retry number `retry` (1-based): full jitter under an exponential ceiling. */
export function backoffDelay(
  retry: number,
  options: RetryOptions,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}

export async function withRetries<T>(
  attempt: (attemptNo: number) => Promise<T>,
  ctx: RetryContext,
): Promise<T> {
  const maxAttempts = Math.max(1, ctx.options.maxAttempts);
  for (let attemptNo = 1; ; attemptNo++) {
    try {
      return await attempt(attemptNo);
    } catch (err) {
      if (!isUpstreamError(err) || attemptNo >= maxAttempts || !isTransient(err)) throw err;
      // An open circuit stays open for seconds: waiting a backoff for it only delays the answer.
      if (err.circuitOpen) throw err;
      if (ctx.retryable && !ctx.retryable(err)) throw err;
      if (ctx.signal?.aborted) throw err;
      const delay = Math.max(backoffDelay(attemptNo, ctx.options, ctx.random), err.retryAfterMs ?? 0);
      // A retry that cannot finish before the deadline only adds load: give the caller the real cause now.
      if (Date.now() + delay >= ctx.deadline) throw err;
      if (delay > 0) await sleep(delay, undefined, { signal: ctx.signal }).catch(() => undefined);
      if (ctx.signal?.aborted) throw err;
    }
  }
}
