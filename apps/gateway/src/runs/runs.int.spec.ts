// Run and dead-letter queries against the real gateway. Rows are written with persistence's applyProjectionBatch
// (the projector's own write path) from persistence's event builders, into the gateway's scratch database.
import type { StepOutput } from '@imageflow/contracts';
import { ensureTopics } from '@imageflow/messaging';
import { consumeMessages, uniqueName } from '@imageflow/messaging/testing';
import { applyProjectionBatch, type DeadLetterRow } from '@imageflow/persistence';
import {
  aRunCompleted,
  aRunFailed,
  aRunStarted,
  aStepCompleted,
  aStepFailed,
  aStepRequested,
} from '@imageflow/persistence/testing';
import { sha256Hex, stepOutputKey } from '@imageflow/storage';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type GatewayHarness } from '../testing/gateway-harness';

type Projectable = Parameters<typeof applyProjectionBatch>[1]['events'][number]['decoded'];

interface RunPage {
  items: { id: string; status: string; cameraId: string; error: { code: string } | null }[];
  nextCursor: string | null;
}

describe('runs and dead letters over REST', () => {
  let gw: GatewayHarness;
  const cameraId = uniqueName('cam-runs');
  const runIds = [uuidv7(), uuidv7(), uuidv7()];
  const base = Date.parse('2026-11-20T08:00:00Z');
  const outputBytes = Buffer.from('processed output bytes');
  let offset = 0;

  async function project(events: Projectable[], deadLetters: DeadLetterRow[] = []): Promise<void> {
    await applyProjectionBatch(gw.db, {
      consumer: 'gateway-runs-it',
      topic: 'imageflow.run-events.v1',
      partition: 0,
      nextOffset: String(offset + events.length),
      events: events.map((decoded) => ({
        topic: 'imageflow.run-events.v1',
        partition: 0,
        offset: String(offset++),
        key: null,
        schemaId: 1,
        decoded,
      })),
      deadLetters,
    });
  }

  beforeAll(async () => {
    gw = await startGateway();
    const outputKey = stepOutputKey({
      runId: runIds[0] as string,
      nodeId: 'resize',
      port: 'image',
      ext: 'png',
    });
    await gw.store.putImmutable({ bucket: gw.config.RAW_IMAGES_BUCKET, key: outputKey }, outputBytes, {
      contentType: 'image/png',
    });
    const imageOutput: StepOutput = {
      port: 'image',
      kind: 'IMAGE',
      object: {
        bucket: gw.config.RAW_IMAGES_BUCKET,
        key: outputKey,
        etag: null,
        size: outputBytes.length,
        contentType: 'image/png',
        sha256: sha256Hex(outputBytes),
        width: 32,
        height: 24,
      },
      detections: null,
      text: null,
      measurements: null,
      judgement: null,
    };
    const events: Projectable[] = [];
    runIds.forEach((runId, i) => {
      const envelope = (dt: number) => ({
        runId,
        pipelineId: 'inspect',
        pipelineVersion: '1',
        occurredAt: base + i * 60_000 + dt,
      });
      events.push(
        aRunStarted({
          envelope: envelope(0),
          capture: {
            cameraId,
            lineId: `line-${i}`,
            lot: 'LOT-R',
            serial: `sn-${i}`,
            capturedAt: base,
            source: 'CAMERA',
          },
        }),
        aStepRequested({
          envelope: envelope(1),
          nodeId: 'resize',
          partId: 'image.resize',
          stageKind: 'image',
          attempt: 1,
        }),
      );
      if (i === 2) {
        events.push(
          aStepFailed({
            envelope: envelope(2),
            nodeId: 'resize',
            code: 'CORRUPT_IMAGE',
            message: 'the image could not be decoded',
            retryable: false,
          }),
          aRunFailed({
            envelope: envelope(3),
            failedNodeId: 'resize',
            code: 'CORRUPT_IMAGE',
            message: 'the image could not be decoded',
            durationMs: 3,
          }),
        );
      } else {
        events.push(
          aStepCompleted({ envelope: envelope(2), nodeId: 'resize', outputs: [imageOutput] }),
          aRunCompleted({ envelope: envelope(3), verdict: 'OK', durationMs: 3 }),
        );
      }
    });
    await project(events);
  });

  afterAll(async () => {
    await gw?.close();
  });

  it('lists runs newest first with filters and cursor pagination', async () => {
    const first = (await (await gw.request(`/api/v1/runs?cameraId=${cameraId}&limit=2`)).json()) as RunPage;
    expect(first.items.map((r) => r.id)).toEqual([runIds[2], runIds[1]]);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = (await (
      await gw.request(`/api/v1/runs?cameraId=${cameraId}&limit=2&cursor=${first.nextCursor}`)
    ).json()) as RunPage;
    expect(second.items.map((r) => r.id)).toEqual([runIds[0]]);
    expect(second.nextCursor).toBeNull();

    const failed = (await (
      await gw.request(`/api/v1/runs?cameraId=${cameraId}&status=failed`)
    ).json()) as RunPage;
    expect(failed.items.map((r) => r.id)).toEqual([runIds[2]]);
    expect(failed.items[0]?.error?.code).toBe('CORRUPT_IMAGE');
    const line = (await (
      await gw.request(`/api/v1/runs?lineId=line-1&cameraId=${cameraId}&lot=LOT-R&pipelineId=inspect`)
    ).json()) as RunPage;
    expect(line.items.map((r) => r.id)).toEqual([runIds[1]]);
    const window = (await (
      await gw.request(
        `/api/v1/runs?cameraId=${cameraId}&from=${new Date(base + 30_000).toISOString()}&to=${new Date(base + 90_000).toISOString()}`,
      )
    ).json()) as RunPage;
    expect(window.items.map((r) => r.id)).toEqual([runIds[1]]);
  });

  it('refuses bad filters and cursors with 400 naming the problem', async () => {
    const status = await gw.request('/api/v1/runs?status=exploded');
    expect(status.status).toBe(400);
    expect(((await status.json()) as { message: string }).message).toMatch(/status/);
    expect(
      ((await (await gw.request('/api/v1/runs?cursor=garbage')).json()) as { message: string }).message,
    ).toMatch(/invalid cursor/);
    expect(
      ((await (await gw.request('/api/v1/runs?limit=0')).json()) as { message: string }).message,
    ).toMatch(/limit/);
    expect(
      ((await (await gw.request('/api/v1/runs?from=monday')).json()) as { message: string }).message,
    ).toMatch(/from: must be an ISO 8601 time/);
    expect(
      ((await (await gw.request('/api/v1/runs?camera=x')).json()) as { message: string }).message,
    ).toMatch(/camera/);
  });

  it('shows one run with its steps, outputs with working presigned URLs, and errors', async () => {
    const response = await gw.request(`/api/v1/runs/${runIds[0]}`);
    expect(response.status).toBe(200);
    const run = (await response.json()) as {
      status: string;
      verdict: string;
      steps: {
        nodeId: string;
        status: string;
        attempts: number;
        outputs: { port: string; object: { url: string } }[];
      }[];
    };
    expect(run).toMatchObject({ status: 'completed', verdict: 'OK' });
    expect(run.steps).toHaveLength(1);
    expect(run.steps[0]).toMatchObject({ nodeId: 'resize', status: 'completed', attempts: 1 });
    const url = run.steps[0]?.outputs[0]?.object.url as string;
    const fetched = await fetch(url);
    expect(fetched.status).toBe(200);
    expect(Buffer.from(await fetched.arrayBuffer()).equals(outputBytes)).toBe(true);

    const failed = (await (await gw.request(`/api/v1/runs/${runIds[2]}`)).json()) as {
      status: string;
      error: { code: string; message: string };
      steps: { error: { code: string; retryable: boolean } }[];
    };
    expect(failed.status).toBe('failed');
    expect(failed.error).toEqual({ code: 'CORRUPT_IMAGE', message: 'the image could not be decoded' });
    expect(failed.steps[0]?.error).toMatchObject({ code: 'CORRUPT_IMAGE', retryable: false });
    expect((await gw.request(`/api/v1/runs/${uuidv7()}`)).status).toBe(404);
  });

  it('lists dead letters and re-drives one: the original bytes and headers go back to the original topic', async () => {
    const topic = uniqueName('it.gateway.redrive');
    await ensureTopics(gw.kafka, [{ topic, numPartitions: 1 }]);
    try {
      const value = Buffer.from([0, 0, 0, 0, 42, 1, 2, 3, 255]);
      const dead: DeadLetterRow = {
        id: `imageflow.dlq.v1:0:${Date.now()}`,
        originalTopic: topic,
        originalPartition: 0,
        originalOffset: '17',
        consumerGroup: 'it-group',
        key: Buffer.from('run-key-1'),
        value,
        headers: {
          'imageflow-event-id': 'evt-1',
          traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        },
        error: 'handler failed 3 times: boom',
        attempts: 3,
        failedAt: new Date().toISOString(),
      };
      await project([], [dead]);

      const page = (await (await gw.request(`/api/v1/dlq?topic=${topic}`)).json()) as {
        items: Record<string, unknown>[];
      };
      expect(page.items).toHaveLength(1);
      expect(page.items[0]).toMatchObject({
        id: dead.id,
        originalTopic: topic,
        key: 'run-key-1',
        valueSize: value.length,
        error: dead.error,
        attempts: 3,
        redriveCount: 0,
      });

      const redriven = await gw.request(`/api/v1/dlq/${encodeURIComponent(dead.id)}/redrive`, {
        method: 'POST',
      });
      expect(redriven.status).toBe(200);
      expect(await redriven.json()).toMatchObject({ id: dead.id, topic, redriveCount: 1 });

      const [message] = await consumeMessages(gw.kafka, topic, 1);
      expect(message?.message.key?.toString()).toBe('run-key-1');
      expect(Buffer.compare(message?.message.value as Buffer, value)).toBe(0);
      const headers = Object.fromEntries(
        Object.entries(message?.message.headers ?? {}).map(([k, v]) => [k, String(v)]),
      );
      expect(headers).toEqual({ ...dead.headers, 'imageflow-redrive-count': '1' });

      const pending = (await (await gw.request(`/api/v1/dlq?topic=${topic}&pending=true`)).json()) as {
        items: unknown[];
      };
      expect(pending.items).toHaveLength(0);
      expect(
        (await gw.request(`/api/v1/dlq/${encodeURIComponent('no:such:id')}/redrive`, { method: 'POST' }))
          .status,
      ).toBe(404);
    } finally {
      const admin = gw.kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
