import { context, propagation, SpanKind, trace, type Tracer } from "@opentelemetry/api";
import type { RequestHandler } from "express";
import type { Logger } from "../logger";
import type { GatewayMetrics } from "../observability/metrics";
import { newRequestRecord } from "../observability/request-record";
import type { Lifecycle } from "./lifecycle";
import { edgeLocals } from "./locals";

/**
 * One `info` record and the request metrics per GraphQL request, whatever became of it (answered,
 * refused at the edge, or abandoned by the client): request id, trace id, operation, duration, HTTP
 * status, error codes, upstream calls by upstream and the caller's `sub` (API.md §6).
 */
export function observeRequests(deps: {
  logger: Logger;
  metrics: GatewayMetrics;
  lifecycle: Lifecycle;
}): RequestHandler {
  return (_req, res, next) => {
    const started = performance.now();
    const record = newRequestRecord();
    edgeLocals(res).record = record;
    deps.lifecycle.requestStarted();
    if (deps.lifecycle.isDraining) res.setHeader("connection", "close");
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      deps.lifecycle.requestEnded();
      const seconds = (performance.now() - started) / 1000;
      const operationType = record.operationType ?? "unknown";
      const outcome = !res.writableFinished
        ? "aborted"
        : (record.errorCodes[0] ?? (res.statusCode >= 400 ? "error" : "ok"));
      deps.metrics.requests.inc({ operation_type: operationType, outcome });
      deps.metrics.requestDuration.observe({ operation_type: operationType }, seconds);
      const { span, requestId, caller } = edgeLocals(res);
      if (span) {
        span.updateName(
          record.operationType ? `${record.operationType} ${record.operationName ?? "anonymous"}` : "graphql",
        );
        if (record.operationType) span.setAttribute("graphql.operation.type", record.operationType);
        if (record.operationName) span.setAttribute("graphql.operation.name", record.operationName);
        span.setAttribute("http.response.status_code", res.statusCode);
        span.setAttribute("gateway.request_id", requestId);
        span.end();
      }
      deps.logger.info(
        {
          requestId,
          traceId: span?.spanContext().traceId,
          operationName: record.operationName,
          operationType: record.operationType,
          durationMs: Math.round(seconds * 10_000) / 10,
          status: res.statusCode,
          errorCodes: record.errorCodes,
          calls: record.calls,
          sub: caller?.sub ?? null,
          ...(record.refused === null ? {} : { refused: record.refused }),
        },
        "graphql request",
      );
    };
    res.once("finish", finish);
    res.once("close", finish);
    next();
  };
}

/**
 * Continues an incoming W3C `traceparent` with one SERVER span per GraphQL request, made the active
 * context for everything after it (so upstream spans are its children). Mounted after the body parser:
 * a stream's callbacks would otherwise run outside the span's context.
 */
export function traceContext(tracer: Tracer | null): RequestHandler {
  if (tracer === null) return (_req, _res, next) => next();
  return (req, res, next) => {
    const parent = propagation.extract(context.active(), req.headers);
    const span = tracer.startSpan(
      "graphql",
      { kind: SpanKind.SERVER, attributes: { "http.request.method": req.method } },
      parent,
    );
    edgeLocals(res).span = span;
    context.with(trace.setSpan(parent, span), next);
  };
}
