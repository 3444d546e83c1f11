// `imageflow agent`: the edge agent of handheld and wearable cameras. Captures enter the durable queue (from a
// watched directory, or `imageflow agent enqueue`), and the sender delivers them when the gateway is reachable.
import { readFile, stat, unlink } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Logger } from '@imageflow/observability';
import { watch } from 'chokidar';
import type { GatewayClient } from '../gateway/gateway.client';
import { contentTypeOf, isImageFile } from '../ingest/image-files';
import type { Io } from '../output/io';
import { runSender, type SenderStats } from './agent-sender';
import type { BackoffPolicy } from './backoff';
import { DurableQueue, type QueuedCapture } from './durable-queue';

export interface AgentOptions {
  queue: string;
  camera: string;
  line?: string | undefined;
  lot?: string | undefined;
  watch?: string | undefined;
  /** Deliver what is queued, then exit (no watching). */
  once?: boolean | undefined;
  backoff: BackoffPolicy;
}

export interface EnqueueOptions {
  queue: string;
  camera?: string | undefined;
  line?: string | undefined;
  lot?: string | undefined;
  serial?: string | undefined;
  capturedAt?: string | undefined;
}

/** Puts one image file into the queue. Its capture time is the file's modification time unless given. */
export async function enqueueFile(
  queue: DurableQueue,
  file: string,
  options: Omit<EnqueueOptions, 'queue'>,
): Promise<QueuedCapture> {
  if (!isImageFile(file)) throw new Error(`${file} is not an image file (.jpg .jpeg .png .webp .tif .tiff)`);
  const [bytes, info] = await Promise.all([readFile(file), stat(file)]);
  return queue.enqueue(bytes, {
    contentType: contentTypeOf(file),
    capturedAt: options.capturedAt ?? info.mtime.toISOString(),
    cameraId: options.camera,
    lineId: options.line,
    lot: options.lot,
    serial: options.serial,
    fileName: basename(file),
  });
}

export async function runAgent(
  options: AgentOptions,
  client: GatewayClient,
  logger: Logger,
  signal: AbortSignal,
): Promise<SenderStats> {
  const queue = await DurableQueue.open(options.queue);
  logger.info(
    { queue: options.queue, depth: await queue.depth(), gateway: client.url, watch: options.watch ?? null },
    'agent started',
  );
  const watcher =
    options.watch && !options.once
      ? watch(options.watch, {
          ignored: (path, stats) =>
            Boolean(stats?.isFile() && (!isImageFile(path) || basename(path).startsWith('.'))),
          // A camera writes a file over some time: take it only once its size has settled.
          awaitWriteFinish: { stabilityThreshold: 300, pollInterval: 100 },
          depth: 0,
        })
      : null;
  // One capture at a time into the queue, in the order the files appeared.
  let intake = Promise.resolve();
  watcher?.on('add', (path) => {
    intake = intake.then(async () => {
      try {
        const item = await enqueueFile(queue, path, {
          camera: options.camera,
          line: options.line,
          lot: options.lot,
        });
        // Durable in the queue now, so the dropped file can go; a crash before this line re-queues the same bytes
        // (deduplicated in the queue, or answered `duplicate` by the gateway).
        await unlink(path);
        logger.info({ file: path, item: item.id }, 'capture queued');
      } catch (error) {
        logger.error(
          { file: path, err: error instanceof Error ? error.message : String(error) },
          'capture not queued; left in place',
        );
      }
    });
  });
  watcher?.on('error', (error) => logger.error({ err: String(error) }, 'watch failed'));
  try {
    return await runSender({
      queue,
      client,
      cameraId: options.camera,
      lineId: options.line,
      lot: options.lot,
      logger,
      backoff: options.backoff,
      signal,
      exitWhenEmpty: Boolean(options.once),
    });
  } finally {
    await watcher?.close();
    await intake;
    logger.info({ depth: await queue.depth() }, 'agent stopped');
  }
}

export async function printQueueStatus(queueDir: string, io: Io, json: boolean): Promise<void> {
  const queue = await DurableQueue.open(queueDir);
  const status = await queue.status();
  if (json) io.out(JSON.stringify({ queue: queueDir, ...status }, null, 2));
  else {
    io.out(`queue ${queueDir}`);
    io.out(
      `  pending  ${status.depth} capture(s), ${status.bytes} bytes${status.oldest ? `, oldest queued ${status.oldest}` : ''}`,
    );
    io.out(`  sent     ${status.sent}`);
    io.out(
      `  failed   ${status.failed}${status.failed ? ` (refused by the gateway; see ${queueDir}/failed/*/error.json)` : ''}`,
    );
  }
}
