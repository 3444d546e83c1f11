// Where a command writes: results to stdout (JSON with --json), progress and messages to stderr, so
// `imageflow … --json | jq` always gets clean JSON.
import { SingleBar, Presets } from 'cli-progress';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** stderr is a terminal: progress bars are drawn. */
  interactive: boolean;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  interactive: Boolean(process.stderr.isTTY),
};

export interface Progress {
  increment(payload?: Record<string, string | number>): void;
  stop(): void;
}

const NO_PROGRESS: Progress = { increment: () => undefined, stop: () => undefined };

/** A progress bar on stderr, or nothing when stderr is not a terminal or the output is JSON. */
export function startProgress(io: Io, total: number, label: string, enabled: boolean): Progress {
  if (!enabled || !io.interactive || total <= 0) return NO_PROGRESS;
  const bar = new SingleBar(
    {
      format: `${label} [{bar}] {value}/{total} {percentage}% | {rate}/s | eta {eta_formatted} | new {new} dup {duplicate} failed {failed}`,
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 20,
    },
    Presets.shades_classic,
  );
  const counts = { new: 0, duplicate: 0, failed: 0, rate: '0.0' };
  const started = Date.now();
  let done = 0;
  bar.start(total, 0, counts);
  return {
    increment(payload = {}) {
      done++;
      const seconds = (Date.now() - started) / 1000;
      bar.increment(1, { ...payload, rate: seconds > 0 ? (done / seconds).toFixed(1) : '0.0' });
    },
    stop: () => bar.stop(),
  };
}
