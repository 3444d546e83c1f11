// Starts a run for each capture whose camera (first) or line was bound to a pipeline with an active version when
// the image was taken. The run id is name-based (capture event id + pipeline id): a redelivered capture
// publishes the same RunStarted again, which the reducer and the projector apply once.
import type { ConsumedMessage, EventProducer } from '@imageflow/messaging';
import { Counter, type Logger, type Registry } from '@imageflow/observability';
import type { ConfigReader } from './config.reader';
import { runStartedEvent } from './run-events.mapping';

export interface CaptureHandlerOptions {
  config: ConfigReader;
  producer: EventProducer;
  runEventsTopic: string;
  logger: Logger;
  metrics: Registry;
  now?: () => number;
}

export class CaptureHandler {
  private readonly started: Counter;
  private readonly unbound: Counter;

  constructor(private readonly opts: CaptureHandlerOptions) {
    this.started = new Counter({
      name: 'imageflow_orchestrator_runs_started_total',
      help: 'RunStarted published for captures',
      labelNames: ['pipeline'],
      registers: [opts.metrics],
    });
    this.unbound = new Counter({
      name: 'imageflow_orchestrator_captures_unbound_total',
      help: 'Captures with no bound pipeline active at capture time',
      registers: [opts.metrics],
    });
  }

  handle = async ({ decoded }: ConsumedMessage): Promise<void> => {
    if (decoded.type !== 'ImageCaptured') {
      this.opts.logger.warn(
        { type: decoded.type, eventId: decoded.event.envelope.eventId },
        'not a capture, ignored',
      );
      return;
    }
    const capture = decoded.event;
    // Configuration written before this capture was read must be in the table before we decide.
    await this.opts.config.sync();
    const resolved = this.opts.config.table.resolve(capture.capture);
    if (!resolved) {
      this.unbound.inc();
      this.opts.logger.debug(
        {
          cameraId: capture.capture.cameraId,
          lineId: capture.capture.lineId,
          eventId: capture.envelope.eventId,
        },
        'no pipeline bound, no run',
      );
      return;
    }
    const event = runStartedEvent({
      capture,
      pipelineId: resolved.pipelineId,
      version: resolved.version.version,
      plan: resolved.version.plan,
      trigger: 'CAPTURE',
      now: (this.opts.now ?? Date.now)(),
    });
    const runId = event.envelope.runId as string;
    await this.opts.producer.publish(this.opts.runEventsTopic, runId, 'RunStarted', event);
    this.started.inc({ pipeline: resolved.pipelineId });
    this.opts.logger.info(
      {
        runId,
        pipelineId: resolved.pipelineId,
        version: resolved.version.version,
        boundBy: resolved.boundBy,
        imageId: capture.envelope.imageId,
      },
      'run started',
    );
  };
}
