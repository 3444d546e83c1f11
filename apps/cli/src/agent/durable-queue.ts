// The edge agent's on-disk queue. A capture is durable once `enqueue` returns: its bytes and metadata are
// written into a staging directory, fsynced, and the directory is renamed into `items/` (rename is atomic),
// then `items/` is fsynced. A crash at any point leaves either no item or a whole one; staging leftovers are
// swept on open. An item leaves the queue only through `remove`, which the sender calls after a 2xx.
//
// <queue>/
//   items/<seq>-<sha256>/{image, meta.json}   pending, oldest first by name
//   staging/…                                 half-written enqueues (swept on open)
//   failed/<seq>-<sha256>/{image, meta.json, error.json}   refused by the gateway for good (4xx); kept for a person
//   sent.log                                  one JSON line per delivered capture
import { createHash, randomBytes } from 'node:crypto';
import { appendFile, mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface CaptureMeta {
  /** SHA-256 of the bytes, hex: the gateway's image id and the Idempotency-Key of every send. */
  sha256: string;
  contentType: string;
  enqueuedAt: string;
  capturedAt: string;
  cameraId?: string | undefined;
  lineId?: string | undefined;
  lot?: string | undefined;
  serial?: string | undefined;
  /** The original file name, for people reading the queue. */
  fileName?: string | undefined;
}

export interface QueuedCapture {
  /** Directory name under items/: `<seq>-<sha256>`. */
  id: string;
  meta: CaptureMeta;
  readImage(): Promise<Buffer>;
}

export interface SentRecord {
  id: string;
  sha256: string;
  imageId: string;
  duplicate: boolean;
  eventId: string;
  attempts: number;
  sentAt: string;
}

export interface QueueStatus {
  depth: number;
  bytes: number;
  oldest: string | null;
  failed: number;
  sent: number;
}

const SEQ_WIDTH = 16;

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writeDurably(path: string, data: string | Uint8Array): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export class DurableQueue {
  private lastSeq = 0;

  private constructor(readonly dir: string) {}

  private get itemsDir(): string {
    return join(this.dir, 'items');
  }
  private get stagingDir(): string {
    return join(this.dir, 'staging');
  }
  private get failedDir(): string {
    return join(this.dir, 'failed');
  }
  get sentLogPath(): string {
    return join(this.dir, 'sent.log');
  }

  /** Opens (creating when missing) the queue in `dir` and sweeps half-written enqueues. */
  static async open(dir: string): Promise<DurableQueue> {
    const queue = new DurableQueue(dir);
    await mkdir(queue.itemsDir, { recursive: true });
    await mkdir(queue.failedDir, { recursive: true });
    await mkdir(queue.stagingDir, { recursive: true });
    // Another process (`agent enqueue`) may be mid-write in staging: only sweep what is clearly abandoned.
    const cutoff = Date.now() - 60_000;
    for (const name of await readdir(queue.stagingDir)) {
      const path = join(queue.stagingDir, name);
      const info = await stat(path).catch(() => null);
      if (info && info.mtimeMs < cutoff) await rm(path, { recursive: true, force: true });
    }
    return queue;
  }

  /**
   * Adds a capture; durable when the promise resolves. The same bytes already pending are not queued twice
   * (the existing item is returned), so a re-dropped file costs nothing.
   */
  async enqueue(bytes: Uint8Array, meta: Omit<CaptureMeta, 'sha256' | 'enqueuedAt'>): Promise<QueuedCapture> {
    const sha256 = sha256Hex(bytes);
    const existing = (await this.pendingIds()).find((id) => id.endsWith(`-${sha256}`));
    if (existing) return this.item(existing);

    const full: CaptureMeta = { ...meta, sha256, enqueuedAt: new Date().toISOString() };
    const id = `${this.nextSeq()}-${sha256}`;
    const staging = join(this.stagingDir, `${id}.${randomBytes(4).toString('hex')}`);
    await mkdir(staging);
    await writeDurably(join(staging, 'image'), bytes);
    await writeDurably(join(staging, 'meta.json'), JSON.stringify(full, null, 2));
    await fsyncPath(staging);
    await rename(staging, join(this.itemsDir, id));
    // The rename itself is durable only once the directories holding both names are synced.
    await fsyncPath(this.itemsDir);
    await fsyncPath(this.stagingDir);
    return this.item(id);
  }

  /** Pending items, oldest first. */
  async list(limit = Number.POSITIVE_INFINITY): Promise<QueuedCapture[]> {
    const ids = (await this.pendingIds()).slice(0, limit);
    const items: QueuedCapture[] = [];
    for (const id of ids) {
      const item = await this.item(id).catch(() => null); // removed meanwhile by another process
      if (item) items.push(item);
    }
    return items;
  }

  async peek(): Promise<QueuedCapture | null> {
    return (await this.list(1))[0] ?? null;
  }

  async depth(): Promise<number> {
    return (await this.pendingIds()).length;
  }

  /** The completion step: the gateway answered 2xx, so the capture is safely ingested. Logged, then removed. */
  async remove(item: QueuedCapture, record: Omit<SentRecord, 'id' | 'sha256' | 'sentAt'>): Promise<void> {
    const line: SentRecord = {
      id: item.id,
      sha256: item.meta.sha256,
      sentAt: new Date().toISOString(),
      ...record,
    };
    await appendFile(this.sentLogPath, `${JSON.stringify(line)}\n`);
    // Move out of items/ in one atomic step first, so a crash mid-delete never leaves half an item pending.
    const trash = join(this.stagingDir, `${item.id}.removed`);
    await rename(join(this.itemsDir, item.id), trash);
    await fsyncPath(this.itemsDir);
    await rm(trash, { recursive: true, force: true });
  }

  /** The gateway refused the capture for good (a 4xx other than 401/403/408/429): keep it aside, with the reason. */
  async moveToFailed(item: QueuedCapture, reason: { status: number | null; message: string }): Promise<void> {
    const target = join(this.failedDir, item.id);
    await writeFile(
      join(this.itemsDir, item.id, 'error.json'),
      JSON.stringify({ ...reason, at: new Date().toISOString() }),
    );
    await rename(join(this.itemsDir, item.id), target);
    await fsyncPath(this.itemsDir);
    await fsyncPath(this.failedDir);
  }

  async sentRecords(): Promise<SentRecord[]> {
    const text = await readFile(this.sentLogPath, 'utf8').catch(() => '');
    return text
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line) as SentRecord);
  }

  async status(): Promise<QueueStatus> {
    const ids = await this.pendingIds();
    let bytes = 0;
    for (const id of ids)
      bytes += (await stat(join(this.itemsDir, id, 'image')).catch(() => ({ size: 0 }))).size;
    const oldest = ids[0]
      ? await this.item(ids[0])
          .then((i) => i.meta.enqueuedAt)
          .catch(() => null)
      : null;
    return {
      depth: ids.length,
      bytes,
      oldest,
      failed: (await readdir(this.failedDir)).length,
      sent: (await this.sentRecords()).length,
    };
  }

  private async pendingIds(): Promise<string[]> {
    const names = await readdir(this.itemsDir);
    return names.filter((n) => /^\d+-[0-9a-f]{64}$/.test(n)).sort();
  }

  private async item(id: string): Promise<QueuedCapture> {
    const dir = join(this.itemsDir, id);
    const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as CaptureMeta;
    return { id, meta, readImage: () => readFile(join(dir, 'image')) };
  }

  /** Microseconds since the epoch, strictly increasing within this process: names sort in enqueue order. */
  private nextSeq(): string {
    const now = Date.now() * 1000;
    this.lastSeq = Math.max(now, this.lastSeq + 1);
    return String(this.lastSeq).padStart(SEQ_WIDTH, '0');
  }
}
