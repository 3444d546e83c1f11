// The sender loop of the edge agent: oldest capture first, one at a time (order is kept), retried with backoff
// while the gateway is unreachable, failing (5xx) or rate limiting (429). The content hash is the
// Idempotency-Key and the gateway's image id, so a capture sent, acknowledged and then sent again (the agent died
// between the 2xx and the removal) is answered `duplicate: true` and produces no second event.
import type { Logger } from '@imageflow/observability';
import { GatewayError, type GatewayClient } from '../gateway/gateway.client';
import { backoffDelay, DEFAULT_BACKOFF, sleep, type BackoffPolicy } from './backoff';
import type { DurableQueue, QueuedCapture } from './durable-queue';

export interface SenderOptions {
  queue: DurableQueue;
  client: GatewayClient;
  cameraId: string;
  lineId?: string | undefined;
  lot?: string | undefined;
  logger: Logger;
  backoff?: BackoffPolicy;
  /** How often an empty queue is looked at again (captures may come from `agent enqueue` in another process). */
  idleMs?: number;
  signal: AbortSignal;
  /** Called after each delivered capture (the progress of `--once`). */
  onSent?: (item: QueuedCapture, duplicate: boolean) => void;
  /** Stop when the queue is empty instead of waiting for more (`agent --once`). */
  exitWhenEmpty?: boolean;
}

export interface SenderStats {
  sent: number;
  duplicates: number;
  failed: number;
  retries: number;
}

export async function runSender(options: SenderOptions): Promise<SenderStats> {
  const { queue, client, logger, signal } = options;
  const policy = options.backoff ?? DEFAULT_BACKOFF;
  const stats: SenderStats = { sent: 0, duplicates: 0, failed: 0, retries: 0 };
  while (!signal.aborted) {
    const item = await queue.peek();
    if (!item) {
      if (options.exitWhenEmpty) break;
      await sleep(options.idleMs ?? 500, signal);
      continue;
    }
    const bytes = await item.readImage();
    for (let attempt = 1; !signal.aborted; attempt++) {
      try {
        const result = await client.ingest(
          bytes,
          item.meta.contentType,
          {
            cameraId: item.meta.cameraId ?? options.cameraId,
            lineId: item.meta.lineId ?? options.lineId,
            lot: item.meta.lot ?? options.lot,
            serial: item.meta.serial,
            capturedAt: item.meta.capturedAt,
            source: 'AGENT',
          },
          item.meta.sha256,
        );
        await queue.remove(item, {
          imageId: result.imageId,
          duplicate: result.duplicate,
          eventId: result.eventId,
          attempts: attempt,
        });
        stats.sent++;
        if (result.duplicate) stats.duplicates++;
        logger.info(
          { item: item.id, imageId: result.imageId, duplicate: result.duplicate, attempts: attempt },
          'capture delivered',
        );
        options.onSent?.(item, result.duplicate);
        break;
      } catch (error) {
        const gatewayError = error instanceof GatewayError ? error : null;
        // 401/403 are a configuration problem a person will fix; keep the capture and keep trying, slowly.
        const keep = gatewayError
          ? gatewayError.retryable ||
            gatewayError.kind === 'unauthorized' ||
            gatewayError.kind === 'forbidden'
          : false;
        if (gatewayError && !keep) {
          await queue.moveToFailed(item, { status: gatewayError.status, message: gatewayError.message });
          stats.failed++;
          logger.error(
            { item: item.id, status: gatewayError.status, err: gatewayError.message },
            'capture refused; moved to failed/',
          );
          break;
        }
        if (!gatewayError) throw error; // a local fault (disk): surface it rather than spin
        const delayMs = backoffDelay(
          gatewayError.kind === 'unauthorized' || gatewayError.kind === 'forbidden' ? 100 : attempt,
          policy,
          gatewayError.retryAfterMs,
        );
        stats.retries++;
        logger.warn(
          { item: item.id, attempt, delayMs, reason: gatewayError.message },
          'send failed; will retry',
        );
        await sleep(delayMs, signal);
      }
    }
  }
  return stats;
}
