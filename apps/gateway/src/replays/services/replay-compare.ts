// Pure: how one image's replay run differs from its baseline run, and the totals over a replay.
import type { ComparePair, RunBrief, RunFindings } from '../repositories/replays.repository';
import type { CompareItem, CompareOutcome, CompareSide, CompareTotals } from '../replays.schemas';

const FINISHED: ReadonlySet<string> = new Set(['completed', 'failed']);
const EMPTY: RunFindings = { labels: {}, detectionTexts: [], texts: {} };

const sideOf = (run: RunBrief, findings: RunFindings | undefined): CompareSide => ({
  ...run,
  ...(findings ?? EMPTY),
});

export function compareImage(pair: ComparePair, findings: ReadonlyMap<string, RunFindings>): CompareItem {
  const replay = sideOf(pair.replay, findings.get(pair.replay.runId));
  const baseline = pair.baseline && sideOf(pair.baseline, findings.get(pair.baseline.runId));
  const labels: CompareItem['differences']['labels'] = {};
  const texts: CompareItem['differences']['texts'] = {};
  if (baseline) {
    for (const label of new Set([...Object.keys(baseline.labels), ...Object.keys(replay.labels)]).keys()) {
      const counts = { baseline: baseline.labels[label] ?? 0, replay: replay.labels[label] ?? 0 };
      if (counts.baseline !== counts.replay) labels[label] = counts;
    }
    for (const key of new Set([...Object.keys(baseline.texts), ...Object.keys(replay.texts)]).keys()) {
      const pairOfTexts = { baseline: baseline.texts[key] ?? null, replay: replay.texts[key] ?? null };
      if (pairOfTexts.baseline !== pairOfTexts.replay) texts[key] = pairOfTexts;
    }
  }
  const differences = {
    verdict: baseline !== null && baseline.verdict !== replay.verdict,
    labels,
    detectionTexts:
      baseline !== null &&
      (baseline.detectionTexts.length !== replay.detectionTexts.length ||
        baseline.detectionTexts.some((text, i) => text !== replay.detectionTexts[i])),
    texts,
  };
  return {
    imageId: pair.imageId,
    outcome: outcomeOf(replay, baseline, differences),
    baseline,
    replay,
    differences,
  };
}

function outcomeOf(
  replay: CompareSide,
  baseline: CompareSide | null,
  differences: CompareItem['differences'],
): CompareOutcome {
  if (!FINISHED.has(replay.status)) return 'pending';
  if (!baseline) return 'missingBaseline';
  if (!FINISHED.has(baseline.status)) return 'pending';
  if (baseline.verdict === 'OK' && replay.verdict === 'NG') return 'okToNg';
  if (baseline.verdict === 'NG' && replay.verdict === 'OK') return 'ngToOk';
  const changed =
    differences.verdict ||
    differences.detectionTexts ||
    Object.keys(differences.labels).length > 0 ||
    Object.keys(differences.texts).length > 0;
  return changed ? 'changed' : 'unchanged';
}

export function totalsOf(items: readonly CompareItem[]): CompareTotals {
  const totals: CompareTotals = {
    images: items.length,
    okToNg: 0,
    ngToOk: 0,
    unchanged: 0,
    changed: 0,
    missingBaseline: 0,
    pending: 0,
  };
  for (const item of items) totals[item.outcome] += 1;
  return totals;
}

/** Opaque cursor of the per-image list (ordered by image id): base64url of the last image id of a page. */
export const encodeImageCursor = (imageId: string): string =>
  Buffer.from(imageId, 'utf8').toString('base64url');

export function decodeImageCursor(cursor: string): string | undefined {
  const imageId = Buffer.from(cursor, 'base64url').toString('utf8');
  return imageId.length > 0 && encodeImageCursor(imageId) === cursor ? imageId : undefined;
}
