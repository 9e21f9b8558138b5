import type { UpstreamName } from "./errors";

/**
 * One attempt of one upstream call, as the clients report it to whoever observes them (metrics, logs,
 * traces, health): never a URL, query string, header or body — only what is safe to show an operator.
 */
export interface UpstreamCall {
  readonly upstream: UpstreamName;
  /** The logical endpoint, e.g. "customer.list", "updatePwd", "customer.page". */
  readonly endpoint: string;
  /** 1 for the first attempt, 2.. for retries. */
  readonly attempt: number;
  /** The GraphQL request that caused the call, when one did. */
  readonly requestId?: string;
  /** Set by the client once the answer's status line is in. */
  httpStatus?: number;
}

/**
 * Wraps each attempt (send, status and envelope checks, decoding): its outcome is known only when the
 * envelope inside an HTTP 200 has been judged. Observers are composed outside upstreams/ (src/observability/),
 * so that this folder depends on no metrics or tracing library.
 */
export type CallInstrument = <T>(
  call: UpstreamCall,
  attempt: (call: UpstreamCall) => Promise<T>,
) => Promise<T>;

export const uninstrumented: CallInstrument = (call, attempt) => attempt(call);
