import type { Pool, PoolClient } from '../db/pool.adapter';
import { withTransaction } from '../db/pool.adapter';
import { insertDeadLetter, type DeadLetterRow } from './dead-letters.projection';
import { projectEvent, READ_MODEL_TABLES } from './index';
import type { ProjectableEvent } from './projection';
import { toIso } from './projection';

/** One decoded event and where it was read from. */
export interface LoggedEvent {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  schemaId: number;
  decoded: ProjectableEvent;
}

/** Everything one consumer read from one partition in one fetch. */
export interface ProjectionBatch {
  /** Projection consumer name; checkpoints are kept per name, not per Kafka group. */
  consumer: string;
  topic: string;
  partition: number;
  /** Offset to resume from after this batch (last offset + 1). */
  nextOffset: string;
  events: LoggedEvent[];
  deadLetters: DeadLetterRow[];
}

export interface BatchResult {
  /** Events seen for the first time and folded into the read models. */
  applied: number;
  /** Events already in the event log (redelivery): ignored. */
  duplicates: number;
  deadLetters: number;
}

const INSERT_EVENTS = `
INSERT INTO event_log (event_id, type, topic, "partition", "offset", key, run_id, image_id, occurred_at, payload, schema_id)
SELECT e.event_id, e.type, e.topic, e.partition, e.offset, e.key, e.run_id, e.image_id, e.occurred_at, e.payload, e.schema_id
FROM jsonb_to_recordset($1::jsonb) AS e(
  event_id text, type text, topic text, "partition" integer, "offset" bigint, key text, run_id text, image_id text,
  occurred_at timestamptz, payload jsonb, schema_id integer)
ON CONFLICT (event_id) DO NOTHING
RETURNING event_id`;

const SAVE_CHECKPOINT = `
INSERT INTO projector_checkpoints (consumer, topic, "partition", next_offset) VALUES ($1, $2, $3, $4)
ON CONFLICT (consumer, topic, "partition") DO UPDATE SET
  next_offset = GREATEST(projector_checkpoints.next_offset, EXCLUDED.next_offset),
  updated_at = now()`;

/** First occurrence of each event id; a producer retry can put the same event twice in one batch. */
export function uniqueEvents(events: LoggedEvent[]): LoggedEvent[] {
  const seen = new Set<string>();
  return events.filter(({ decoded }) => {
    const id = decoded.event.envelope.eventId;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

export function eventLogRecord(logged: LoggedEvent) {
  const { envelope } = logged.decoded.event;
  return {
    event_id: envelope.eventId,
    type: logged.decoded.type,
    topic: logged.topic,
    partition: logged.partition,
    offset: logged.offset,
    key: logged.key,
    run_id: envelope.runId,
    image_id: envelope.imageId,
    occurred_at: toIso(envelope.occurredAt),
    payload: logged.decoded.event,
    schema_id: logged.schemaId,
  };
}

/**
 * Writes one batch in ONE transaction: the events into `event_log` (ON CONFLICT DO NOTHING), the projections of
 * the events that were new, the dead letters, and the checkpoint. A redelivered batch finds its events already
 * logged and changes nothing; a crash before COMMIT leaves nothing behind, and the batch is read again.
 */
export async function applyProjectionBatch(pool: Pool, batch: ProjectionBatch): Promise<BatchResult> {
  const events = uniqueEvents(batch.events);
  return withTransaction(pool, async (client) => {
    let applied = 0;
    if (events.length > 0) {
      const inserted = await client.query<{ event_id: string }>(INSERT_EVENTS, [
        JSON.stringify(events.map(eventLogRecord)),
      ]);
      const fresh = new Set(inserted.rows.map((row) => row.event_id));
      for (const logged of events) {
        if (!fresh.has(logged.decoded.event.envelope.eventId)) continue;
        for (const statement of projectEvent(logged.decoded))
          await client.query(statement.text, statement.values);
        applied += 1;
      }
    }
    for (const row of batch.deadLetters) {
      const statement = insertDeadLetter(row);
      await client.query(statement.text, statement.values);
    }
    await client.query(SAVE_CHECKPOINT, [batch.consumer, batch.topic, batch.partition, batch.nextOffset]);
    return { applied, duplicates: batch.events.length - applied, deadLetters: batch.deadLetters.length };
  });
}

/** Next offset to read for one partition, or undefined when this consumer has never written there. */
export async function loadCheckpoint(
  db: Pool | PoolClient,
  consumer: string,
  topic: string,
  partition: number,
): Promise<string | undefined> {
  const { rows } = await db.query<{ next_offset: string }>(
    `SELECT next_offset FROM projector_checkpoints WHERE consumer = $1 AND topic = $2 AND "partition" = $3`,
    [consumer, topic, partition],
  );
  return rows[0]?.next_offset;
}

export async function listCheckpoints(
  db: Pool | PoolClient,
  consumer: string,
): Promise<{ topic: string; partition: number; nextOffset: string }[]> {
  const { rows } = await db.query<{ topic: string; partition: number; next_offset: string }>(
    `SELECT topic, "partition", next_offset FROM projector_checkpoints WHERE consumer = $1 ORDER BY topic, "partition"`,
    [consumer],
  );
  return rows.map((row) => ({ topic: row.topic, partition: row.partition, nextOffset: row.next_offset }));
}

/**
 * Empties what a rebuild reads again from Kafka: the event log, every read model and this consumer's checkpoints.
 * Dead letters and API keys stay: they carry state (re-drives, keys) that is not in the log, and dead-letter
 * inserts are idempotent by id.
 */
export async function resetProjections(pool: Pool, consumer: string): Promise<void> {
  await withTransaction(pool, async (client) => {
    await client.query(`TRUNCATE event_log, ${READ_MODEL_TABLES.join(', ')}`);
    await client.query(`DELETE FROM projector_checkpoints WHERE consumer = $1`, [consumer]);
  });
}

export interface ProjectionLock {
  release(): Promise<void>;
}

/**
 * Live projectors hold a shared lock per projection name for as long as they run; `rebuild` needs it exclusively,
 * so it cannot truncate tables under a running projector (and a projector cannot start during a rebuild).
 * Returns undefined when the lock is taken in the other mode. The lock lives on one dedicated pooled connection.
 */
export async function tryProjectionLock(
  pool: Pool,
  name: string,
  mode: 'shared' | 'exclusive',
): Promise<ProjectionLock | undefined> {
  const key = `imageflow-projector:${name}`;
  const suffix = mode === 'shared' ? '_shared' : '';
  const client = await pool.connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>(
      `SELECT pg_try_advisory_lock${suffix}(hashtextextended($1, 0)) AS locked`,
      [key],
    );
    if (!rows[0]?.locked) {
      client.release();
      return undefined;
    }
  } catch (error) {
    client.release(true);
    throw error;
  }
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      try {
        // Unlock before the connection goes back, so the next locker never races the connection's teardown.
        await client.query(`SELECT pg_advisory_unlock${suffix}(hashtextextended($1, 0))`, [key]);
        client.release();
      } catch {
        // A broken connection holds no locks once the server notices; drop it.
        client.release(true);
      }
    },
  };
}
