// The runs of the event log, each an event-sourced state machine (libs/pipeline `evolve`), and the effects its
// commands ask for: StepRequested to the log and the stage topic (at `notBefore`), RunCompleted / RunFailed,
// and StepFailed(TIMEOUT) when a step's deadline passes without a result.
//
// State lives in memory and is rebuilt from the log whenever a partition is assigned: its events up to the high
// watermark are only folded (their commands were performed by whoever read them first), then `pendingCommands`
// of every unfinished run are performed once, before any new event of that partition is handled. Every event
// id we publish is name-based, so performing a command again (after a crash, a rebalance) changes nothing.
import {
  readMessages,
  topicOffsets,
  type CheckpointedBatch,
  type DecodedEvent,
  type EventProducer,
  type EventSerde,
  type Kafka,
  type PublishItem,
} from '@imageflow/messaging';
import {
  context as otelContext,
  Counter,
  Gauge,
  type Context,
  type Logger,
  type Registry,
} from '@imageflow/observability';
import { evolve, pendingCommands, stepDeadlines, type RunState } from '@imageflow/pipeline';
import { ReplayExecutor } from './replay.executor';
import {
  InvalidRunEventError,
  metaOf,
  RUN_EVENT_TYPES,
  runCompletedEvent,
  runFailedEvent,
  stepRequestedEvent,
  timeoutEvent,
  toRunEvent,
  unusableRunFailedEvent,
  type OrchestratorCommand,
  type RunLogEvent,
  type RunMeta,
  type Value,
} from './run-events.mapping';

export interface RunEngineOptions {
  kafka: Kafka;
  producer: EventProducer;
  serde: EventSerde;
  runEventsTopic: string;
  /** Executes ReplayRequested / ReplayCancelRequested read from the log. */
  replays?: ReplayExecutor;
  /** Longest one page (5000 events) of a partition's rebuild may take (default 120 s). */
  rebuildTimeoutMs?: number;
  /** Topic of a stage kind's work items; ensures it exists. */
  stageTopic: (kind: string) => Promise<string>;
  logger: Logger;
  metrics: Registry;
  now?: () => number;
}

interface Run {
  state: RunState<Value>;
  meta: RunMeta;
  partition: number;
}

const RETRY_PUBLISH_MS = 1_000;
/** Events read per request while rebuilding a partition. */
const REBUILD_PAGE = 5_000n;
const isFinished = (state: RunState<Value>) => state.status === 'completed' || state.status === 'failed';

export class RunEngine {
  private readonly runs = new Map<string, Run>();
  /** Runs closed in the log; kept as ids only, so a late or redelivered RunStarted does not start them again. */
  private readonly finished = new Set<string>();
  /** Next offset to apply, per partition of the log. */
  private readonly progress = new Map<number, bigint>();
  private flushing: Promise<void> = Promise.resolve();
  /** Runs whose RunStarted cannot run, until their RunFailed is read back. */
  private readonly unusable = new Map<string, PublishItem>();
  private readonly timers = new Map<string, Map<string, NodeJS.Timeout>>();
  /** Commands to perform, each with the trace context of the event that caused it (its events become children). */
  private readonly outbox: { runId: string; command: OrchestratorCommand; traceContext?: Context }[] = [];
  private readonly now: () => number;
  private stopped = false;
  private readonly m: {
    requested: Counter;
    timeouts: Counter;
    closed: Counter;
    invalid: Counter;
    active: Gauge;
  };

  constructor(private readonly opts: RunEngineOptions) {
    this.now = opts.now ?? Date.now;
    const registers = [opts.metrics];
    this.m = {
      requested: new Counter({
        name: 'imageflow_orchestrator_steps_requested_total',
        help: 'StepRequested published (incl. re-sends with the same id)',
        labelNames: ['stage'],
        registers,
      }),
      timeouts: new Counter({
        name: 'imageflow_orchestrator_step_timeouts_total',
        help: 'Steps failed with TIMEOUT by the orchestrator',
        registers,
      }),
      closed: new Counter({
        name: 'imageflow_orchestrator_runs_closed_total',
        help: 'RunCompleted / RunFailed published',
        labelNames: ['outcome'],
        registers,
      }),
      invalid: new Counter({
        name: 'imageflow_orchestrator_invalid_events_total',
        help: 'Run events that could not be used',
        labelNames: ['type'],
        registers,
      }),
      active: new Gauge({
        name: 'imageflow_orchestrator_active_runs',
        help: 'Runs in memory that are not finished',
        registers,
      }),
    };
  }

