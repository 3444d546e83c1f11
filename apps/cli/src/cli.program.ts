// The `imageflow` command line (commander). Each action resolves the gateway connection (flags > env > admin key
// file), runs, and returns an exit code; main.ts turns thrown errors into one readable line.
import { createLogger } from '@imageflow/observability';
import { Command, InvalidArgumentError, Option } from 'commander';
import { printQueueStatus, enqueueFile, runAgent } from './agent/agent.command';
import { DEFAULT_BACKOFF } from './agent/backoff';
import { DurableQueue } from './agent/durable-queue';
import { listRuns, showRun } from './commands/runs.command';
import { resolveConnection, UsageError, type ConnectionOptions } from './config/cli.config';
import { GatewayClient } from './gateway/gateway.client';
import { runIngest } from './ingest/ingest.command';
import type { Io } from './output/io';
import { runReplay } from './replay/replay.command';
import { terminalConfirm } from './replay/terminal-confirm';
import { runSimulate } from './simulate/simulate.command';

export interface CliContext {
  io: Io;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Aborted on SIGINT/SIGTERM: long-running commands stop cleanly. */
  signal: AbortSignal;
  /** Set by the action that ran; 0 when it succeeded. */
  exitCode: number;
}

interface GlobalOptions extends ConnectionOptions {
  json?: boolean;
}

export const parsePositiveInt =
  (name: string) =>
  (value: string): number => {
    if (!/^\d+$/.test(value.trim()) || Number(value) < 1)
      throw new InvalidArgumentError(`${name} must be a whole number ≥ 1.`);
    return Number(value);
  };

