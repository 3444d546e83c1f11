// Upload an image and run it through the drawing (as a draft) or through the saved version; the node states are
// drawn on the canvas by the editor from the watch this panel starts.
import type { PipelineDefinition } from '@imageflow/pipeline';
import { useEffect, useId, useState } from 'react';
import type { ApiClient } from '../api/client';
import type { RunSummary } from '../api/types';
import { useI18n } from '../i18n/i18n';
import { hrefOf } from '../router';
import type { RunWatch } from './use-run-watch';

export function RunPanel({
  client,
  definition,
  valid,
  saved,
  watch,
  runId,
  onStarted,
}: {
  client: ApiClient;
  definition: PipelineDefinition;
  valid: boolean;
  /** The saved version the drawing equals, if any. */
  saved: { pipelineId: string; version: string } | null;
  watch: RunWatch;
  runId: string | null;
  onStarted: (runId: string) => void;
}) {
  const { t } = useI18n();
  const fileId = useId();
  const [file, setFile] = useState<File | null>(null);
  const [source, setSource] = useState<'upload' | 'recent'>('upload');
  const [recent, setRecent] = useState<RunSummary[]>([]);
  const [imageId, setImageId] = useState('');

  // Recent captures: the images of the latest runs, one entry per image.
  useEffect(() => {
    if (source !== 'recent') return;
    const abort = new AbortController();
    client.listRuns('limit=50', abort.signal).then(
      (page) => {
        const seen = new Set<string>();
        setRecent(
          page.items
            .filter((r) => r.imageId && !seen.has(r.imageId) && (seen.add(r.imageId), true))
            .slice(0, 20),
        );
      },
      () => undefined,
    );
    return () => abort.abort();
  }, [client, source, runId]);
  const ready = source === 'upload' ? !!file : !!imageId;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  const run = async (target: 'draft' | 'version') => {
    setBusy(true);
    setError('');
    try {
      const through = target === 'version' && saved ? saved : { definition };
      const started =
        source === 'upload' && file
          ? await client.startRun(file, through)
          : await client.startRunOnStored(imageId, through);
      onStarted(started.runId);
    } catch (e) {
      setError(t('run.failedToStart', { message: e instanceof Error ? e.message : String(e) }));
    } finally {
      setBusy(false);
    }
  };

  const live = watch.live;
  return (
    <section className="panel" aria-labelledby={`${fileId}-title`}>
      <h2 id={`${fileId}-title`}>{t('run.title')}</h2>
      <fieldset className="run-source">
        <legend className="visually-hidden">{t('run.source')}</legend>
        <label>
          <input
            type="radio"
            name={`${fileId}-source`}
            checked={source === 'upload'}
            onChange={() => setSource('upload')}
          />{' '}
          {t('run.upload')}
        </label>{' '}
        <label>
          <input
            type="radio"
            name={`${fileId}-source`}
            checked={source === 'recent'}
            onChange={() => setSource('recent')}
          />{' '}
          {t('run.recent')}
        </label>
      </fieldset>
      {source === 'upload' ? (
        <div className="field">
          <label htmlFor={fileId}>{t('run.image')}</label>
          <input
            id={fileId}
            type="file"
            accept="image/jpeg,image/png,image/webp,image/tiff,image/bmp"
            onChange={(e) => setFile(e.target.files?.[0] ?? null)}
          />
        </div>
      ) : (
        <div className="field">
          <label htmlFor={`${fileId}-recent`}>{t('run.recentImage')}</label>
          <select id={`${fileId}-recent`} value={imageId} onChange={(e) => setImageId(e.target.value)}>
            <option value="">—</option>
            {recent.map((r) => (
              <option key={r.imageId} value={r.imageId ?? ''}>
                {new Date(r.startedAt).toLocaleString()} · {r.cameraId ?? '—'}
                {r.lot ? ` · ${r.lot}` : ''}
              </option>
            ))}
          </select>
        </div>
      )}
      <button type="button" disabled={!ready || !valid || busy} onClick={() => void run('draft')}>
        {t('run.draft')}
      </button>{' '}
      <button type="button" disabled={!ready || !saved || busy} onClick={() => void run('version')}>
        {t('run.version')}
      </button>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {runId && (
        <p role="status" data-testid="run-status" data-status={live?.status ?? 'running'}>
          {t(`run.status.${live?.status ?? 'running'}`)}
          {live?.verdict ? ` · ${t('run.verdict')} ${live.verdict}` : ''}
          {live?.durationMs != null ? ` · ${live.durationMs} ms` : ''}{' '}
          <a href={hrefOf({ page: 'run', id: runId })}>{t('run.open')}</a>
          {watch.polling && <small className="hint"> · {t('run.polling')}</small>}
        </p>
      )}
      {live?.error && <p className="error">{`${live.error.code}: ${live.error.message}`}</p>}
      {runId && <p className="hint">{t('run.clickNode')}</p>}
    </section>
  );
}
