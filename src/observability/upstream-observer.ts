import { SpanKind, SpanStatusCode, type Tracer } from "@opentelemetry/api";
import type { Logger } from "../logger";
import { isUpstreamError, type UpstreamErrorKind } from "../upstreams/errors";
import type { CallInstrument, UpstreamCall } from "../upstreams/instrument";
import type { UpstreamHealth } from "./health";
import type { GatewayMetrics } from "./metrics";

export interface ObserverDependencies {
  metrics: GatewayMetrics;
  health: UpstreamHealth;
  logger: Logger;
  /** null when tracing is off: then no span is even started. */
  tracer: Tracer | null;
}

function outcomeOf(error: unknown): UpstreamErrorKind | "error" | "cancelled" {
  if (!isUpstreamError(error)) return "error";
  return error.cancelled ? "cancelled" : error.kind;
}

/**
 * The one observer of upstream calls: each attempt is counted and timed (metrics), judged (health),
 * logged when it fails (one `warn` record: upstream, endpoint, kind, HTTP status, attempt — never a URL,
 * header or body) and, with tracing on, wrapped in a client span that is a child of the request's span.
 */
export function createCallInstrument(deps: ObserverDependencies): CallInstrument {
  const { metrics, health, logger, tracer } = deps;

  function observe(
    call: UpstreamCall,
    outcome: "ok" | UpstreamErrorKind | "error" | "cancelled",
    seconds: number,
  ): void {
    const labels = { upstream: call.upstream, endpoint: call.endpoint };
    metrics.upstreamCalls.inc({ ...labels, outcome });
    metrics.upstreamDuration.observe(labels, seconds);
    if (outcome === "cancelled") {
      // Not the upstream's failure: every request that wanted the call had gone (client disconnects).
      logger.info(
        {
          requestId: call.requestId,
          upstream: call.upstream,
          endpoint: call.endpoint,
          attempt: call.attempt,
        },
        "upstream call cancelled",
      );
      return;
    }
    if (outcome !== "error") health.record(call.upstream, outcome);
    if (outcome !== "ok") {
      logger.warn(
        {
          requestId: call.requestId,
          upstream: call.upstream,
          endpoint: call.endpoint,
          errorKind: outcome,
          httpStatus: call.httpStatus ?? null,
          attempt: call.attempt,
        },
        "upstream call failed",
      );
    }
  }

  async function measured<T>(call: UpstreamCall, attempt: (call: UpstreamCall) => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const result = await attempt(call);
      observe(call, "ok", (performance.now() - started) / 1000);
      return result;
    } catch (error) {
      observe(call, outcomeOf(error), (performance.now() - started) / 1000);
      throw error;
    }
  }

  if (tracer === null) return measured;
  return (call, attempt) =>
    tracer.startActiveSpan(
      `${call.upstream} ${call.endpoint}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          "gateway.upstream": call.upstream,
          "gateway.upstream.endpoint": call.endpoint,
          "gateway.upstream.attempt": call.attempt,
        },
      },
      async (span) => {
        try {
          return await measured(call, attempt);
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR });
          span.setAttribute("error.type", outcomeOf(error));
          throw error;
        } finally {
          if (call.httpStatus !== undefined) span.setAttribute("http.response.status_code", call.httpStatus);
          span.end();
        }
      },
    );
}
