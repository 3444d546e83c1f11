// Replays: a ReplayRequested on the run log starts a scan of imageflow.images.v1; every capture that matches the
// filter starts a run of the target version, tagged with the replay (trigger REPLAY). Progress and the end are
// appended to the log (key replay id). Run ids are name-based (capture + pipeline + replay), so a scan that is
// started again after a crash or rebalance starts no run twice. A cancel stops new runs; started ones finish.
import type { EventOf } from '@imageflow/contracts';
import {
  readMessages,
  topicOffsets,
  type DecodedEvent,
  type EventProducer,
  type EventSerde,
  type Kafka,
} from '@imageflow/messaging';
import { Counter, type Logger, type Registry } from '@imageflow/observability';
import type { ConfigReader } from './config.reader';
import { runStartedEvent } from './run-events.mapping';
import { stableEventId } from '@imageflow/messaging';

export interface ReplayExecutorOptions {
  kafka: Kafka;
  serde: EventSerde;
  producer: EventProducer;
  config: ConfigReader;
  imagesTopic: string;
  runEventsTopic: string;
  logger: Logger;
  metrics: Registry;
  /** Messages read per request while scanning (default 500). */
  pageSize?: number;
  /** A ReplayProgressed every this many started runs (default 50). */
  progressEvery?: number;
}

interface Replay {
  request: EventOf<'ReplayRequested'>;
  partition: number;
  cancelled: boolean;
  finished: boolean;
  running: boolean;
}

const REPLAY_TYPES: ReadonlySet<string> = new Set([
  'ReplayRequested',
  'ReplayCancelRequested',
  'ReplayFinished',
]);
const RETRY_MS = 2_000;

export const replayFinishedId = (replayId: string): string =>
  stableEventId('orchestrator', 'replay', replayId, 'finished');

export class ReplayExecutor {
  private readonly replays = new Map<string, Replay>();
  /** Cancels read before their request (another partition order cannot happen: same key, but be lenient). */
  private readonly cancelledEarly = new Set<string>();
  private stopped = false;
  private readonly started: Counter;

  constructor(private readonly opts: ReplayExecutorOptions) {
    this.started = new Counter({
      name: 'imageflow_orchestrator_replay_runs_started_total',
      help: 'RunStarted published by replays',
      registers: [opts.metrics],
    });
  }

  static handles(type: string): boolean {
    return REPLAY_TYPES.has(type);
  }

  /** Applies a replay event of the log; live ones start or cancel scans, rebuilt ones only record. */
  onEvent(decoded: DecodedEvent, partition: number, live: boolean): void {
    if (decoded.type === 'ReplayRequested') {
      const { replayId } = decoded.event;
      if (this.replays.has(replayId)) return;
      const replay: Replay = {
        request: decoded.event,
        partition,
        cancelled: this.cancelledEarly.delete(replayId),
        finished: false,
        running: false,
      };
      this.replays.set(replayId, replay);
      if (live) this.run(replay);
    } else if (decoded.type === 'ReplayCancelRequested') {
      const replay = this.replays.get(decoded.event.replayId);
      if (replay) replay.cancelled = true;
      else this.cancelledEarly.add(decoded.event.replayId);
      if (replay && live && !replay.running && !replay.finished) this.run(replay);
    } else if (decoded.type === 'ReplayFinished') {
      const replay = this.replays.get(decoded.event.replayId);
      if (replay) replay.finished = true;
    }
  }

  /** After a partition was rebuilt: scans that never finished are started again (idempotently). */
  resume(partition: number): void {
    for (const replay of this.replays.values())
      if (replay.partition === partition && !replay.finished && !replay.running) this.run(replay);
  }

  /** Forgets the replays of a partition before it is rebuilt. */
  forgetPartition(partition: number): void {
    for (const [id, replay] of this.replays)
      if (replay.partition === partition && !replay.running) this.replays.delete(id);
  }

  stop(): void {
    this.stopped = true;
  }

  private run(replay: Replay): void {
    if (this.stopped || replay.running) return;
    replay.running = true;
    const log = this.opts.logger.child({ replayId: replay.request.replayId });
    this.scan(replay, log)
      .then(() => {
        replay.running = false;
      })
      .catch((error: unknown) => {
        replay.running = false;
        log.error({ err: error }, 'replay scan failed; starting it again');
        setTimeout(() => this.run(replay), RETRY_MS).unref();
      });
  }

