// What tracing costs per Kafka hop, in process: the work libs/messaging and a stage worker do around each message
// (consumer span from `traceparent`, a step span, one JSON log line, a producer span and the event headers),
// first with tracing off (no SDK: the API's no-op spans, correlation-derived traceparent), then on (SDK, batch
// processor, the real OTLP/HTTP protobuf exporter sending to a local receiver that accepts everything).
//   npx vitest run --config tools/bench/tracing/vitest.config.mts
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { Writable } from 'node:stream';
import { eventHeaders, startConsumerSpan, startProducerSpan, traceContextFor } from '@imageflow/messaging';
import { buildEnvelope } from '@imageflow/messaging/testing';
import { context, inSpan, startTracing, traceLogFields } from '@imageflow/observability';
import pino from 'pino';
import { expect, it } from 'vitest';
// The test's OTLP decoder, to count what arrived (test code shared with e2e/observability).
// eslint-disable-next-line @nx/enforce-module-boundaries
import { decodeTraceRequest } from '../../../e2e/observability/src/otlp-receiver';

const HOPS = Number(process.env['BENCH_HOPS'] ?? 20_000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);

const sink = new Writable({ write: (_chunk, _enc, done) => done() });
// createLogger's trace mixin, with a destination that drops the bytes: the cost is building the line.
const log = pino({ level: 'info', base: { service: 'bench' }, mixin: traceLogFields }, sink);

async function hop(incoming: Record<string, string>): Promise<Record<string, string>> {
  const consumer = startConsumerSpan({
    topic: 'stage',
    partition: 0,
    offset: '1',
    headers: incoming,
    groupId: 'g',
  });
  try {
    return await context.with(consumer.context, () =>
      inSpan('step pre.resize', { subject: { runId: 'run', imageId: 'img', nodeId: 'resize' } }, async () => {
        log.info({ computeMs: 3 }, 'step completed');
        const envelope = buildEnvelope('StepCompleted');
        const producer = startProducerSpan('run-events', 'run', envelope);
        const headers = eventHeaders(envelope, {}, traceContextFor(envelope, producer.context));
        producer.span.end();
        return headers;
      }),
    );
  } finally {
    consumer.span.end();
  }
}

/**
 * CPU and wall µs per hop. `flush` (tracing on) is timed too, so serializing and sending the spans counts. CPU time
 * is the fair number on a shared machine (wall time also holds other processes' turns and the HTTP round trips,
 * which a service does not wait for).
 */
async function round(
  flush: () => Promise<void> = () => Promise.resolve(),
): Promise<{ cpu: number; wall: number }> {
  let headers = eventHeaders(buildEnvelope('StepRequested'));
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let i = 1; i <= HOPS; i++) {
    headers = await hop(headers);
    // Export as the batch processor would under load (a few batches at a time), and wait for it.
    if (i % 500 === 0 || i === HOPS) await flush();
  }
  const used = process.cpuUsage(cpu);
  return {
    wall: Number(process.hrtime.bigint() - started) / 1e3 / HOPS,
    cpu: (used.user + used.system) / HOPS,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

it('tracing overhead per Kafka hop', async () => {
  // The receiver keeps the bodies and decodes them after the timing (its work is not the services' cost).
  const bodies: Buffer[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks));
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;

  // Off first: once the SDK is registered it stays for the process.
  await round(); // warm-up
  const off: { cpu: number; wall: number }[] = [];
  for (let r = 0; r < ROUNDS; r++) off.push(await round());

  // Flushed every 500 hops (1500 spans, under the default queue of 2048): every span is exported, none dropped.
  const tracing = startTracing('bench', { env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url } });
  expect(tracing.enabled).toBe(true);
  const flush = () => tracing.forceFlush();
  await round(flush);
  const on: { cpu: number; wall: number }[] = [];
  for (let r = 0; r < ROUNDS; r++) on.push(await round(flush));
  await tracing.shutdown();
  server.close();

  const spans = bodies.reduce((n, body) => n + decodeTraceRequest(body).length, 0);
  const line = (name: string, rounds: { cpu: number; wall: number }[]) =>
    `  ${name}: cpu ${median(rounds.map((r) => r.cpu)).toFixed(1)} µs/hop, wall ${median(rounds.map((r) => r.wall)).toFixed(1)} µs/hop (cpu per round ${rounds.map((r) => r.cpu.toFixed(1)).join(', ')})`;
  const offCpu = median(off.map((r) => r.cpu));
  const onCpu = median(on.map((r) => r.cpu));
  process.stdout.write(
    [
      `tracing overhead, ${HOPS} hops × ${ROUNDS} rounds (medians), load ${loadavg()[0]?.toFixed(2)}:`,
      line('off', off),
      line('on ', on),
      `  cpu ratio on/off ${(onCpu / offCpu).toFixed(2)}, +${(onCpu - offCpu).toFixed(1)} µs cpu per hop (3 spans); ${bodies.length} OTLP requests, ${spans} spans`,
      '',
    ].join('\n'),
  );
  // Every span of the warm-up and the timed rounds arrived.
  expect(spans).toBe(HOPS * 3 * (ROUNDS + 1));
});
