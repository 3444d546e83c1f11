// Reads a slice of a topic without joining anyone's group or committing anything: for listing dead letters and
// fetching the one to re-drive (gateway `GET /api/v1/dlq`), and for tools.
import type { Kafka, KafkaMessage } from 'kafkajs';
import { consumerConfig, topicOffsets } from './kafka.adapter';

export interface ReadMessagesOptions {
  topic: string;
  /** Only this partition (default: all). */
  partition?: number;
  /** First offset to read on each partition read (default: the oldest kept, or see `newest`). */
  fromOffset?: string;
  /** Most messages per partition (default 100). */
  limit?: number;
  /** Without `fromOffset`: read the last `limit` messages of each partition instead of the first. */
  newest?: boolean;
  /** The throw-away consumer group's id (default: a random `imageflow-reader-…`); it is deleted afterwards. */
  groupId?: string;
  /** Give up after this long (default 15 s). */
  timeoutMs?: number;
}

export interface ReadRecord {
  topic: string;
  partition: number;
  offset: string;
  message: KafkaMessage;
}

interface Range {
  partition: number;
  start: bigint;
  /** Exclusive. */
  end: bigint;
}

/** Reads what the topic holds now in the asked range, sorted by partition then offset. Empty when there is nothing. */
export async function readMessages(kafka: Kafka, opts: ReadMessagesOptions): Promise<ReadRecord[]> {
  const limit = BigInt(opts.limit ?? 100);
  if (limit < 1n) throw new Error(`readMessages: limit must be ≥ 1 (got ${opts.limit})`);
  const admin = kafka.admin();
  await admin.connect();
  let ranges: Range[];
  try {
    const offsets = await topicOffsets(admin, opts.topic);
    ranges = offsets
      .filter((p) => opts.partition === undefined || p.partition === opts.partition)
      .map((p) => {
        const low = BigInt(p.low);
        const high = BigInt(p.high);
        let start =
          opts.fromOffset !== undefined ? BigInt(opts.fromOffset) : opts.newest ? high - limit : low;
        if (start < low) start = low;
        const end = start + limit < high ? start + limit : high;
        return { partition: p.partition, start, end };
      })
      .filter((r) => r.start < r.end);
  } finally {
    await admin.disconnect();
  }
  if (ranges.length === 0) return [];

  const groupId =
    opts.groupId ?? `imageflow-reader-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
  const consumer = kafka.consumer(consumerConfig(groupId, { maxWaitTimeInMs: 100 }));
  // Keyed by partition and offset: a batch fetched before the seek may overlap the ones after it.
  const records = new Map<string, ReadRecord>();
  const pending = new Set(ranges.map((r) => r.partition));
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [opts.topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const range = ranges.find((r) => r.partition === batch.partition);
        if (!range || !pending.has(batch.partition)) return;
        for (const message of batch.messages) {
          const offset = BigInt(message.offset);
          if (offset >= range.start && offset < range.end)
            records.set(`${batch.partition}:${message.offset}`, {
              topic: batch.topic,
              partition: batch.partition,
              offset: message.offset,
              message,
            });
          if (offset >= range.end - 1n) {
            pending.delete(batch.partition);
            break;
          }
        }
        if (pending.size === 0) finish();
      },
    });
    for (const range of ranges)
      consumer.seek({ topic: opts.topic, partition: range.partition, offset: range.start.toString() });
    const timeoutMs = opts.timeoutMs ?? 15_000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      finished,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `readMessages(${opts.topic}): ${records.size} read, range not complete after ${timeoutMs} ms`,
              ),
            ),
          timeoutMs,
        );
      }),
    ]).finally(() => clearTimeout(timer));
  } finally {
    await consumer.disconnect();
    // The throw-away group committed nothing; remove it so it does not show in lag dashboards.
    await deleteGroup(kafka, groupId);
  }
  return [...records.values()].sort(
    (a, b) => a.partition - b.partition || (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1),
  );
}

/** Deletes a consumer group, retrying briefly while the broker still counts the member that just left. Best effort. */
async function deleteGroup(kafka: Kafka, groupId: string): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    for (let attempt = 1; attempt <= 10; attempt += 1) {
      try {
        await admin.deleteGroups([groupId]);
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  } catch {
    // A left-over empty group is harmless; the broker expires it with its offsets retention.
  } finally {
    await admin.disconnect();
  }
}
