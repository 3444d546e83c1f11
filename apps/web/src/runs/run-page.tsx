// One run: its lineage (camera, line, lot/serial, pipeline version, model versions, verdict) and every step with
// its state, time, error and output image (detection boxes drawn over it).
import type { PipelineDefinition } from '@imageflow/pipeline';
import { useEffect, useState } from 'react';
import { ApiError, type ApiClient } from '../api/client';
import type { RunDetails } from '../api/types';
import { useI18n } from '../i18n/i18n';
import { hrefOf } from '../router';
import { OutputImage } from './output-image';
import { overlayFor } from './outputs';
import { useSourceUrl } from './node-run-view';

const between = (from: string | null, to: string | null): string =>
  from && to ? `${Math.max(0, Date.parse(to) - Date.parse(from))} ms` : '—';

export function RunPage({
  client,
  runId,
  onUnauthorized,
}: {
  client: ApiClient;
  runId: string;
  onUnauthorized: () => void;
}) {
  const { t } = useI18n();
  const [run, setRun] = useState<RunDetails | null>(null);
  const [definition, setDefinition] = useState<PipelineDefinition | null>(null);
  const [error, setError] = useState('');
  const sourceUrl = useSourceUrl(client, run?.imageId);

  useEffect(() => {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    setRun(null);
    setError('');
    const load = async () => {
      try {
        const details = await client.getRun(runId, abort.signal);
        setRun(details);
        // A run still going is read again until it ends.
        if (details.status === 'queued' || details.status === 'running')
          timer = setTimeout(() => void load(), 1000);
      } catch (e) {
        if (abort.signal.aborted) return;
        if (e instanceof ApiError && e.unauthorized) onUnauthorized();
        else setError(e instanceof ApiError && e.status === 404 ? t('runPage.notFound') : String(e));
      }
    };
    void load();
    return () => {
      abort.abort();
      if (timer) clearTimeout(timer);
    };
  }, [client, runId, onUnauthorized, t]);

  const pipelineId = run?.pipelineId;
  const pipelineVersion = run?.pipelineVersion;
  useEffect(() => {
    if (!pipelineId || !pipelineVersion) return;
    client.getVersion(pipelineId, pipelineVersion).then(
      (v) => setDefinition(v.definition),
      () => undefined,
    );
  }, [client, pipelineId, pipelineVersion]);

  if (error)
    return (
      <main className="page">
        <p className="error" role="alert">
          {error}
        </p>
      </main>
    );
  if (!run)
    return (
      <main className="page">
        <p role="status">{t('runPage.loading')}</p>
      </main>
    );

  const models = run.steps
    .filter((s) => s.modelId)
    .map((s) => `${s.nodeId}: ${s.modelId}${s.modelVersion ? `@${s.modelVersion}` : ''}`);
  const edges = definition?.edges ?? [];
  const facts: [string, string][] = [
    [t('runs.status'), t(`runStatus.${run.status}`)],
    [t('runs.verdict'), run.verdict ?? '—'],
    [t('runs.camera'), run.cameraId ?? '—'],
    [t('runs.line'), run.lineId ?? '—'],
    [t('runs.lot'), run.lot ?? '—'],
    [t('runs.serial'), run.serial ?? '—'],
    [t('runPage.pipeline'), run.pipelineId ?? '—'],
    [t('runPage.version'), run.pipelineVersion ?? '—'],
    [t('runPage.models'), models.length ? models.join(', ') : '—'],
    [t('runPage.trigger'), run.trigger ?? '—'],
    [t('runPage.image'), run.imageId ?? '—'],
    [t('runs.started'), new Date(run.startedAt).toLocaleString()],
    [t('runs.duration'), run.durationMs != null ? `${run.durationMs} ms` : '—'],
  ];
  return (
    <main className="page">
      <p>
        <a href={hrefOf({ page: 'runs', query: '' })}>{t('runPage.back')}</a>
      </p>
      <h2>{t('runPage.title', { id: run.id })}</h2>
      <section aria-label={t('runPage.lineage')}>
        <h3>{t('runPage.lineage')}</h3>
        <dl className="facts" data-testid="lineage">
          {facts.map(([k, v]) => (
            <div key={k} className="facts__row">
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
        </dl>
        {run.error && (
          <p className="error">
            {run.failedNodeId}: {run.error.code} {run.error.message}
          </p>
        )}
        {run.judgements.map((j) => (
          <p key={`${j.nodeId}.${j.port}`}>
            {j.nodeId}: {j.verdict} {j.reasons.join('; ')}
          </p>
        ))}
      </section>
      {sourceUrl && (
        <section>
          <h3>{t('node.source')}</h3>
          <OutputImage url={sourceUrl} detections={[]} caption={t('node.source')} />
        </section>
      )}
      <section aria-label={t('runPage.steps')}>
        <h3>{t('runPage.steps')}</h3>
        <div className="steps">
          {run.steps.map((s) => {
            const { image: choice, own, detections } = overlayFor(run, s.nodeId, edges);
            // A step without an image output is shown on the image it worked on, with the boxes it found.
            const url = choice?.from === 'step' ? choice.url : choice?.from === 'source' ? sourceUrl : null;
            return (
              <article key={s.nodeId} className="step" data-testid={`step-${s.nodeId}`}>
                <h4>
                  {s.nodeId}{' '}
                  <small className="hint">{s.partId ? `${s.partId}@${s.partVersion ?? ''}` : ''}</small>
                </h4>
                <p>
                  {t(`stepStatus.${s.status}`)} · {between(s.startedAt ?? s.requestedAt, s.finishedAt)}
                  {s.attempts > 1 && ` · ${t('run.attempt', { attempt: s.attempts })}`}
                  {s.modelId && ` · ${s.modelId}@${s.modelVersion ?? ''}`}
                </p>
                {s.error && (
                  <p className="error">
                    {s.error.code}: {s.error.message}
                  </p>
                )}
                {url && (
                  <OutputImage
                    url={url}
                    detections={detections}
                    caption={
                      own && choice?.from === 'step'
                        ? t('run.outputOf', { id: s.nodeId, port: choice.port })
                        : t('run.inputOf', { id: s.nodeId })
                    }
                  />
                )}
                {!url && detections.length > 0 && <p>{t('run.boxes', { count: detections.length })}</p>}
                <ul className="hint">
                  {(s.outputs ?? []).map((o) => (
                    <li key={o.port}>
                      {o.port} ({o.kind})
                      {o.object?.url && (
                        <>
                          {' '}
                          <a href={o.object.url} target="_blank" rel="noreferrer">
                            {t('runPage.download')}
                          </a>
                        </>
                      )}
                    </li>
                  ))}
                </ul>
              </article>
            );
          })}
        </div>
      </section>
    </main>
  );
}
