import { context, propagation, trace, type Tracer } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";

export const TRACER_NAME = "traffic-bridge-gateway";

export interface Tracing {
  tracer: Tracer;
  /** Exports what is buffered and stops (on shutdown). */
  shutdown(): Promise<void>;
}

/**
 * Process-wide OpenTelemetry set-up, done once at start-up when tracing is configured: spans go out over
 * OTLP/HTTP (the exporter reads OTEL_EXPORTER_OTLP_* itself), W3C `traceparent` is continued, and the
 * context follows async work (AsyncLocalStorage), so upstream spans become children of the request's.
 * Nothing is auto-instrumented: an instrumented HTTP client would record upstream URLs, whose query
 * strings carry passwords.
 */
export function startTracing(serviceName: string): Tracing {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": serviceName }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  return {
    tracer: provider.getTracer(TRACER_NAME),
    shutdown: () => provider.shutdown(),
  };
}
