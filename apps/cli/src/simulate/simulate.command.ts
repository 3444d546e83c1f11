// `imageflow camera simulate`: a camera at a fixed rate. Either renders product labels (lot + serial, some
// serials deliberately malformed with --bad-ratio) or cycles through the real images of a directory.
import { readFile } from 'node:fs/promises';
import { sleep } from '../agent/backoff';
import { GatewayError, type GatewayClient } from '../gateway/gateway.client';
import { contentTypeOf, listImageFiles, serialFromFilename } from '../ingest/image-files';
import { startProgress, type Io } from '../output/io';
import { renderLabelJpeg } from './label-render.adapter';
import { badSerial, goodSerial, isBadIndex } from './label';

export interface SimulateOptions {
  camera: string;
  rate: number;
  count: number;
  line?: string | undefined;
  lot?: string | undefined;
  images?: string | undefined;
  badRatio: number;
  serialStart: number;
  maxInFlight: number;
  json?: boolean | undefined;
}

export interface SimulateSummary {
  gateway: string;
  sent: number;
  new: number;
  duplicate: number;
  failed: number;
  bad: number;
  seconds: number;
  ratePerSecond: number;
  errors: string[];
}

interface Capture {
  bytes: Buffer;
  contentType: string;
  serial: string;
  bad: boolean;
}

async function captureSource(options: SimulateOptions): Promise<(index: number) => Promise<Capture>> {
  const lot = options.lot ?? 'LOT-DEMO';
  if (options.images) {
    const files = await listImageFiles(options.images);
    if (files.length === 0)
      throw new Error(`no image files in ${options.images} (.jpg .jpeg .png .webp .tif .tiff)`);
    return async (index) => {
      const file = files[index % files.length] as string;
      return {
        bytes: await readFile(file),
        contentType: contentTypeOf(file),
        serial: serialFromFilename(file),
        bad: false,
      };
    };
  }
  return async (index) => {
    const bad = isBadIndex(index, options.badRatio);
    const n = options.serialStart + index;
    const serial = bad ? badSerial(n) : goodSerial(n);
    const bytes = await renderLabelJpeg({
      lot,
      serial,
      stamp: `${options.camera} ${new Date().toISOString()} #${index}`,
    });
    return { bytes, contentType: 'image/jpeg', serial, bad };
  };
}

export async function runSimulate(
  options: SimulateOptions,
  client: GatewayClient,
  io: Io,
  signal?: AbortSignal,
): Promise<SimulateSummary> {
  const next = await captureSource(options);
  const progress = startProgress(io, options.count, `camera ${options.camera}`, !options.json);
  const counts = { new: 0, duplicate: 0, failed: 0 };
  const errors: string[] = [];
  let bad = 0;
  let fatal: GatewayError | null = null;
  const inFlight = new Set<Promise<void>>();
  const started = Date.now();
  const intervalMs = 1000 / options.rate;
  try {
    for (let index = 0; index < options.count && !signal?.aborted && !fatal; index++) {
      // Fixed schedule from the start, so a slow request does not lower the rate of the ones after it.
      const due = started + index * intervalMs;
      if (due > Date.now()) await sleep(due - Date.now(), signal);
      while (inFlight.size >= options.maxInFlight) await Promise.race(inFlight);
      const capture = await next(index);
      if (capture.bad) bad++;
      const send = client
        .ingest(capture.bytes, capture.contentType, {
          cameraId: options.camera,
          lineId: options.line,
          lot: options.lot ?? (options.images ? undefined : 'LOT-DEMO'),
          serial: capture.serial,
          capturedAt: new Date().toISOString(),
          source: 'SIMULATOR',
        })
        .then((result) => {
          counts[result.duplicate ? 'duplicate' : 'new']++;
        })
        .catch((error: unknown) => {
          if (
            error instanceof GatewayError &&
            (error.kind === 'unreachable' || error.kind === 'unauthorized')
          ) {
            fatal ??= error; // every further capture would fail the same way: stop and say so once
            return;
          }
          counts.failed++;
          if (errors.length < 20)
            errors.push(
              `#${index} ${capture.serial}: ${error instanceof Error ? error.message : String(error)}`,
            );
        })
        .finally(() => {
          inFlight.delete(send);
          progress.increment(counts);
        });
      inFlight.add(send);
    }
    await Promise.all(inFlight);
  } finally {
    progress.stop();
  }
  if (fatal) throw fatal;
  const seconds = (Date.now() - started) / 1000;
  const sent = counts.new + counts.duplicate + counts.failed;
  const summary: SimulateSummary = {
    gateway: client.url,
    sent,
    ...counts,
    bad,
    seconds: Number(seconds.toFixed(2)),
    ratePerSecond: Number((sent / Math.max(seconds, 0.001)).toFixed(2)),
    errors,
  };
  if (options.json) io.out(JSON.stringify(summary, null, 2));
  else {
    io.out(
      `camera ${options.camera}: ${sent} capture(s) in ${summary.seconds} s (${summary.ratePerSecond}/s) → ${counts.new} new, ` +
        `${counts.duplicate} duplicate, ${counts.failed} failed${options.images ? '' : `; ${bad} with a malformed serial`}`,
    );
    for (const error of errors) io.out(`  failed  ${error}`);
  }
  return summary;
}
