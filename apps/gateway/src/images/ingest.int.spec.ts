// Camera ingest against the real stack: the gateway runs in-process (scratch database, unique bucket and topic).
// The projector app does not exist yet, so REST visibility is shown by folding the event read from Kafka with
// persistence's applyProjectionBatch — the projector's own write path — into the gateway's scratch database.
import { randomBytes } from 'node:crypto';
import { EventProducer, EventSerde } from '@imageflow/messaging';
import { consumeMessages, uniqueName } from '@imageflow/messaging/testing';
import { createLogger, createMetricsRegistry } from '@imageflow/observability';
import { applyProjectionBatch } from '@imageflow/persistence';
import { rawImageKey, sha256Hex } from '@imageflow/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type GatewayHarness } from '../testing/gateway-harness';
import { ImageProbe } from './adapters/image-probe.adapter';
import { IngestMetrics } from './ingest.metrics';
import { IngestDedupRepository } from './repositories/ingest-dedup.repository';
import { IngestService } from './services/ingest.service';
import { flatPng, randomImage } from '../testing/test-images';

const MAX_BYTES = 512 * 1024;
const MAX_PIXELS = 1_000_000;

interface IngestBody {
  imageId: string;
  duplicate: boolean;
  eventId: string;
}
interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
}

describe('POST /api/v1/images (camera ingest)', () => {
  let gw: GatewayHarness;
  let serde: EventSerde;
  let cameraKey: string;
  const cameraId = uniqueName('cam');

  const post = (
    body: NonNullable<RequestInit['body']>,
    query: string,
    headers: Record<string, string>,
    key: string = cameraKey,
  ) =>
    gw.request(`/api/v1/images${query}`, {
      method: 'POST',
      body,
      headers,
      key,
      ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
    } as RequestInit & { key: string });

  /** Nothing of these bytes anywhere: no object under their id, no claim row. */
  async function assertNothingStored(bytes: Buffer): Promise<void> {
    const id = sha256Hex(bytes);
    expect(await gw.store.list(gw.config.RAW_IMAGES_BUCKET, `sha256/${id.slice(0, 2)}/${id}`)).toEqual([]);
    const { rows } = await gw.db.query('SELECT 1 FROM ingest_dedup WHERE image_id = $1', [id]);
    expect(rows).toHaveLength(0);
  }

  beforeAll(async () => {
    gw = await startGateway({
      INGEST_MAX_BYTES: String(MAX_BYTES),
      INGEST_MAX_PIXELS: String(MAX_PIXELS),
      INGEST_RATE_LIMIT: '40',
    });
    serde = new EventSerde({ registryUrl: gw.config.SCHEMA_REGISTRY_URL });
    const created = await gw.request('/api/v1/api-keys', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'ingest test camera', role: 'camera' }),
    });
    expect(created.status).toBe(201);
    cameraKey = ((await created.json()) as { key: string }).key;
  });

  afterAll(async () => {
    await gw?.close();
  });

  it('stores a raw PNG under its SHA-256, produces one ImageCaptured (decoded by schema id), and the image is served by REST once projected', async () => {
    const png = await randomImage('png', 64, 48);
    const imageId = sha256Hex(png);
    const capturedAt = '2026-11-28T09:15:00.123Z';
    const response = await post(
      png,
      `?cameraId=${cameraId}&lineId=line-7&lot=LOT-42&capturedAt=${capturedAt}`,
      {
        'content-type': 'image/png',
        'x-serial': 'SN-000123',
        'idempotency-key': 'agent-resend-1',
      },
    );
    expect(response.status).toBe(201);
    const body = (await response.json()) as IngestBody;
    expect(body).toMatchObject({ imageId, duplicate: false });

    const key = rawImageKey(imageId, 'png');
    const stored = await gw.store.get({ bucket: gw.config.RAW_IMAGES_BUCKET, key });
    expect(sha256Hex(stored)).toBe(imageId);

    const [message] = await consumeMessages(gw.kafka, gw.config.IMAGES_TOPIC, 1);
    expect(message?.message.key?.toString()).toBe(cameraId);
    const decoded = await serde.decode(message?.message.value as Buffer);
    expect(decoded.schemaId).toBe(await serde.schemaIdOf('ImageCaptured'));
    expect(decoded.type).toBe('ImageCaptured');
    if (decoded.type !== 'ImageCaptured') throw new Error('unreachable');
    expect(decoded.event.envelope).toMatchObject({
      eventId: body.eventId,
      imageId,
      type: 'ImageCaptured',
      correlationId: body.eventId,
    });
    expect(decoded.event.image).toMatchObject({
      bucket: gw.config.RAW_IMAGES_BUCKET,
      key,
      size: png.length,
      contentType: 'image/png',
      sha256: imageId,
      width: 64,
      height: 48,
    });
    expect(decoded.event.capture).toEqual({
      cameraId,
      lineId: 'line-7',
      lot: 'LOT-42',
      serial: 'SN-000123',
      capturedAt: Date.parse(capturedAt),
      source: 'CAMERA',
    });
    expect(decoded.event.idempotencyKey).toBe('agent-resend-1');

    // Not projected yet: 404 with the reason.
    expect((await gw.request(`/api/v1/images/${imageId}`)).status).toBe(404);
    await applyProjectionBatch(gw.db, {
      consumer: 'gateway-it',
      topic: gw.config.IMAGES_TOPIC,
      partition: message?.partition as number,
      nextOffset: String(Number(message?.message.offset) + 1),
      events: [
        {
          topic: gw.config.IMAGES_TOPIC,
          partition: message?.partition as number,
          offset: message?.message.offset as string,
          key: cameraId,
          schemaId: decoded.schemaId,
          decoded,
        },
      ],
      deadLetters: [],
    });
    const rest = await gw.request(`/api/v1/images/${imageId}`);
    expect(rest.status).toBe(200);
    const image = (await rest.json()) as Record<string, unknown>;
    expect(image).toMatchObject({
      id: imageId,
      key,
      size: png.length,
      width: 64,
      height: 48,
      cameraId,
      lineId: 'line-7',
      lot: 'LOT-42',
      serial: 'SN-000123',
      capturedAt,
    });
    const bytes = await fetch(image['url'] as string);
    expect(sha256Hex(Buffer.from(await bytes.arrayBuffer()))).toBe(imageId);
    // A camera key may ingest but not read.
    expect((await gw.request(`/api/v1/images/${imageId}`, { key: cameraKey })).status).toBe(403);
  });

  it('the same bytes again (raw or multipart, any camera) → same id, 200 duplicate, no second event', async () => {
    const jpeg = await randomImage('jpeg', 80, 60);
    const first = await post(jpeg, `?cameraId=${cameraId}`, { 'content-type': 'image/jpeg' });
    expect(first.status).toBe(201);
    const created = (await first.json()) as IngestBody;
    const events = await gw.countImageEvents();

    const again = await post(jpeg, `?cameraId=${cameraId}`, { 'content-type': 'image/jpeg' });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({
      imageId: created.imageId,
      duplicate: true,
      eventId: created.eventId,
    });

    const form = new FormData();
    form.set('file', new Blob([jpeg], { type: 'image/jpeg' }), 'capture.jpg');
    form.set('cameraId', 'another-camera');
    const multipart = await post(form, '', {});
    expect(multipart.status).toBe(200);
    expect(((await multipart.json()) as IngestBody).eventId).toBe(created.eventId);

    expect(await gw.countImageEvents()).toBe(events);
  });

  it('accepts multipart uploads with the fields as parts', async () => {
    const webp = await randomImage('webp', 40, 30);
    const form = new FormData();
    form.set('file', new Blob([webp], { type: 'application/octet-stream' }), 'x.webp');
    form.set('cameraId', cameraId);
    form.set('lot', 'LOT-MP');
    const response = await post(form, '', {});
    expect(response.status).toBe(201);
    expect(((await response.json()) as IngestBody).imageId).toBe(sha256Hex(webp));
    expect(
      await gw.store.stat({ bucket: gw.config.RAW_IMAGES_BUCKET, key: rawImageKey(sha256Hex(webp), 'webp') }),
    ).toMatchObject({
      size: webp.length,
      contentType: 'image/webp',
    });
  });

  it('concurrent uploads of the same bytes → one 201, the rest 200 duplicates, exactly one event', async () => {
    const png = await randomImage('png', 50, 50);
    const before = await gw.countImageEvents();
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => post(png, `?cameraId=${cameraId}`, { 'content-type': 'image/png' })),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as IngestBody[];
    expect(new Set(bodies.map((b) => b.eventId)).size).toBe(1);
    expect(await gw.countImageEvents()).toBe(before + 1);
  });

  it('a claim left by a gateway that died before producing does not block the bytes: the retry publishes with its event id', async () => {
    const png = await randomImage('png', 30, 20);
    const imageId = sha256Hex(png);
    const staleEventId = '01900000-0000-7000-8000-000000000001';
    await gw.db.query(
      `INSERT INTO ingest_dedup (image_id, event_id, camera_id, claim_token, lease_until) VALUES ($1, $2, $3, 'dead-gateway', now() - interval '1 second')`,
      [imageId, staleEventId, cameraId],
    );
    const before = await gw.countImageEvents();
    const response = await post(png, `?cameraId=${cameraId}`, { 'content-type': 'image/png' });
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ imageId, duplicate: false, eventId: staleEventId });
    expect(await gw.countImageEvents()).toBe(before + 1);
    const { rows } = await gw.db.query<{ published: boolean }>(
      'SELECT published_at IS NOT NULL AS published FROM ingest_dedup WHERE image_id = $1',
      [imageId],
    );
    expect(rows[0]?.published).toBe(true);
  });

  it('a producer failure after the claim answers 503 and releases the claim: the retry publishes the same event id, once', async () => {
    // The real service, store, database and Kafka; only the producer is wrapped to fail its first send.
    const producer = new EventProducer(gw.kafka, serde);
    let failures = 1;
    const flaky = {
      publish: (...args: Parameters<EventProducer['publish']>) => {
        if (failures-- > 0) return Promise.reject(new Error('broker unreachable (injected)'));
        return producer.publish(...args);
      },
    } as unknown as EventProducer;
    const service = new IngestService(
      gw.config,
      createLogger('ingest-it', 'silent'),
      gw.store,
      flaky,
      new ImageProbe({ formats: gw.config.INGEST_FORMATS, maxPixels: MAX_PIXELS, concurrency: 1 }),
      new IngestDedupRepository(gw.db),
      new IngestMetrics(createMetricsRegistry('ingest-it')),
    );
    try {
      const png = await randomImage('png', 24, 24);
      const fields = { cameraId, source: 'CAMERA' as const };
      const before = await gw.countImageEvents();
      const failure = await service.ingest(png, 'image/png', fields).then(
        () => undefined,
        (error: unknown) => error as { getStatus(): number; message: string },
      );
      expect(failure?.getStatus()).toBe(503);
      expect(failure?.message).toMatch(/could not be produced \(broker unreachable \(injected\)\); retry/);
      expect(await gw.countImageEvents()).toBe(before);
      const eventId = /reuses event id (\S+)/.exec(failure?.message ?? '')?.[1];

      // The client retries at once: the released claim is taken over, with the same event id.
      expect(await service.ingest(png, 'image/png', fields)).toEqual({
        imageId: sha256Hex(png),
        duplicate: false,
        eventId,
      });
      expect(await gw.countImageEvents()).toBe(before + 1);
      const resend = await post(png, `?cameraId=${cameraId}`, { 'content-type': 'image/png' });
      expect(await resend.json()).toEqual({ imageId: sha256Hex(png), duplicate: true, eventId });
    } finally {
      await producer.disconnect();
    }
  });

  describe('bad uploads are refused with the reason, and nothing is written', () => {
    let eventsBefore = 0;
    beforeAll(async () => {
      eventsBefore = await gw.countImageEvents();
    });
    afterAll(async () => {
      expect(await gw.countImageEvents()).toBe(eventsBefore);
    });

    it('413 for more bytes than INGEST_MAX_BYTES (declared length)', async () => {
      const big = Buffer.concat([await randomImage('jpeg', 16, 16), randomBytes(MAX_BYTES)]);
      const response = await post(big, `?cameraId=${cameraId}`, { 'content-type': 'image/jpeg' });
      expect(response.status).toBe(413);
      const body = (await response.json()) as ErrorBody;
      expect(body).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
      expect(body.message).toMatch(new RegExp(`${big.length} bytes, over the limit of ${MAX_BYTES} bytes`));
      await assertNothingStored(big);
    });

    it('413 for more bytes than INGEST_MAX_BYTES (chunked, no length given)', async () => {
      const big = randomBytes(MAX_BYTES + 100_000);
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < big.length; i += 64 * 1024) controller.enqueue(big.subarray(i, i + 64 * 1024));
          controller.close();
        },
      });
      const response = await post(stream, `?cameraId=${cameraId}`, { 'content-type': 'image/png' });
      expect(response.status).toBe(413);
      expect(((await response.json()) as ErrorBody).message).toMatch(/larger than the limit of 524288 bytes/);
      await assertNothingStored(big);
    });

    it('413 for more pixels than INGEST_MAX_PIXELS, with the dimensions in the message', async () => {
      const bomb = await flatPng(1200, 1000);
      expect(bomb.length).toBeLessThan(MAX_BYTES);
      const response = await post(bomb, `?cameraId=${cameraId}`, { 'content-type': 'image/png' });
      expect(response.status).toBe(413);
      expect(((await response.json()) as ErrorBody).message).toMatch(
        /1200×1000 = 1\.2 MP, over the limit of 1\.0 MP/,
      );
      await assertNothingStored(bomb);
    });

    it('400 for a truncated JPEG: it does not decode', async () => {
      const jpeg = await randomImage('jpeg', 256, 256);
      const truncated = jpeg.subarray(0, Math.floor(jpeg.length * 0.6));
      const response = await post(truncated, `?cameraId=${cameraId}`, { 'content-type': 'image/jpeg' });
      expect(response.status).toBe(400);
      const body = (await response.json()) as ErrorBody;
      expect(body.error).toBe('Bad Request');
      expect(body.message).toMatch(/jpeg image does not decode|not a readable image/);
      await assertNothingStored(truncated);
    });

    it('400 for bytes that are no image at all', async () => {
      const garbage = Buffer.from(`not an image ${randomBytes(8).toString('hex')}`);
      const response = await post(garbage, `?cameraId=${cameraId}`, { 'content-type': 'image/png' });
      expect(response.status).toBe(400);
      expect(((await response.json()) as ErrorBody).message).toMatch(/not a readable image/);
      await assertNothingStored(garbage);
    });

    it('400 when the declared type does not match the bytes', async () => {
      const png = await randomImage('png');
      const response = await post(png, `?cameraId=${cameraId}`, { 'content-type': 'image/jpeg' });
      expect(response.status).toBe(400);
      expect(((await response.json()) as ErrorBody).message).toMatch(
        /declared Content-Type image\/jpeg but the bytes are png/,
      );
      await assertNothingStored(png);
    });

    it('415 for a format or a Content-Type that is not accepted', async () => {
      const gif = await (
        await import('sharp')
      )
        .default({ create: { width: 8, height: 8, channels: 3, background: '#f00' } })
        .gif()
        .toBuffer();
      const asOctets = await post(gif, `?cameraId=${cameraId}`, {
        'content-type': 'application/octet-stream',
      });
      expect(asOctets.status).toBe(415);
      expect(((await asOctets.json()) as ErrorBody).message).toMatch(/image format "gif" is not accepted/);
      const asText = await post('hello', `?cameraId=${cameraId}`, { 'content-type': 'text/plain' });
      expect(asText.status).toBe(415);
      await assertNothingStored(gif);
    });

    it('400 for missing or malformed fields, naming them', async () => {
      const png = await randomImage('png');
      const noCamera = await post(png, '', { 'content-type': 'image/png' });
      expect(noCamera.status).toBe(400);
      expect(((await noCamera.json()) as ErrorBody).message).toMatch(/cameraId/);
      const badTime = await post(png, `?cameraId=${cameraId}&capturedAt=yesterday`, {
        'content-type': 'image/png',
      });
      expect(((await badTime.json()) as ErrorBody).message).toMatch(/capturedAt: must be an ISO 8601 time/);
      const conflict = await post(png, `?cameraId=${cameraId}`, {
        'content-type': 'image/png',
        'x-camera-id': 'other',
      });
      expect(((await conflict.json()) as ErrorBody).message).toMatch(/cameraId: given with different values/);
      const typo = await post(png, `?cameraId=${cameraId}&lotNumber=1`, { 'content-type': 'image/png' });
      expect(((await typo.json()) as ErrorBody).message).toMatch(/unknown field\(s\) lotNumber/);
      const noFile = new FormData();
      noFile.set('cameraId', cameraId);
      const missing = await post(noFile, '', {});
      expect(missing.status).toBe(400);
      expect(((await missing.json()) as ErrorBody).message).toMatch(/part named "file"/);
      await assertNothingStored(png);
    });
  });

  it('counts accepted images per camera and rejections per reason in /metrics', async () => {
    const text = await (await gw.request('/metrics', { key: null })).text();
    expect(text).toMatch(
      new RegExp(`imageflow_ingest_images_total\\{[^}]*camera_id="${cameraId}"[^}]*\\} [4-9]`),
    );
    expect(text).toMatch(/imageflow_ingest_rejected_total\{[^}]*reason="too_large"[^}]*\} 2/);
    expect(text).toMatch(
      /imageflow_http_request_duration_seconds_count\{[^}]*route="\/api\/v1\/images"[^}]*status="201"/,
    );
  });

  it('rate-limits ingest per API key with 429 and the limit in the message; other keys are unaffected', async () => {
    const created = await gw.request('/api/v1/api-keys', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'flooding camera', role: 'camera' }),
    });
    const flooder = ((await created.json()) as { key: string }).key;
    const statuses: number[] = [];
    for (let i = 0; i < 40; i += 1)
      statuses.push(
        (await post('x', `?cameraId=${cameraId}`, { 'content-type': 'text/plain' }, flooder)).status,
      );
    expect(statuses.every((s) => s === 415)).toBe(true);
    const limited = await post('x', `?cameraId=${cameraId}`, { 'content-type': 'text/plain' }, flooder);
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as ErrorBody).message).toMatch(
      /at most 40 ingest requests per 60 s per API key/,
    );
    expect((await post('x', `?cameraId=${cameraId}`, { 'content-type': 'text/plain' })).status).toBe(415);
  });
});