  /**
   * CheckpointedBatchConsumer, on every assignment: rebuilds the partition's runs from its first offset up to the
   * high watermark (folded only: those commands were performed by whoever read the events first), queues what the
   * unfinished runs still owe, and has the consumer go on from the high watermark. Rebuilding on every
   * assignment (not only the first) keeps the state right even if another process owned the partition meanwhile.
   */
  loadCheckpoint = async (topic: string, partition: number): Promise<string> => {
    for (const [runId, run] of this.runs) if (run.partition === partition) this.forget(runId);
    this.opts.replays?.forgetPartition(partition);
    const admin = this.opts.kafka.admin();
    await admin.connect();
    let low: bigint;
    let high: bigint;
    try {
      const offsets = await topicOffsets(admin, topic);
      const p = offsets.find((o) => o.partition === partition);
      low = BigInt(p?.low ?? '0');
      high = BigInt(p?.high ?? '0');
    } finally {
      await admin.disconnect();
    }
    const started = Date.now();
    let undecodable = 0;
    let events = 0;
    const rebuilt = new Set<string>();
    // Page through the partition so memory stays bounded by a page, not by the log's retention.
    for (let from = low; from < high; from += REBUILD_PAGE) {
      const limit = Number(high - from < REBUILD_PAGE ? high - from : REBUILD_PAGE);
      const records = await readMessages(this.opts.kafka, {
        topic,
        partition,
        fromOffset: from.toString(),
        limit,
        timeoutMs: this.opts.rebuildTimeoutMs ?? 120_000,
      });
      events += records.length;
      for (const record of records) {
        let decoded: DecodedEvent;
        try {
          decoded = await this.opts.serde.decode(record.message.value as Buffer);
        } catch (error) {
          // The live consumer dead-letters it; a rebuild only has to leave it out.
          undecodable += 1;
          this.opts.logger.warn(
            { topic, partition, offset: record.offset, err: error },
            'undecodable event left out of the rebuild',
          );
          continue;
        }
        this.apply(decoded, partition, false, rebuilt);
      }
    }
    this.progress.set(partition, high);
    for (const [runId, failed] of this.unusable)
      if (failed.key === runId && rebuilt.has(runId)) this.publishLater(runId, [failed]);
    const unfinished = this.queuePending(partition);
    this.opts.logger.info(
      {
        topic,
        partition,
        from: low.toString(),
        to: high.toString(),
        events,
        undecodable,
        unfinishedRuns: unfinished,
        ms: Date.now() - started,
      },
      'runs rebuilt from the log',
    );
    this.flushSoon();
    this.opts.replays?.resume(partition);
    return high.toString();
  };

  /** CheckpointedBatchConsumer: applies a batch; effects are published before the batch counts as done. */
  handleBatch = async (batch: CheckpointedBatch): Promise<void> => {
    const next = this.progress.get(batch.partition) ?? 0n;
    const touched = new Set<string>();
    // Per run, the trace context of its newest event in this batch: timers armed for it (timeouts) carry it.
    const causes = new Map<string, Context>();
    let position = next;
    for (const message of batch.messages) {
      const offset = BigInt(message.offset);
      if (offset < position) continue; // already applied (a retried batch, or part of the rebuild)
      const cause = message.traceContext ?? otelContext.active();
      otelContext.with(cause, () => this.apply(message.decoded, batch.partition, true, touched, cause));
      const runId = message.decoded.event.envelope.runId;
      if (runId) causes.set(runId, cause);
      position = offset + 1n;
    }
    const last = BigInt(batch.lastOffset) + 1n;
    this.progress.set(batch.partition, last > position ? last : position);
    for (const runId of touched)
      otelContext.with(causes.get(runId) ?? otelContext.active(), () => this.armTimers(runId));
    await this.flush();
  };

  /** Queues what every unfinished run of the partition still owes and arms its timers; returns how many runs. */
  private queuePending(partition: number): number {
    let count = 0;
    for (const [runId, run] of this.runs) {
      if (run.partition !== partition || isFinished(run.state)) continue;
      count += 1;
      for (const command of pendingCommands(run.state)) this.outbox.push({ runId, command });
      this.armTimers(runId);
    }
    return count;
  }

  private forget(runId: string): void {
    this.runs.delete(runId);
    this.clearTimers(runId);
  }

