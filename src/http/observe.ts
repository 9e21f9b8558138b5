import { context, propagation, SpanKind, trace, type Tracer } from "@opentelemetry/api";
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from "fastify";
import type { ServerResponse } from "node:http";
import { redact, requestLogger, type Logger } from "../logger";
import type { GatewayMetrics } from "../observability/metrics";
import { newRequestRecord } from "../observability/request-record";
import type { Lifecycle } from "./lifecycle";
import type { EdgeLocals } from "./locals";

/** A GraphQL name as sent (up to 128 characters); anything else the caller put there is not repeated. */
function operationNameOf(name: string | null | undefined): string | null | undefined {
  if (name === null || name === undefined) return name;
  return /^[_A-Za-z][_0-9A-Za-z]{0,127}$/.test(name) ? name : "(not a GraphQL name)";
}

type Hook = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;

/** What observing one request needs from the gateway. */
export interface ObserveDependencies {
  logger: Logger;
  metrics: GatewayMetrics;
  lifecycle: Lifecycle;
}

/**
 * One `info` record and the request metrics per GraphQL request, whatever became of it (answered,
 * refused at the edge, or abandoned by the client): request id, trace id, operation, duration, HTTP
 * status, error codes, upstream calls by upstream and the caller's `sub` (API.md §6). Framework-free:
 * `observeRequests` is the edge's hook around it, and the bench's standalone handler uses it too, so that
 * the two edges it compares keep the same books (scripts/bench/standalone-edge.ts). Returns whether the
 * connection should close after the answer (the gateway is draining).
 */
export function observeExchange(
  deps: ObserveDependencies,
  log: Logger,
  requestId: string,
  locals: EdgeLocals,
  res: ServerResponse,
): boolean {
  const started = performance.now();
  const record = newRequestRecord();
  locals.record = record;
  deps.lifecycle.requestStarted();
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    deps.lifecycle.requestEnded();
    const seconds = (performance.now() - started) / 1000;
    const operationType = record.operationType ?? "unknown";
    const outcome = !res.writableFinished
      ? "aborted"
      : (record.errorCodes[0] ?? (res.statusCode >= 400 ? "error" : "ok"));
    deps.metrics.recordRequest(operationType, outcome, seconds);
    const { span, caller } = locals;
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
    log.info(
      {
        requestId,
        traceId: span?.spanContext().traceId,
        operationName: operationNameOf(record.operationName),
        operationType: record.operationType,
        durationMs: Math.round(seconds * 10_000) / 10,
        status: res.statusCode,
        errorCodes: record.errorCodes,
        calls: record.calls,
        sub: caller?.sub ?? null,
        ...(record.refused === null ? {} : { refused: redact(record.refused) }),
        // The client went away before its answer was finished (its upstream work was cancelled).
        ...(res.writableFinished ? {} : { aborted: true }),
      },
      "graphql request",
    );
  };
  res.once("finish", finish);
  res.once("close", finish);
  return deps.lifecycle.isDraining;
}

/** `observeExchange` as the first step of /graphql in the edge (src/http/app.ts). */
export function observeRequests(deps: ObserveDependencies): Hook {
  const log = requestLogger(deps.logger);
  return (request, reply, done) => {
    if (observeExchange(deps, log, request.id, request.edge, reply.raw)) reply.header("connection", "close");
    done();
  };
}

/**
 * Continues an incoming W3C `traceparent` with one SERVER span per GraphQL request, made the active
 * context for everything after it (so upstream spans are its children). Runs once the body is parsed:
 * the body stream's callbacks would otherwise run outside the span's context.
 */
export function traceContext(tracer: Tracer | null): Hook | null {
  if (tracer === null) return null;
  return (request, _reply, done) => {
    const parent = propagation.extract(context.active(), request.headers);
    const span = tracer.startSpan(
      "graphql",
      { kind: SpanKind.SERVER, attributes: { "http.request.method": request.method } },
      parent,
    );
    request.edge.span = span;
    context.with(trace.setSpan(parent, span), done);
  };
}