  private async scan(replay: Replay, log: Logger): Promise<void> {
    const { request } = replay;
    const { replayId, filter } = request;
    await this.opts.config.sync();
    const version = this.opts.config.table.version(request.targetPipelineId, request.targetVersion);
    if (!version) {
      await this.finish(
        replay,
        'FAILED',
        0,
        0,
        `unknown version ${request.targetVersion} of pipeline ${request.targetPipelineId}`,
      );
      return;
    }
    log.info(
      { pipelineId: request.targetPipelineId, version: request.targetVersion, filter },
      'replay scanning captures',
    );
    const progressEvery = this.opts.progressEvery ?? 50;
    const pageSize = this.opts.pageSize ?? 500;
    let matched = 0;
    let started = 0;
    const admin = this.opts.kafka.admin();
    await admin.connect();
    let partitions: { partition: number; low: string; high: string }[];
    try {
      partitions = await topicOffsets(admin, this.opts.imagesTopic);
    } finally {
      await admin.disconnect();
    }
    const matches = (c: EventOf<'ImageCaptured'>['capture']) =>
      c.capturedAt >= filter.from &&
      c.capturedAt <= filter.to &&
      (filter.cameraIds.length === 0 || filter.cameraIds.includes(c.cameraId)) &&
      (filter.lineIds.length === 0 || (c.lineId !== null && filter.lineIds.includes(c.lineId))) &&
      (filter.lots.length === 0 || (c.lot !== null && filter.lots.includes(c.lot)));

    for (const { partition, low, high } of partitions) {
      for (let offset = BigInt(low); offset < BigInt(high); offset += BigInt(pageSize)) {
        if (replay.cancelled || this.stopped) break;
        const end = BigInt(high);
        const limit = Number(end - offset < BigInt(pageSize) ? end - offset : BigInt(pageSize));
        const records = await readMessages(this.opts.kafka, {
          topic: this.opts.imagesTopic,
          partition,
          fromOffset: offset.toString(),
          limit,
        });
        for (const record of records) {
          if (replay.cancelled || this.stopped) break;
          let decoded: DecodedEvent;
          try {
            decoded = await this.opts.serde.decode(record.message.value as Buffer);
          } catch {
            continue; // the live capture consumer dead-letters it
          }
          if (decoded.type !== 'ImageCaptured' || !matches(decoded.event.capture)) continue;
          matched += 1;
          const event = runStartedEvent({
            capture: decoded.event,
            pipelineId: request.targetPipelineId,
            version: request.targetVersion,
            plan: version.plan,
            trigger: 'REPLAY',
            replayId,
            now: Date.now(),
          });
          await this.opts.producer.publish(
            this.opts.runEventsTopic,
            event.envelope.runId ?? replayId,
            'RunStarted',
            event,
          );
          started += 1;
          this.started.inc();
          if (started % progressEvery === 0) await this.progress(request, matched, started, false);
        }
      }
    }
    if (this.stopped) return;
    if (replay.cancelled) {
      await this.finish(replay, 'CANCELLED', matched, started, 'cancelled by request');
      return;
    }
    await this.progress(request, matched, started, true);
    await this.finish(replay, 'COMPLETED', matched, started, null);
    log.info({ matched, started }, 'replay finished');
  }

  private envelope(request: EventOf<'ReplayRequested'>, type: string, eventId: string) {
    return {
      eventId,
      type,
      occurredAt: Date.now(),
      runId: null,
      imageId: null,
      pipelineId: request.targetPipelineId,
      pipelineVersion: request.targetVersion,
      causationId: request.envelope.eventId,
      correlationId: request.envelope.correlationId ?? request.envelope.eventId,
    };
  }

  private async progress(
    request: EventOf<'ReplayRequested'>,
    matched: number,
    started: number,
    scanComplete: boolean,
  ): Promise<void> {
    const eventId = stableEventId(
      'orchestrator',
      'replay',
      request.replayId,
      'progress',
      String(started),
      String(scanComplete),
    );
    await this.opts.producer.publish(this.opts.runEventsTopic, request.replayId, 'ReplayProgressed', {
      envelope: this.envelope(request, 'ReplayProgressed', eventId),
      replayId: request.replayId,
      matched,
      started,
      scanComplete,
    });
  }

  private async finish(
    replay: Replay,
    outcome: 'COMPLETED' | 'CANCELLED' | 'FAILED',
    matched: number,
    started: number,
    message: string | null,
  ): Promise<void> {
    const { request } = replay;
    await this.opts.producer.publish(this.opts.runEventsTopic, request.replayId, 'ReplayFinished', {
      envelope: this.envelope(request, 'ReplayFinished', replayFinishedId(request.replayId)),
      replayId: request.replayId,
      outcome,
      matched,
      started,
      message,
    });
    replay.finished = true;
  }
}