  /** Flushes now and, while publishing fails, again every second. */
  private flushSoon(): void {
    if (this.stopped) return;
    this.flush().catch((error: unknown) => {
      this.opts.logger.warn({ err: error }, 'performing commands failed; trying again');
      setTimeout(() => this.flushSoon(), RETRY_PUBLISH_MS).unref();
    });
  }

  private apply(
    decoded: DecodedEvent,
    partition: number,
    live: boolean,
    touched: Set<string>,
    traceContext?: Context,
  ): void {
    if (ReplayExecutor.handles(decoded.type)) {
      this.opts.replays?.onEvent(decoded, partition, live);
      return;
    }
    if (!RUN_EVENT_TYPES.has(decoded.type)) return; // e.g. ReplayProgressed
    const log = decoded as RunLogEvent;
    const runId = log.event.envelope.runId;
    if (!runId) {
      this.m.invalid.inc({ type: log.type });
      this.opts.logger.warn(
        { type: log.type, eventId: log.event.envelope.eventId },
        'run event without runId, ignored',
      );
      return;
    }
    if (this.finished.has(runId)) return;
    if (this.unusable.has(runId)) {
      if (log.type === 'RunFailed') {
        this.unusable.delete(runId);
        this.finished.add(runId);
      }
      return;
    }
    let event;
    try {
      event = toRunEvent(log);
    } catch (error) {
      if (!(error instanceof InvalidRunEventError) || log.type !== 'RunStarted') throw error;
      this.m.invalid.inc({ type: log.type });
      this.opts.logger.error({ runId, err: error }, 'run cannot start: its plan is unusable; failing it');
      const failed: PublishItem = {
        topic: this.opts.runEventsTopic,
        key: runId,
        type: 'RunFailed',
        event: unusableRunFailedEvent(log.event, error.message, this.now()),
      };
      this.unusable.set(runId, failed);
      touched.add(runId);
      // During a rebuild it is published only if its RunFailed is not further on in the log (see loadCheckpoint).
      if (live) this.publishLater(runId, [failed]);
      return;
    }
    const run = this.runs.get(runId);
    let result;
    try {
      result = evolve(run?.state, event);
    } catch (error) {
      this.m.invalid.inc({ type: log.type });
      this.opts.logger.error({ runId, type: log.type, err: error }, 'event does not fit its run, ignored');
      return;
    }
    if (!result.state) return; // an event of a run this partition never started
    if (!run) {
      if (log.type !== 'RunStarted') return;
      this.runs.set(runId, { state: result.state, meta: metaOf(log.event), partition });
    } else run.state = result.state;
    touched.add(runId);
    if (isFinished(result.state)) {
      this.runs.delete(runId);
      this.finished.add(runId);
      this.clearTimers(runId);
      this.m.active.set(this.runs.size);
      return;
    }
    this.m.active.set(this.runs.size);
    if (live) for (const command of result.commands) this.outbox.push({ runId, command, traceContext });
  }

  /** Performs queued commands, one flush at a time; throws if a publish fails (the commands stay queued). */
  private flush(): Promise<void> {
    const run = this.flushing.then(() => this.drain());
    this.flushing = run.catch(() => undefined);
    return run;
  }

  /** A RequestStep not yet due waits on a timer. */
  private async drain(): Promise<void> {
    for (let next = this.outbox[0]; next; next = this.outbox[0]) {
      const { runId, command, traceContext } = next;
      const run = this.runs.get(runId);
      if (run) {
        // In the context of the causing event: the published events (and a retry's timer) continue its trace.
        await otelContext.with(traceContext ?? otelContext.active(), async () => {
          if (command.type === 'RequestStep' && command.notBefore > this.now()) this.schedule(runId, command);
          else await this.perform(run, command);
        });
      }
      this.outbox.shift();
    }
  }

