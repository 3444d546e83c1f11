// gRPC tracing of @imageflow/observability over a real grpc-js connection on 127.0.0.1: the client interceptor's
// CLIENT span is the parent of the server wrapper's SERVER span, the run/image/node of the caller's work travel in
// the metadata, and a failed call ends both spans with its status code.
import {
  makeGenericClientConstructor,
  Metadata,
  Server,
  ServerCredentials,
  credentials,
  status,
  type ServiceDefinition,
  type ServiceError,
} from '@grpc/grpc-js';
import {
  activeSubject,
  currentTracing,
  grpcClientTracingInterceptor,
  inSpan,
  SpanKind,
  startTracing,
  traceGrpcService,
  type WorkSubject,
} from '@imageflow/observability';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const identity = (b: Buffer) => b;
const method = (name: string) => ({
  path: `/test.Echo/${name}`,
  requestStream: false,
  responseStream: false,
  requestSerialize: identity,
  requestDeserialize: identity,
  responseSerialize: identity,
  responseDeserialize: identity,
});
const definition: ServiceDefinition = { echo: method('Echo'), fail: method('Fail') };

describe('gRPC client interceptor and server wrapper', () => {
  const exporter = new InMemorySpanExporter();
  const server = new Server();
  let seenOnServer: WorkSubject | undefined;
  let client: InstanceType<ReturnType<typeof makeGenericClientConstructor>>;

  beforeAll(async () => {
    startTracing('grpc-test', { env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' }, exporter });
    server.addService(
      definition,
      traceGrpcService(definition, {
        echo: (call: { request: Buffer }, callback: (e: null, v: Buffer) => void) => {
          seenOnServer = activeSubject();
          callback(null, call.request);
        },
        fail: (_call: unknown, callback: (e: Partial<ServiceError>) => void) =>
          callback({ code: status.INVALID_ARGUMENT, details: 'CORRUPT_IMAGE: nope' }),
      }),
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) =>
        e ? reject(e) : resolve(p),
      ),
    );
    const Client = makeGenericClientConstructor(definition, 'Echo');
    client = new Client(`127.0.0.1:${port}`, credentials.createInsecure(), {
      interceptors: [grpcClientTracingInterceptor],
    });
  });

  afterAll(async () => {
    client.close();
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    await currentTracing()?.shutdown();
  });

  const call = (name: 'echo' | 'fail') =>
    new Promise<Buffer>((resolve, reject) =>
      (
        client[name] as (r: Buffer, m: Metadata, cb: (e: ServiceError | null, v: Buffer) => void) => void
      ).call(client, Buffer.from('hi'), new Metadata(), (e, v) => (e ? reject(e) : resolve(v))),
    );

  it('links the server span to the client span and carries the work subject', async () => {
    const answer = await inSpan(
      'step',
      { subject: { runId: 'run-7', imageId: 'img-7', nodeId: 'resize' } },
      () => call('echo'),
    );
    expect(answer.toString()).toBe('hi');
    await expect(inSpan('step', { subject: { runId: 'run-8' } }, () => call('fail'))).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
    });
    await currentTracing()?.forceFlush();
    expect(seenOnServer).toEqual({ runId: 'run-7', imageId: 'img-7', nodeId: 'resize' });

    const spans = exporter.getFinishedSpans();
    const clientEcho = spans.find((s) => s.kind === SpanKind.CLIENT && s.attributes['rpc.method'] === 'Echo');
    const serverEcho = spans.find((s) => s.kind === SpanKind.SERVER && s.attributes['rpc.method'] === 'Echo');
    expect(clientEcho?.name).toBe('test.Echo/Echo');
    expect(clientEcho?.attributes).toMatchObject({ 'rpc.system': 'grpc', 'imageflow.run_id': 'run-7' });
    expect(serverEcho?.parentSpanContext?.spanId).toBe(clientEcho?.spanContext().spanId);
    expect(serverEcho?.spanContext().traceId).toBe(clientEcho?.spanContext().traceId);
    expect(serverEcho?.attributes).toMatchObject({
      'rpc.service': 'test.Echo',
      'rpc.grpc.status_code': 0,
      'imageflow.run_id': 'run-7',
      'imageflow.image_id': 'img-7',
      'imageflow.node_id': 'resize',
    });

    const clientFail = spans.find((s) => s.kind === SpanKind.CLIENT && s.attributes['rpc.method'] === 'Fail');
    const serverFail = spans.find((s) => s.kind === SpanKind.SERVER && s.attributes['rpc.method'] === 'Fail');
    for (const span of [clientFail, serverFail]) {
      expect(span?.attributes['rpc.grpc.status_code']).toBe(status.INVALID_ARGUMENT);
      expect(span?.status.code).toBe(2); // ERROR
    }
    expect(serverFail?.parentSpanContext?.spanId).toBe(clientFail?.spanContext().spanId);
  });
});
