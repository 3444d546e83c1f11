// `imageflow runs` and `imageflow runs show <id>`: the gateway's run queries as a table or JSON.
import Table from 'cli-table3';
import type { GatewayClient, RunsFilter, RunSummary } from '../gateway/gateway.client';
import type { Io } from '../output/io';

const dash = (value: unknown): string =>
  value === null || value === undefined || value === '' ? '-' : String(value);

export function runsTable(items: readonly RunSummary[]): string {
  const table = new Table({
    head: ['run', 'status', 'verdict', 'camera', 'line', 'lot', 'serial', 'pipeline', 'started', 'ms'],
    style: { head: [], border: [] },
  });
  for (const run of items) {
    table.push([
      run.id,
      run.status,
      dash(run.verdict),
      dash(run.cameraId),
      dash(run.lineId),
      dash(run.lot),
      dash(run.serial),
      run.pipelineId ? `${run.pipelineId}@${dash(run.pipelineVersion).slice(0, 12)}` : '-',
      run.startedAt,
      dash(run.durationMs),
    ]);
  }
  return table.toString();
}

export async function listRuns(
  filter: RunsFilter,
  client: GatewayClient,
  io: Io,
  json: boolean,
): Promise<void> {
  const page = await client.listRuns(filter);
  if (json) return io.out(JSON.stringify(page, null, 2));
  if (page.items.length === 0) return io.out('no runs match');
  io.out(runsTable(page.items));
  io.out(`${page.items.length} run(s)${page.nextCursor ? `; more: --cursor ${page.nextCursor}` : ''}`);
}

export async function showRun(id: string, client: GatewayClient, io: Io, json: boolean): Promise<void> {
  const run = await client.getRun(id);
  if (json) return io.out(JSON.stringify(run, null, 2));
  const summary = new Table({ style: { head: [], border: [] } });
  for (const key of [
    'id',
    'status',
    'verdict',
    'cameraId',
    'lineId',
    'lot',
    'serial',
    'pipelineId',
    'pipelineVersion',
    'imageId',
    'startedAt',
    'finishedAt',
    'durationMs',
    'failedNodeId',
  ]) {
    summary.push({ [key]: dash(run[key]) });
  }
  io.out(summary.toString());
  const steps = Array.isArray(run['steps']) ? (run['steps'] as Array<Record<string, unknown>>) : [];
  if (steps.length) {
    const table = new Table({
      head: ['node', 'part', 'status', 'attempts', 'started', 'finished', 'error'],
      style: { head: [], border: [] },
    });
    for (const step of steps) {
      const error = step['error'] as { code?: string; message?: string | null } | null;
      table.push([
        dash(step['nodeId']),
        step['partId'] ? `${String(step['partId'])}@${dash(step['partVersion'])}` : '-',
        dash(step['status']),
        dash(step['attempts']),
        dash(step['startedAt']),
        dash(step['finishedAt']),
        error ? `${dash(error.code)}: ${dash(error.message)}` : '-',
      ]);
    }
    io.out(table.toString());
  }
  const judgements = Array.isArray(run['judgements'])
    ? (run['judgements'] as Array<Record<string, unknown>>)
    : [];
  for (const j of judgements) {
    io.out(
      `judgement ${dash(j['nodeId'])}: ${dash(j['verdict'])}${Array.isArray(j['reasons']) && j['reasons'].length ? ` (${(j['reasons'] as string[]).join('; ')})` : ''}`,
    );
  }
}
