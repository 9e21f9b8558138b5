import { isUpstreamError, type UpstreamError } from "../../src/upstreams/errors";

/**
 * Collects the UpstreamErrors a client test provokes, so that the suite can check at the end that none
 * of them carries a secret or a URL.
 */
export class FailureCollector {
  readonly errors: UpstreamError[] = [];

  /** Awaits a call that must fail with an UpstreamError, and returns it. */
  async failure(p: Promise<unknown>): Promise<UpstreamError> {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!isUpstreamError(err)) throw new Error(`expected an UpstreamError, got ${String(err)}`);
    this.errors.push(err);
    return err;
  }
}