export const parsePositiveNumber =
  (name: string) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a number > 0.`);
    return n;
  };

export const parseRatio = (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1)
    throw new InvalidArgumentError('must be between 0 and 1, e.g. 0.1.');
  return n;
};

export const parseIsoTime = (value: string): string => {
  if (
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) ||
    Number.isNaN(Date.parse(value))
  ) {
    throw new InvalidArgumentError('must be an ISO 8601 time with a zone, e.g. 2026-11-28T09:15:00Z.');
  }
  return value;
};

const CAMERA_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
export const parseCameraId = (value: string): string => {
  if (!CAMERA_ID.test(value))
    throw new InvalidArgumentError('must be 1-128 of A-Z a-z 0-9 . _ : - starting with a letter or digit.');
  return value;
};

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('imageflow')
    .description(
      'ImageFlowCanvas from the command line: ingest images, simulate cameras, run the edge agent, query runs.',
    )
    .addOption(
      new Option(
        '--gateway <url>',
        'gateway base URL (env IMAGEFLOW_GATEWAY; default http://127.0.0.1:8080)',
      ),
    )
    .addOption(
      new Option(
        '--key <key>',
        'API key (env IMAGEFLOW_API_KEY; default: .imageflow/admin-key of a local gateway)',
      ),
    )
    .option('--json', 'machine-readable JSON on stdout')
    .showHelpAfterError('(run with --help for usage)')
    // Throw instead of process.exit (inherited by every subcommand): main.ts picks the exit code, tests catch it.
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.io.out(s), writeErr: (s) => ctx.io.err(s) });

  const globals = (command: Command): GlobalOptions => command.optsWithGlobals<GlobalOptions>();
  const client = (command: Command): GatewayClient =>
    new GatewayClient(resolveConnection(globals(command), ctx.env, ctx.cwd));

  program
    .command('ingest')
    .description(
      'upload every image file of a directory (new / duplicate / failed summary; exit 1 on failures)',
    )
    .argument('<dir>', 'directory of .jpg .jpeg .png .webp .tif .tiff files (searched recursively)')
    .requiredOption('--camera <id>', 'camera id recorded on every image', parseCameraId)
    .option('--line <id>', 'production line')
    .option('--lot <lot>', 'lot number')
    .option('--serial-from-filename', 'use each file name without its extension as the serial number')
    .option('--concurrency <n>', 'uploads in flight', parsePositiveInt('--concurrency'), 4)
    .action(
      async (
        dir: string,
        opts: {
          camera: string;
          line?: string;
          lot?: string;
          serialFromFilename?: boolean;
          concurrency: number;
        },
        command: Command,
      ) => {
        const summary = await runIngest(
          { dir, ...opts, json: globals(command).json },
          client(command),
          ctx.io,
        );
        ctx.exitCode = summary.failed > 0 ? 1 : 0;
      },
    );

  const camera = program.command('camera').description('camera tools');
  camera
    .command('simulate')
    .description(
      'a camera at a fixed rate: rendered product labels (lot + serial) or the images of a directory',
    )
    .requiredOption('--camera <id>', 'camera id', parseCameraId)
    .option('--rate <images/s>', 'captures per second', parsePositiveNumber('--rate'), 2)
    .option('--count <n>', 'captures to send', parsePositiveInt('--count'), 10)
    .option('--line <id>', 'production line')
    .option('--lot <lot>', 'lot number printed on the labels (default LOT-DEMO)')
    .option('--images <dir>', 'send these real images (cycled) instead of rendering labels')
    .option('--bad-ratio <ratio>', 'share of rendered labels with a malformed serial (0-1)', parseRatio, 0)
    .option('--serial-start <n>', 'first serial number (SN-nnnnnn)', parsePositiveInt('--serial-start'), 1)
    .option('--max-in-flight <n>', 'requests in flight at most', parsePositiveInt('--max-in-flight'), 16)
    .action(
      async (
        opts: {
          camera: string;
          rate: number;
          count: number;
          line?: string;
          lot?: string;
          images?: string;
          badRatio: number;
          serialStart: number;
          maxInFlight: number;
        },
        command: Command,
      ) => {
        const summary = await runSimulate(
          { ...opts, json: globals(command).json },
          client(command),
          ctx.io,
          ctx.signal,
        );
        ctx.exitCode = summary.failed > 0 ? 1 : 0;
      },
    );

  const agent = program
    .command('agent')
    .description(
      'edge agent for handheld/wearable cameras: a durable on-disk queue, sent with retry and backoff',
    );
  agent
    .command('run', { isDefault: true })
    .description('run the agent (the default: `imageflow agent --queue … --camera …`)')
    .requiredOption('--queue <dir>', 'queue directory (created when missing)')
    .requiredOption('--camera <id>', 'camera id of the captures', parseCameraId)
    .option('--line <id>', 'production line')
    .option('--lot <lot>', 'lot number')
    .option('--watch <dir>', 'queue every image file dropped here (the file is removed once queued)')
    .option('--once', 'deliver what is queued, then exit')
    .option(
      '--backoff-initial-ms <ms>',
      'first retry wait',
      parsePositiveInt('--backoff-initial-ms'),
      DEFAULT_BACKOFF.initialMs,
    )
    .option(
      '--backoff-max-ms <ms>',
      'longest retry wait',
      parsePositiveInt('--backoff-max-ms'),
      DEFAULT_BACKOFF.maxMs,
    )
    .option('--log-level <level>', 'pino level of the JSON log lines on stdout', 'info')
    .action(
      async (
        opts: {
          queue: string;
          camera: string;
          line?: string;
          lot?: string;
          watch?: string;
          once?: boolean;
          backoffInitialMs: number;
          backoffMaxMs: number;
          logLevel: string;
        },
        command: Command,
      ) => {
        const logger = createLogger('imageflow-agent', opts.logLevel);
        const backoff = {
          ...DEFAULT_BACKOFF,
          initialMs: opts.backoffInitialMs,
          maxMs: Math.max(opts.backoffMaxMs, opts.backoffInitialMs),
        };
        const stats = await runAgent({ ...opts, backoff }, client(command), logger, ctx.signal);
        if (globals(command).json) ctx.io.out(JSON.stringify(stats));
        ctx.exitCode = stats.failed > 0 ? 1 : 0;
      },
    );
  agent
    .command('enqueue')
    .description('put image files into the queue (durable when this returns); a running agent sends them')
    .argument('<files...>', 'image files')
    .requiredOption('--queue <dir>', 'queue directory')
    .option('--camera <id>', "camera id (default: the running agent's --camera)", parseCameraId)
    .option('--line <id>', 'production line')
    .option('--lot <lot>', 'lot number')
    .option('--serial <serial>', 'serial number')
    .option('--captured-at <time>', "capture time (default: the file's modification time)", parseIsoTime)
    .action(
      async (
        files: string[],
        opts: {
          queue: string;
          camera?: string;
          line?: string;
          lot?: string;
          serial?: string;
          capturedAt?: string;
        },
        command: Command,
      ) => {
        const queue = await DurableQueue.open(opts.queue);
        const items = [];
        for (const file of files) items.push(await enqueueFile(queue, file, opts));
        if (globals(command).json)
          ctx.io.out(JSON.stringify(items.map((i) => ({ id: i.id, sha256: i.meta.sha256 }))));
        else for (const item of items) ctx.io.out(`queued ${item.meta.fileName} as ${item.id}`);
      },
    );
  agent
    .command('status')
    .description('queue depth, bytes, oldest capture, sent and failed counts')
    .requiredOption('--queue <dir>', 'queue directory')
    .action(async (opts: { queue: string }, command: Command) => {
      await printQueueStatus(opts.queue, ctx.io, Boolean(globals(command).json));
    });

  const runs = program
    .command('runs')
    .description('list pipeline runs, newest first (table, or --json)')
    .option('--status <status>', 'run status, e.g. running, completed, failed')
    .option('--camera <id>', 'camera id')
    .option('--line <id>', 'production line')
    .option('--lot <lot>', 'lot number')
    .option('--from <time>', 'started at or after (ISO 8601 with zone)', parseIsoTime)
    .option('--to <time>', 'started before (ISO 8601 with zone)', parseIsoTime)
    .option('--limit <n>', 'runs per page (1-500)', parsePositiveInt('--limit'), 50)
    .option('--cursor <cursor>', 'the "more" cursor of the previous page')
    .action(
      async (
        opts: {
          status?: string;
          camera?: string;
          line?: string;
          lot?: string;
          from?: string;
          to?: string;
          limit: number;
          cursor?: string;
        },
        command: Command,
      ) => {
        if (opts.from && opts.to && Date.parse(opts.from) >= Date.parse(opts.to))
          throw new UsageError('--from must be before --to');
        const filter = {
          status: opts.status,
          cameraId: opts.camera,
          lineId: opts.line,
          lot: opts.lot,
          from: opts.from,
          to: opts.to,
          limit: opts.limit,
          cursor: opts.cursor,
        };
        await listRuns(filter, client(command), ctx.io, Boolean(globals(command).json));
      },
    );
  runs
    .command('show')
    .description('one run with its steps and judgements')
    .argument('<id>', 'run id')
    .action(async (id: string, _opts: unknown, command: Command) => {
      await showRun(id, client(command), ctx.io, Boolean(globals(command).json));
    });

  program
    .command('replay')
    .description(
      'replay past captures through a pipeline version, follow its runs, then print the compare summary',
    )
    .requiredOption('--pipeline <id>', 'pipeline id')
    .requiredOption('--version <version>', 'the version to run the captures through')
    .requiredOption('--from <time>', 'captures taken at or after (ISO 8601 with zone)', parseIsoTime)
    .requiredOption('--to <time>', 'captures taken at or before (ISO 8601 with zone)', parseIsoTime)
    .option('--camera <id>', 'only this camera (repeatable)', collect, [])
    .option('--line <id>', 'only this production line (repeatable)', collect, [])
    .option('--lot <lot>', 'only this lot (repeatable)', collect, [])
    .option('--compare-to <version>', 'compare with this version (default: the original run of each image)')
    .option('--cancel-on-interrupt', 'Ctrl-C cancels the replay on the gateway without asking')
    .option('--show <n>', 'changed images to list', parsePositiveInt('--show'), 10)
    .option('--poll-ms <ms>', 'progress polling interval', parsePositiveInt('--poll-ms'), 1000)
    .action(
      async (
        opts: {
          pipeline: string;
          version: string;
          from: string;
          to: string;
          camera: string[];
          line: string[];
          lot: string[];
          compareTo?: string;
          cancelOnInterrupt?: boolean;
          show: number;
          pollMs: number;
        },
        command: Command,
      ) => {
        if (Date.parse(opts.from) >= Date.parse(opts.to)) throw new UsageError('--from must be before --to');
        const outcome = await runReplay(
          { ...opts, json: globals(command).json },
          client(command),
          ctx.io,
          ctx.signal,
          terminalConfirm,
        );
        ctx.exitCode = outcome.exitCode;
      },
    );

  return program;
}
