import { setMaxListeners } from "node:events";
import type { ServerResponse } from "node:http";
import type { ClientLink } from "../upstreams/request-scope";

const LINK = Symbol("gateway client link");

/**
 * The client of one request, for the read path: it has gone when the response closed (the connection
 * ended) without having finished. The abort signal is made only when an upstream call first needs it
 * (a request answered without one never does); a client already gone by then gets an aborted signal.
 * The read path stops the upstream work only this request needed (src/upstreams/reads/).
 *
 * The link points nowhere: the response points to it (one shared `close` listener finds it there), never
 * the other way round. The request's context holds the link, and a context that a young-generation
 * collection finds reachable (a request in flight across two of them, or kept by an object already
 * promoted) must not take the whole HTTP exchange with it into the old generation: a link holding the
 * response (a closure over `res`) made every page request promote ~2.2 KB more (176 KB per scavenge
 * against 68 KB, ~49 requests each, `--trace-gc-nvp`) and cost a mark-compact every few thousand.
 */
class ResponseLink implements ClientLink {
  private closed = false;
  private controller: AbortController | null = null;

  gone(): boolean {
    return this.closed;
  }

  signal(): AbortSignal {
    if (this.closed) return AbortSignal.abort();
    if (this.controller === null) {
      this.controller = new AbortController();
      // Each upstream read the request waits for listens to it (and lets go when the read settles).
      setMaxListeners(0, this.controller.signal);
    }
    return this.controller.signal;
  }

  abort(): void {
    this.closed = true;
    this.controller?.abort();
  }
}

/** `close` of a response (`this`): its client has gone unless the response was finished. */
function onResponseClose(this: ServerResponse & { [LINK]?: ResponseLink }): void {
  if (!this.writableFinished) this[LINK]?.abort();
}

export function clientOf(res: ServerResponse): ClientLink {
  const link = new ResponseLink();
  (res as ServerResponse & { [LINK]?: ResponseLink })[LINK] = link;
  res.on("close", onResponseClose);
  return link;
}