  private async perform(run: Run, command: OrchestratorCommand): Promise<void> {
    const now = this.now();
    const { runId } = run.meta;
    if (command.type === 'RequestStep') {
      // A backoff timer may fire a millisecond early; the request never claims a time before `notBefore`.
      const event = stepRequestedEvent(command, run.meta, Math.max(now, command.notBefore));
      const stage = await this.opts.stageTopic(command.stageKind);
      await this.opts.producer.publishMany([
        { topic: this.opts.runEventsTopic, key: runId, type: 'StepRequested', event },
        { topic: stage, key: runId, type: 'StepRequested', event },
      ]);
      this.m.requested.inc({ stage: command.stageKind });
      this.opts.logger.debug(
        { runId, nodeId: command.nodeId, attempt: command.attempt, stage },
        'step requested',
      );
    } else if (command.type === 'CompleteRun') {
      await this.opts.producer.publish(
        this.opts.runEventsTopic,
        runId,
        'RunCompleted',
        runCompletedEvent(command, run.meta, now),
      );
      this.m.closed.inc({ outcome: 'completed' });
      this.opts.logger.info(
        { runId, verdict: command.verdict, durationMs: command.durationMs },
        'run completed',
      );
    } else {
      await this.opts.producer.publish(
        this.opts.runEventsTopic,
        runId,
        'RunFailed',
        runFailedEvent(command, run.meta, now),
      );
      this.m.closed.inc({ outcome: 'failed' });
      this.opts.logger.info({ runId, nodeId: command.nodeId, code: command.code }, 'run failed');
    }
  }

  /** A retry waiting for its backoff. */
  private schedule(runId: string, command: Extract<OrchestratorCommand, { type: 'RequestStep' }>): void {
    const key = `request/${command.nodeId}/${command.attempt}`;
    this.setTimer(runId, key, command.notBefore - this.now(), async () => {
      const run = this.runs.get(runId);
      const node = run?.state.nodes[command.nodeId];
      if (!run || node?.status !== 'retry_wait' || node.attempt !== command.attempt) return;
      await this.perform(run, command);
    });
  }

  /** One timer per requested or running step: StepFailed(TIMEOUT) for that attempt if no result came. */
  private armTimers(runId: string): void {
    const run = this.runs.get(runId);
    if (!run) return;
    for (const { nodeId, attempt, deadline } of stepDeadlines(run.state)) {
      const key = `timeout/${nodeId}/${attempt}`;
      if (this.timers.get(runId)?.has(key)) continue;
      this.setTimer(runId, key, deadline - this.now(), async () => {
        const current = this.runs.get(runId);
        const node = current?.state.nodes[nodeId];
        if (
          !current ||
          (node?.status !== 'requested' && node?.status !== 'running') ||
          node.attempt !== attempt
        )
          return;
        const def = current.state.plan.definition.nodes.find((n) => n.id === nodeId);
        const timeoutMs = deadline - (node.requestedAt ?? deadline);
        // Timers may fire a millisecond early; the event never claims a time before the deadline.
        const event = timeoutEvent(
          current.meta,
          { nodeId, partId: def?.part.id ?? '', attempt, timeoutMs },
          Math.max(this.now(), deadline),
        );
        await this.opts.producer.publish(this.opts.runEventsTopic, runId, 'StepFailed', event);
        this.m.timeouts.inc();
        this.opts.logger.warn({ runId, nodeId, attempt, timeoutMs }, 'step timed out');
      });
    }
  }

  private setTimer(runId: string, key: string, delayMs: number, fire: () => Promise<void>): void {
    if (this.stopped) return;
    const timers = this.timers.get(runId) ?? new Map<string, NodeJS.Timeout>();
    this.timers.set(runId, timers);
    if (timers.has(key)) return;
    const timer = setTimeout(
      () => {
        timers.delete(key);
        fire().catch((error: unknown) => {
          this.opts.logger.warn({ runId, key, err: error }, 'timed effect failed, trying again');
          this.setTimer(runId, key, RETRY_PUBLISH_MS, fire);
        });
      },
      Math.max(0, delayMs),
    );
    timers.set(key, timer);
  }

  private clearTimers(runId: string): void {
    for (const timer of this.timers.get(runId)?.values() ?? []) clearTimeout(timer);
    this.timers.delete(runId);
  }

  private publishLater(runId: string, items: PublishItem[]): void {
    this.setTimer(runId, `publish/${items.map((i) => i.event.envelope.eventId).join(',')}`, 0, () =>
      this.opts.producer.publishMany(items),
    );
  }

  /** Cancels every timer; the state is dropped with the process (it is rebuilt from the log). */
  stop(): void {
    this.stopped = true;
    for (const runId of [...this.timers.keys()]) this.clearTimers(runId);
  }

  /** For tests and /healthz. */
  get stats(): { activeRuns: number; finishedRuns: number; timers: number } {
    let timers = 0;
    for (const t of this.timers.values()) timers += t.size;
    return { activeRuns: this.runs.size, finishedRuns: this.finished.size, timers };
  }

  /** For tests: the state of a run still in memory. */
  stateOf(runId: string): RunState<Value> | undefined {
    return this.runs.get(runId)?.state;
  }
}
