// The OpenTelemetry SDK of one process: started first thing in main.ts, flushed on shutdown. Spans are created
// through @opentelemetry/api everywhere else, so code that runs without tracing (tests, the disabled mode) pays
// only for the API's no-op tracer.
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import {
  defaultResource,
  detectResources,
  resourceAttributesEnvDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { tracingConfigFromEnv, type TracingEnv } from './tracing-config';

export interface Tracing {
  readonly enabled: boolean;
  /** Why tracing is off (for the start-up log line); undefined when on. */
  readonly disabledReason: string | undefined;
  readonly serviceName: string | undefined;
  /** Where spans go (OTLP/HTTP protobuf); undefined when off. */
  readonly tracesUrl: string | undefined;
  /** Exports the spans ended so far. */
  forceFlush(): Promise<void>;
  /** Flushes and stops exporting; safe to call more than once. Call before process.exit. */
  shutdown(): Promise<void>;
}

export interface StartTracingOptions {
  /** Environment to read (default process.env). */
  env?: TracingEnv;
  /** Replaces the OTLP exporter (tests). */
  exporter?: SpanExporter;
}

const DISABLED = (reason: string): Tracing => ({
  enabled: false,
  disabledReason: reason,
  serviceName: undefined,
  tracesUrl: undefined,
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
});

let started: Tracing | undefined;

/** The handle startTracing returned in this process, if it was called (for shutdown hooks far from main.ts). */
export function currentTracing(): Tracing | undefined {
  return started;
}

/**
 * Starts tracing for this process, once (later calls return the first handle). Off — nothing registered, no
 * network — unless an OTLP endpoint is configured (see tracingConfigFromEnv). A bad variable throws
 * TracingConfigError naming it.
 */
export function startTracing(defaultServiceName: string, options: StartTracingOptions = {}): Tracing {
  if (started) return started;
  const config = tracingConfigFromEnv(defaultServiceName, options.env ?? process.env);
  if (!config.enabled) {
    started = DISABLED(config.reason);
    return started;
  }
  const resource = defaultResource()
    .merge(detectResources({ detectors: [resourceAttributesEnvDetector] }))
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.serviceName }));
  const exporter = options.exporter ?? new OTLPTraceExporter({ url: config.tracesUrl });
  const provider = new TracerProvider({
    resource,
    sampler: config.sampler,
    spanProcessors: [new BatchSpanProcessor({ exporter, ...config.batch })],
  });
  const contextManager = new AsyncLocalStorageContextManager();
  contextManager.enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  trace.setGlobalTracerProvider(provider);

  let stopping: Promise<void> | undefined;
  started = {
    enabled: true,
    disabledReason: undefined,
    serviceName: config.serviceName,
    tracesUrl: config.tracesUrl,
    forceFlush: () => provider.forceFlush(),
    shutdown: () => (stopping ??= provider.shutdown().catch(() => undefined)),
  };
  return started;
}
