// Replay and compare: run past captures (a time window, cameras, lines, lots) through a version, watch the progress,
// read the comparison summary and put a changed image's two runs side by side.
import type { EdgeDef } from '@imageflow/pipeline';
import { useEffect, useId, useState } from 'react';
import { ApiError, type ApiClient } from '../api/client';
import type {
  CompareItem,
  CompareOutcome,
  ComparePage,
  PipelineSummary,
  Replay,
  RunDetails,
  VersionSummary,
} from '../api/types';
import { useI18n } from '../i18n/i18n';
import { hrefOf, navigate } from '../router';
import { isoToLocalInput, localInputToIso } from '../runs/filters';
import { OutputImage } from '../runs/output-image';
import { headlineNode, overlayFor } from '../runs/outputs';

const OUTCOMES: CompareOutcome[] = ['okToNg', 'ngToOk', 'changed', 'unchanged', 'missingBaseline', 'pending'];
const TERMINAL = new Set(['completed', 'cancelled', 'failed']);
const list = (text: string): string[] =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export function StartReplayPage({ client }: { client: ApiClient }) {
  const { t } = useI18n();
  const id = useId();
  const [pipelines, setPipelines] = useState<PipelineSummary[]>([]);
  const [pipelineId, setPipelineId] = useState('');
  const [versions, setVersions] = useState<VersionSummary[]>([]);
  const [target, setTarget] = useState('');
  const [baseline, setBaseline] = useState('');
  const [from, setFrom] = useState(() => new Date(Date.now() - 24 * 3_600_000).toISOString());
  const [to, setTo] = useState(() => new Date(Date.now() + 60_000).toISOString());
  const [cameras, setCameras] = useState('');
  const [lines, setLines] = useState('');
  const [lots, setLots] = useState('');
  const [error, setError] = useState('');

  useEffect(() => {
    client.listPipelines().then(
      (p) => setPipelines(p.items),
      (e: unknown) => setError(errorText(e)),
    );
  }, [client]);
  useEffect(() => {
    setVersions([]);
    setTarget('');
    setBaseline('');
    if (!pipelineId) return;
    client.listVersions(pipelineId).then(
      (v) => setVersions([...v.items].sort((a, b) => b.seq - a.seq)),
      (e: unknown) => setError(errorText(e)),
    );
  }, [client, pipelineId]);

  const submit = async () => {
    setError('');
    try {
      const { replayId } = await client.startReplay({
        pipelineId,
        targetVersion: target,
        ...(baseline ? { baselineVersion: baseline } : {}),
        filter: { from, to, cameraIds: list(cameras), lineIds: list(lines), lots: list(lots) },
      });
      navigate({ page: 'replay', id: replayId });
    } catch (e) {
      setError(t('replay.failed', { message: errorText(e) }));
    }
  };

  const versionLabel = (v: VersionSummary) =>
    `#${v.seq}${v.active ? ` (${t('versions.active')})` : ''}${v.message ? ` — ${v.message}` : ''}`;
  return (
    <main className="page">
      <h2>{t('replay.title')}</h2>
      <form
        className="filters"
        aria-label={t('replay.title')}
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <div className="field">
          <label htmlFor={`${id}-p`}>{t('versions.pipeline')}</label>
          <select id={`${id}-p`} value={pipelineId} onChange={(e) => setPipelineId(e.target.value)} required>
            <option value="">—</option>
            {pipelines.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name ?? p.id}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-t`}>{t('replay.target')}</label>
          <select id={`${id}-t`} value={target} onChange={(e) => setTarget(e.target.value)} required>
            <option value="">—</option>
            {versions.map((v) => (
              <option key={v.version} value={v.version}>
                {versionLabel(v)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-b`}>{t('replay.baseline')}</label>
          <select id={`${id}-b`} value={baseline} onChange={(e) => setBaseline(e.target.value)}>
            <option value="">{t('replay.originalRuns')}</option>
            {versions.map((v) => (
              <option key={v.version} value={v.version}>
                {versionLabel(v)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-from`}>{t('replay.from')}</label>
          <input
            id={`${id}-from`}
            type="datetime-local"
            value={isoToLocalInput(from)}
            onChange={(e) => setFrom(localInputToIso(e.target.value) ?? from)}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-to`}>{t('replay.to')}</label>
          <input
            id={`${id}-to`}
            type="datetime-local"
            value={isoToLocalInput(to)}
            onChange={(e) => setTo(localInputToIso(e.target.value) ?? to)}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-c`}>{t('replay.cameras')}</label>
          <input id={`${id}-c`} type="text" value={cameras} onChange={(e) => setCameras(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-l`}>{t('replay.lines')}</label>
          <input id={`${id}-l`} type="text" value={lines} onChange={(e) => setLines(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-lot`}>{t('replay.lots')}</label>
          <input id={`${id}-lot`} type="text" value={lots} onChange={(e) => setLots(e.target.value)} />
        </div>
        <div className="filters__actions">
          <button type="submit" disabled={!pipelineId || !target}>
            {t('replay.start')}
          </button>
        </div>
      </form>
      <p className="hint">{t('replay.listHint')}</p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </main>
  );
}

/**
 * One side of a comparison: the run's headline image with its boxes. The replay side shows the node the baseline
 * side chose (`prefer`), so both sides show the same step even when one of them found nothing.
 */
function RunSide({
  client,
  runId,
  title,
  prefer,
  onHeadline,
}: {
  client: ApiClient;
  runId: string;
  title: string;
  prefer?: string | null;
  onHeadline?: (nodeId: string | null) => void;
}) {
  const { t } = useI18n();
  const [run, setRun] = useState<RunDetails | null>(null);
  const [edges, setEdges] = useState<EdgeDef[]>([]);
  useEffect(() => {
    const abort = new AbortController();
    client.getRun(runId, abort.signal).then(
      async (r) => {
        setRun(r);
        if (r.pipelineId && r.pipelineVersion) {
          const v = await client.getVersion(r.pipelineId, r.pipelineVersion).catch(() => null);
          if (v && !abort.signal.aborted) setEdges(v.definition.edges);
        }
      },
      () => undefined,
    );
    return () => abort.abort();
  }, [client, runId]);
  const node = run
    ? prefer && run.steps.some((s) => s.nodeId === prefer)
      ? prefer
      : headlineNode(run)
    : null;
  useEffect(() => {
    if (run) onHeadline?.(node);
  }, [run, node, onHeadline]);
  const overlay = run && node ? overlayFor(run, node, edges) : null;
  const url = overlay?.image?.from === 'step' ? overlay.image.url : null;
  return (
    <section className="step" aria-label={title}>
      <h4>
        {title} · <a href={hrefOf({ page: 'run', id: runId })}>{runId.slice(0, 8)}…</a>
      </h4>
      {run && (
        <p>
          {run.pipelineVersion?.replace(/^sha256:/, '').slice(0, 10)} · {t(`runStatus.${run.status}`)} ·{' '}
          {t('runs.verdict')} {run.verdict ?? '—'}
        </p>
      )}
      {url && overlay && <OutputImage url={url} detections={overlay.detections} caption={node ?? ''} />}
    </section>
  );
}

function labelsText(labels: Record<string, number>): string {
  const entries = Object.entries(labels);
  return entries.length ? entries.map(([k, v]) => `${k}×${v}`).join(', ') : '—';
}

export function ReplayPage({
  client,
  replayId,
  onUnauthorized,
}: {
  client: ApiClient;
  replayId: string;
  onUnauthorized: () => void;
}) {
  const { t } = useI18n();
  const [replay, setReplay] = useState<Replay | null>(null);
  const [compare, setCompare] = useState<ComparePage | null>(null);
  const [outcome, setOutcome] = useState<CompareOutcome | ''>('');
  const [open, setOpen] = useState<CompareItem | null>(null);
  const [baselineNode, setBaselineNode] = useState<string | null>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const [r, c] = await Promise.all([
          client.getReplay(replayId, abort.signal),
          client.compareReplay(replayId, undefined, abort.signal),
        ]);
        setReplay(r);
        setCompare(c);
        setError('');
        // Finished once the replay ended, the read model has every run it started finished, and nothing is pending.
        const done =
          TERMINAL.has(r.status) && r.runs.completed + r.runs.failed >= r.started && c.totals.pending === 0;
        if (!done) timer = setTimeout(() => void load(), 1000);
      } catch (e) {
        if (abort.signal.aborted) return;
        if (e instanceof ApiError && e.unauthorized) return onUnauthorized();
        // 404 until the projector has seen the replay.
        setError(e instanceof ApiError && e.status === 404 ? t('replay.waiting') : errorText(e));
        timer = setTimeout(() => void load(), 1000);
      }
    };
    void load();
    return () => {
      abort.abort();
      if (timer) clearTimeout(timer);
    };
  }, [client, replayId, onUnauthorized, t]);

  const items = compare?.items.filter((i) => !outcome || i.outcome === outcome) ?? [];
  const progress =
    replay && replay.matched > 0
      ? Math.round(((replay.runs.completed + replay.runs.failed) / replay.matched) * 100)
      : 0;
  return (
    <main className="page">
      <p>
        <a href={hrefOf({ page: 'replays' })}>{t('replay.new')}</a>
      </p>
      <h2>{t('replay.titleOne', { id: replayId })}</h2>
      {error && <p role="status">{error}</p>}
      {replay && (
        <section aria-label={t('replay.progress')}>
          <p data-testid="replay-status" data-status={replay.status}>
            {t(`replayStatus.${replay.status}`)} ·{' '}
            {t('replay.counts', {
              matched: replay.matched,
              started: replay.started,
              completed: replay.runs.completed,
              failed: replay.runs.failed,
            })}
          </p>
          <progress max={100} value={progress} aria-label={t('replay.progress')}>
            {progress}%
          </progress>
          {replay.message && <p className="error">{replay.message}</p>}
          {!TERMINAL.has(replay.status) && (
            <button type="button" onClick={() => void client.cancelReplay(replayId).catch(() => undefined)}>
              {t('replay.cancel')}
            </button>
          )}
        </section>
      )}
      {compare && (
        <section aria-label={t('replay.summary')}>
          <h3>{t('replay.summary')}</h3>
          <dl className="facts" data-testid="compare-totals">
            <div className="facts__row">
              <dt>{t('replay.images')}</dt>
              <dd>{compare.totals.images}</dd>
            </div>
            {OUTCOMES.map((o) => (
              <div className="facts__row" key={o}>
                <dt>{t(`outcome.${o}`)}</dt>
                <dd data-testid={`total-${o}`}>{compare.totals[o]}</dd>
              </div>
            ))}
          </dl>
          <div className="field field--inline">
            <label htmlFor="outcome-filter">{t('replay.show')}</label>
            <select
              id="outcome-filter"
              value={outcome}
              onChange={(e) => setOutcome(e.target.value as CompareOutcome | '')}
            >
              <option value="">{t('runs.any')}</option>
              {OUTCOMES.map((o) => (
                <option key={o} value={o}>
                  {t(`outcome.${o}`)}
                </option>
              ))}
            </select>
          </div>
          <table className="table" data-testid="compare-table">
            <thead>
              <tr>
                <th scope="col">{t('runPage.image')}</th>
                <th scope="col">{t('replay.outcome')}</th>
                <th scope="col">{t('replay.baselineSide')}</th>
                <th scope="col">{t('replay.replaySide')}</th>
                <th scope="col" />
              </tr>
            </thead>
            <tbody>
              {items.map((i) => (
                <tr
                  key={i.imageId}
                  data-testid="compare-row"
                  data-outcome={i.outcome}
                  data-run-id={i.replay.runId}
                >
                  <td title={i.imageId}>{i.imageId.slice(0, 10)}…</td>
                  <td>{t(`outcome.${i.outcome}`)}</td>
                  <td>
                    {i.baseline ? `${i.baseline.verdict ?? '—'} · ${labelsText(i.baseline.labels)}` : '—'}
                  </td>
                  <td>{`${i.replay.verdict ?? '—'} · ${labelsText(i.replay.labels)}`}</td>
                  <td>
                    <button
                      type="button"
                      onClick={() => {
                        setBaselineNode(null);
                        setOpen(i);
                      }}
                    >
                      {t('replay.sideBySide')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {open && (
        <section aria-label={t('replay.sideBySide')} data-testid="side-by-side">
          <h3>
            {t('replay.sideBySide')} · {open.imageId.slice(0, 10)}…
          </h3>
          <div className="steps">
            {open.baseline ? (
              <RunSide
                client={client}
                runId={open.baseline.runId}
                title={t('replay.baselineSide')}
                onHeadline={setBaselineNode}
              />
            ) : (
              <p>{t('outcome.missingBaseline')}</p>
            )}
            <RunSide
              client={client}
              runId={open.replay.runId}
              title={t('replay.replaySide')}
              prefer={open.baseline ? baselineNode : null}
            />
          </div>
        </section>
      )}
    </main>
  );
}
