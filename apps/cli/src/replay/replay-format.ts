// Pure: what `imageflow replay` prints — the finished state, the compare totals and the first changed images — as
// text for a person or as one JSON document for a script.
import type { CompareItem, CompareOutcome, ComparePage, CompareTotals, Replay } from './replay.types';

/** Outcomes that are a difference worth listing. */
export const CHANGED_OUTCOMES: ReadonlySet<CompareOutcome> = new Set(['okToNg', 'ngToOk', 'changed']);

export const TERMINAL_STATUSES: ReadonlySet<Replay['status']> = new Set(['completed', 'cancelled', 'failed']);

/** The replay has stopped starting runs and every run it started has finished. */
export function replayFinished(replay: Replay): boolean {
  return (
    TERMINAL_STATUSES.has(replay.status) &&
    replay.runs.queued + replay.runs.running === 0 &&
    replay.runs.total >= replay.started
  );
}

/** Runs of the replay that have finished, and how many there will be (known once the scan is complete). */
export function progressOf(replay: Replay): { done: number; total: number } {
  const done = replay.runs.completed + replay.runs.failed;
  const total = Math.max(replay.scanComplete ? replay.started : replay.matched, replay.runs.total, done);
  return { done, total };
}

export interface ReplaySummary {
  replay: Replay;
  totals: CompareTotals;
  baselineVersion: string | null;
  /** The first changed images (OK→NG, NG→OK, other changes), in image id order. */
  changed: CompareItem[];
}

const OUTCOME_LABEL: Record<CompareOutcome, string> = {
  okToNg: 'OK→NG',
  ngToOk: 'NG→OK',
  unchanged: 'unchanged',
  changed: 'changed',
  missingBaseline: 'no baseline',
  pending: 'pending',
};

const short = (version: string | null): string =>
  version === null ? '-' : version.startsWith('sha256:') ? version.slice(0, 19) : version;

const quote = (text: string | null): string => (text === null ? '∅' : JSON.stringify(text));

/** One line per difference of an image: verdict, label counts, detection texts, text outputs. */
export function describeDifferences(item: CompareItem): string[] {
  const lines: string[] = [];
  const d = item.differences;
  if (d.verdict) lines.push(`verdict ${item.baseline?.verdict ?? '∅'} → ${item.replay.verdict ?? '∅'}`);
  for (const [label, counts] of Object.entries(d.labels))
    lines.push(`label ${label}: ${counts.baseline} → ${counts.replay}`);
  if (d.detectionTexts)
    lines.push(
      `detection texts ${JSON.stringify(item.baseline?.detectionTexts ?? [])} → ${JSON.stringify(item.replay.detectionTexts)}`,
    );
  for (const [output, texts] of Object.entries(d.texts))
    lines.push(`${output}: ${quote(texts.baseline)} → ${quote(texts.replay)}`);
  if (lines.length === 0 && item.replay.status !== 'completed')
    lines.push(`replay run ${item.replay.status}`);
  return lines;
}

export function formatSummary(summary: ReplaySummary): string {
  const { replay, totals } = summary;
  const out: string[] = [];
  out.push(
    `replay ${replay.id} ${replay.status}: ${replay.matched} capture(s) matched, ${replay.runs.total} run(s) ` +
      `(${replay.runs.completed} completed, ${replay.runs.failed} failed)`,
  );
  if (replay.message) out.push(`  ${replay.message}`);
  out.push(
    `pipeline ${replay.pipelineId ?? '-'}: ${short(replay.targetVersion)} compared with ` +
      (summary.baselineVersion ? `version ${short(summary.baselineVersion)}` : 'the original runs'),
  );
  const rows: [string, number][] = [
    ['OK→NG', totals.okToNg],
    ['NG→OK', totals.ngToOk],
    ['unchanged', totals.unchanged],
    ['changed', totals.changed],
    ['no baseline', totals.missingBaseline],
    ['pending', totals.pending],
    ['images', totals.images],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  for (const [label, value] of rows) out.push(`  ${label.padEnd(width)}  ${String(value).padStart(6)}`);
  if (summary.changed.length) {
    out.push(`first ${summary.changed.length} changed image(s):`);
    for (const item of summary.changed) {
      out.push(`  ${item.imageId.slice(0, 16)}  ${OUTCOME_LABEL[item.outcome]}  run ${item.replay.runId}`);
      for (const line of describeDifferences(item)) out.push(`      ${line}`);
    }
  } else out.push('no changed images');
  return out.join('\n');
}

/** The --json document: the replay as the gateway reports it, the totals and the listed changes. */
export function summaryJson(summary: ReplaySummary): string {
  return JSON.stringify(
    {
      replay: summary.replay,
      baselineVersion: summary.baselineVersion,
      totals: summary.totals,
      changed: summary.changed,
    },
    null,
    2,
  );
}

/** Collects up to `max` changed items from compare pages (pages are fetched only as long as needed). */
export async function firstChanged(
  fetchPage: (cursor: string | null) => Promise<ComparePage>,
  max: number,
  maxPages = 50,
): Promise<{ first: ComparePage; changed: CompareItem[] }> {
  let page = await fetchPage(null);
  const first = page;
  const changed = page.items.filter((i) => CHANGED_OUTCOMES.has(i.outcome));
  const wanted = Math.min(max, first.totals.okToNg + first.totals.ngToOk + first.totals.changed);
  for (let pages = 1; changed.length < wanted && page.nextCursor && pages < maxPages; pages++) {
    page = await fetchPage(page.nextCursor);
    changed.push(...page.items.filter((i) => CHANGED_OUTCOMES.has(i.outcome)));
  }
  return { first, changed: changed.slice(0, max) };
}
