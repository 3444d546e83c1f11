// `imageflow ingest <dir>`: uploads every image file of a directory, a few at a time, and reports how many were
// new, already known (duplicate) or refused, with the reasons. Exit code 1 when any upload failed.
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { GatewayError, type GatewayClient } from '../gateway/gateway.client';
import { startProgress, type Io } from '../output/io';
import { contentTypeOf, listImageFiles, serialFromFilename } from './image-files';

export interface IngestOptions {
  dir: string;
  camera: string;
  line?: string | undefined;
  lot?: string | undefined;
  serialFromFilename?: boolean | undefined;
  concurrency: number;
  json?: boolean | undefined;
}

export interface IngestFileResult {
  file: string;
  status: 'new' | 'duplicate' | 'failed';
  imageId?: string;
  eventId?: string;
  httpStatus?: number | null;
  error?: string;
}

export interface IngestSummary {
  gateway: string;
  files: number;
  new: number;
  duplicate: number;
  failed: number;
  results: IngestFileResult[];
}

/** Runs `work` over `items` with at most `limit` in flight, keeping the results in input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

export async function runIngest(
  options: IngestOptions,
  client: GatewayClient,
  io: Io,
): Promise<IngestSummary> {
  const files = await listImageFiles(options.dir);
  const progress = startProgress(io, files.length, 'ingest', !options.json);
  const counts = { new: 0, duplicate: 0, failed: 0 };
  const results = await mapLimit(files, options.concurrency, async (file): Promise<IngestFileResult> => {
    const name = relative(options.dir, file);
    let result: IngestFileResult;
    try {
      const bytes = await readFile(file);
      const response = await client.ingest(bytes, contentTypeOf(file), {
        cameraId: options.camera,
        lineId: options.line,
        lot: options.lot,
        serial: options.serialFromFilename ? serialFromFilename(file) : undefined,
        source: 'UPLOAD',
      });
      result = {
        file: name,
        status: response.duplicate ? 'duplicate' : 'new',
        imageId: response.imageId,
        eventId: response.eventId,
      };
    } catch (error) {
      // An unreachable gateway or a refused key fails every file the same way: report it once, at the top.
      if (error instanceof GatewayError && (error.kind === 'unreachable' || error.kind === 'unauthorized'))
        throw error;
      result = {
        file: name,
        status: 'failed',
        httpStatus: error instanceof GatewayError ? error.status : null,
        error: error instanceof Error ? error.message : String(error),
      };
    }
    counts[result.status]++;
    progress.increment(counts);
    return result;
  }).finally(() => progress.stop());

  const summary: IngestSummary = { gateway: client.url, files: files.length, ...counts, results };
  if (options.json) io.out(JSON.stringify(summary, null, 2));
  else {
    io.out(
      `${files.length} file(s) from ${options.dir} → ${client.url}: ${counts.new} new, ${counts.duplicate} duplicate, ${counts.failed} failed`,
    );
    for (const failed of results.filter((r) => r.status === 'failed'))
      io.out(`  failed  ${failed.file}: ${failed.error}`);
    if (files.length === 0) io.out('  (no image files: .jpg .jpeg .png .webp .tif .tiff)');
  }
  return summary;
}
