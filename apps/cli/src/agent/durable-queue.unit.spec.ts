import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DurableQueue, sha256Hex } from './durable-queue';

const capture = (text: string) => Buffer.from(`fake image ${text}`);
const meta = { contentType: 'image/jpeg', capturedAt: '2026-11-28T09:00:00.000Z' };

describe('DurableQueue', () => {
  let dir: string;
  beforeEach(async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'cli-queue-')), 'queue');
  });
  afterEach(async () => {
    await rm(join(dir, '..'), { recursive: true, force: true });
  });

  it('keeps an enqueued capture, bytes and metadata, across a reopen', async () => {
    const queue = await DurableQueue.open(dir);
    const bytes = capture('a');
    const item = await queue.enqueue(bytes, { ...meta, cameraId: 'cam-1', serial: 'SN-000001' });
    expect(item.meta.sha256).toBe(sha256Hex(bytes));

    const reopened = await DurableQueue.open(dir);
    const [again] = await reopened.list();
    expect(again?.id).toBe(item.id);
    expect(again?.meta).toMatchObject({ cameraId: 'cam-1', serial: 'SN-000001', sha256: sha256Hex(bytes) });
    expect(await again?.readImage()).toEqual(bytes);
  });

  it('a crash between sending and the completion step (remove) leaves the item pending', async () => {
    const queue = await DurableQueue.open(dir);
    await queue.enqueue(capture('b'), meta);
    const head = await queue.peek();
    expect(head).not.toBeNull();
    await head?.readImage(); // "sent", then the process dies: remove() never runs

    const afterCrash = await DurableQueue.open(dir);
    expect(await afterCrash.depth()).toBe(1);
    expect((await afterCrash.peek())?.id).toBe(head?.id);
    expect(await afterCrash.sentRecords()).toEqual([]);
  });

  it('hands items out oldest first and removes one only through remove()', async () => {
    const queue = await DurableQueue.open(dir);
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await queue.enqueue(capture(`order-${i}`), meta)).id);
    expect((await queue.list()).map((i) => i.id)).toEqual(ids);

    const first = await queue.peek();
    if (!first) throw new Error('the queue lost its items');
    expect(first.id).toBe(ids[0]);
    expect(await queue.depth()).toBe(5); // peek does not take it out
    await queue.remove(first, { imageId: first.meta.sha256, duplicate: false, eventId: 'e-1', attempts: 1 });
    expect((await queue.list()).map((i) => i.id)).toEqual(ids.slice(1));
    expect((await queue.sentRecords()).map((r) => [r.id, r.eventId])).toEqual([[ids[0], 'e-1']]);
  });

  it('does not queue the same bytes twice while they are pending', async () => {
    const queue = await DurableQueue.open(dir);
    const a = await queue.enqueue(capture('same'), meta);
    const b = await queue.enqueue(capture('same'), { ...meta, serial: 'other' });
    expect(b.id).toBe(a.id);
    expect(await queue.depth()).toBe(1);
  });

  it('ignores and sweeps a half-written enqueue left by a crash', async () => {
    const queue = await DurableQueue.open(dir);
    await queue.enqueue(capture('whole'), meta);
    // What a crash before the rename leaves: a staging directory with a partial image and no metadata.
    const partial = join(dir, 'staging', `0000000000000001-${'0'.repeat(64)}.dead`);
    await mkdir(partial);
    await writeFile(join(partial, 'image'), 'half');
    const old = new Date(Date.now() - 120_000);
    await utimes(partial, old, old);

    const reopened = await DurableQueue.open(dir);
    expect(await reopened.depth()).toBe(1);
    expect(await readdir(join(dir, 'staging'))).toEqual([]);
  });

  it('moves a capture the gateway refused into failed/ with the reason, out of the way of the rest', async () => {
    const queue = await DurableQueue.open(dir);
    const bad = await queue.enqueue(capture('refused'), meta);
    await queue.enqueue(capture('fine'), meta);
    await queue.moveToFailed(bad, { status: 400, message: 'not an image' });
    const status = await queue.status();
    expect(status).toMatchObject({ depth: 1, failed: 1, sent: 0 });
    expect(await readdir(join(dir, 'failed', bad.id))).toEqual(
      expect.arrayContaining(['image', 'meta.json', 'error.json']),
    );
  });
});
