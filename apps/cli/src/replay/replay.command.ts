// `imageflow replay`: asks the gateway to replay a window of captures through a version, follows the replay's runs
// with a progress bar until they have all finished (or the replay was cancelled), then prints the compare summary.
// Ctrl-C asks whether to cancel the replay on the gateway (or cancels at once with --cancel-on-interrupt); answering
// no leaves it running and exits.
import { Presets, SingleBar } from 'cli-progress';
import { GatewayError, type GatewayClient } from '../gateway/gateway.client';
import type { Io } from '../output/io';
import {
  firstChanged,
  formatSummary,
  progressOf,
  replayFinished,
  summaryJson,
  type ReplaySummary,
} from './replay-format';
import type { ComparePage, Replay, ReplayPublished, ReplayRequest } from './replay.types';

export interface ReplayOptions {
  pipeline: string;
  version: string;
  from: string;
  to: string;
  camera: string[];
  line: string[];
  lot: string[];
  compareTo?: string | undefined;
  cancelOnInterrupt?: boolean | undefined;
  pollMs: number;
  show: number;
  json?: boolean | undefined;
}

export interface ReplayOutcome {
  exitCode: number;
  summary: ReplaySummary | null;
}

/** Asks a yes/no question (on the terminal); false when nobody can answer. */
export type Confirm = (question: string) => Promise<boolean>;

/** How long a new replay may take to appear in the read model (the projector folds ReplayRequested). */
const APPEAR_TIMEOUT_MS = 60_000;

const isNotFound = (error: unknown): boolean => error instanceof GatewayError && error.status === 404;

function sleep(ms: number, signal: AbortSignal | null): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

interface Bar {
  update(done: number, total: number, status: string): void;
  stop(): void;
}

function progressBar(io: Io, enabled: boolean): Bar {
  if (!enabled || !io.interactive) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar(
    {
      format: 'replay [{bar}] {value}/{total} runs {percentage}% | {status} | eta {eta_formatted}',
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 20,
    },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total, status) {
      if (!started) {
        bar.start(Math.max(total, 1), done, { status });
        started = true;
      }
      bar.setTotal(Math.max(total, 1));
      bar.update(done, { status });
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

export async function runReplay(
  options: ReplayOptions,
  client: GatewayClient,
  io: Io,
  signal: AbortSignal,
  confirm: Confirm,
): Promise<ReplayOutcome> {
  const request: ReplayRequest = {
    pipelineId: options.pipeline,
    targetVersion: options.version,
    ...(options.compareTo ? { baselineVersion: options.compareTo } : {}),
    filter: {
      from: options.from,
      to: options.to,
      cameraIds: options.camera,
      lineIds: options.line,
      lots: options.lot,
    },
  };
  const { replayId } = await client.startReplay<ReplayPublished>(request);
  if (!options.json) io.err(`replay ${replayId} requested`);

  const bar = progressBar(io, !options.json);
  // Interrupts are handled once: after that the signal stays aborted, so waits use no signal at all.
  let watch: AbortSignal | null = signal;
  let cancelRequested = false;
  const appearDeadline = Date.now() + APPEAR_TIMEOUT_MS;
  let replay: Replay | undefined;
  try {
    for (;;) {
      if (watch?.aborted) {
        watch = null;
        bar.stop();
        const cancel =
          options.cancelOnInterrupt ||
          (await confirm(
            `Cancel replay ${replayId} on the gateway? Runs already started will finish. [y/N] `,
          ));
        if (!cancel) {
          io.err(`left replay ${replayId} running; its compare: GET /api/v1/replays/${replayId}/compare`);
          return { exitCode: 130, summary: null };
        }
        await cancelReplay(client, replayId, appearDeadline);
        cancelRequested = true;
        io.err(`cancelling replay ${replayId}; waiting for the runs already started`);
      }
      try {
        replay = await client.getReplay<Replay>(replayId);
      } catch (error) {
        if (!isNotFound(error) || Date.now() > appearDeadline) throw error;
      }
      if (replay) {
        const { done, total } = progressOf(replay);
        bar.update(done, total, replay.status);
        if (replayFinished(replay)) break;
      }
      await sleep(options.pollMs, watch);
    }
  } finally {
    bar.stop();
  }

  const { first, changed } = await firstChanged(
    (cursor) => client.compareReplay<ComparePage>(replayId, { limit: 200, cursor }),
    options.show,
  );
  const summary: ReplaySummary = {
    replay,
    totals: first.totals,
    baselineVersion: first.baselineVersion,
    changed,
  };
  io.out(options.json ? summaryJson(summary) : formatSummary(summary));
  const exitCode = replay.status === 'completed' ? 0 : cancelRequested ? 130 : 1;
  return { exitCode, summary };
}

async function cancelReplay(client: GatewayClient, replayId: string, appearDeadline: number): Promise<void> {
  for (;;) {
    try {
      await client.cancelReplay<ReplayPublished>(replayId);
      return;
    } catch (error) {
      // Cancelled before the replay reached the read model: it is there a moment later.
      if (!isNotFound(error) || Date.now() > appearDeadline) throw error;
      await sleep(250, null);
    }
  }
}
