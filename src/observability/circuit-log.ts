import type { Logger } from "../logger";
import type { CircuitChange } from "../upstreams/breaker";

/**
 * One `warn` when a circuit stops calls, one `info` when a probe succeeded and calls resume: the
 * upstream, the endpoint (absent for an upstream's credentials), the kind of failure and for how long.
 * Never a URL, token, key or upstream body — the change carries none.
 */
export function logCircuitChange(logger: Logger, change: CircuitChange): void {
  const fields = {
    upstream: change.upstream,
    circuit: change.endpoint ?? "credentials",
    ...(change.endpoint !== undefined ? { endpoint: change.endpoint } : {}),
  };
  if (change.change === "opened") {
    logger.warn(
      { ...fields, errorKind: change.cause ?? null, openForMs: change.openForMs ?? null },
      change.endpoint === undefined
        ? "upstream circuit opened: credentials refused, calls to this upstream stopped"
        : "upstream circuit opened: calls to this endpoint stopped after repeated failures",
    );
  } else {
    logger.info(fields, "upstream circuit closed: the probe call succeeded, calls resume");
  }
}
