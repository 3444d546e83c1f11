// gRPC spans: a grpc-js client interceptor (CLIENT span, context and run/image/node into metadata) and a wrapper
// for a service's unary handlers (SERVER span whose parent comes from the metadata). Handlers are wrapped rather
// than intercepted because a grpc-js server interceptor runs outside the handler's async context.
import {
  InterceptingCall,
  Metadata,
  status,
  type Interceptor,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { HEADERS } from '@imageflow/contracts';
import {
  activeSubject,
  ATTR,
  context,
  extractTraceContext,
  injectTraceContext,
  SpanKind,
  SpanStatusCode,
  subjectAttributes,
  trace,
  tracer,
  withSubject,
  type Span,
  type WorkSubject,
} from './spans';

/** Metadata keys of the work a call is for (node id has no Kafka header counterpart). */
export const GRPC_SUBJECT_KEYS = {
  runId: HEADERS.runId,
  imageId: HEADERS.imageId,
  nodeId: 'imageflow-node-id',
};

/** '/imageflow.compute.v1.ComputeService/Apply' → service and method. */
export function splitGrpcPath(path: string): { service: string; method: string } {
  const match = /^\/?([^/]+)\/([^/]+)$/.exec(path);
  return match ? { service: match[1] ?? '', method: match[2] ?? '' } : { service: '', method: path };
}

function endWithStatus(span: Span, code: number, details: string | undefined): void {
  span.setAttribute(ATTR.rpcGrpcStatusCode, code);
  if (code !== status.OK)
    span.setStatus({ code: SpanStatusCode.ERROR, message: `${status[code] ?? code}: ${details ?? ''}` });
  span.end();
}

/**
 * Client interceptor: one CLIENT span per call (child of the active span), W3C `traceparent` and the run, image
 * and node of the active work in the request metadata. Without tracing the span is a no-op and nothing is added.
 */
export const grpcClientTracingInterceptor: Interceptor = (options, nextCall) => {
  const { service, method } = splitGrpcPath(options.method_definition.path);
  const parent = context.active();
  const subject = activeSubject(parent) ?? {};
  const span = tracer().startSpan(
    `${service}/${method}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        [ATTR.rpcSystem]: 'grpc',
        [ATTR.rpcService]: service,
        [ATTR.rpcMethod]: method,
        ...subjectAttributes(subject),
      },
    },
    parent,
  );
  const spanContext = trace.setSpan(parent, span);
  return new InterceptingCall(nextCall(options), {
    start(metadata, listener, next) {
      const carrier: Record<string, string> = {};
      injectTraceContext(carrier, spanContext);
      for (const [key, value] of Object.entries(carrier)) metadata.set(key, value);
      for (const [field, key] of Object.entries(GRPC_SUBJECT_KEYS)) {
        const v = subject[field as keyof WorkSubject];
        if (v && metadata.get(key).length === 0) metadata.set(key, v);
      }
      next(metadata, {
        onReceiveStatus(received, nextStatus) {
          endWithStatus(span, received.code, received.details);
          nextStatus(received);
        },
      });
    },
  });
};

function metadataRecord(metadata: Metadata): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata.getMap())) out[key] = String(value);
  return out;
}

type UnaryHandler = (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => void;

/**
 * Wraps every unary handler of `implementation`: a SERVER span per call whose parent is the caller's span (from
 * the metadata), active while the handler runs, ended with the gRPC status it answers. Streaming handlers are
 * left as they are. Use as `server.addService(def, traceGrpcService(def, impl))`.
 */
export function traceGrpcService<T extends UntypedServiceImplementation>(
  definition: ServiceDefinition,
  implementation: T,
): T {
  const wrapped: UntypedServiceImplementation = { ...implementation };
  for (const [name, handler] of Object.entries(implementation)) {
    const def = definition[name];
    if (!def || def.requestStream || def.responseStream || typeof handler !== 'function') continue;
    const { service, method } = splitGrpcPath(def.path);
    const unary = handler as UnaryHandler;
    const traced: UnaryHandler = (call, callback) => {
      const headers = metadataRecord(call.metadata);
      const subject: WorkSubject = {
        runId: headers[GRPC_SUBJECT_KEYS.runId],
        imageId: headers[GRPC_SUBJECT_KEYS.imageId],
        nodeId: headers[GRPC_SUBJECT_KEYS.nodeId],
      };
      const parent = withSubject(extractTraceContext(headers), subject);
      const span = tracer().startSpan(
        `${service}/${method}`,
        {
          kind: SpanKind.SERVER,
          attributes: {
            [ATTR.rpcSystem]: 'grpc',
            [ATTR.rpcService]: service,
            [ATTR.rpcMethod]: method,
            ...subjectAttributes(subject),
          },
        },
        parent,
      );
      const done: sendUnaryData<unknown> = (error, value, trailer, flags) => {
        const details = error?.details ?? (error && 'message' in error ? error.message : undefined);
        endWithStatus(span, error ? (error.code ?? status.UNKNOWN) : status.OK, details);
        callback(error, value, trailer, flags);
      };
      context.with(trace.setSpan(parent, span), () => unary(call, done));
    };
    wrapped[name] = traced as UntypedServiceImplementation[string];
  }
  return wrapped as T;
}
