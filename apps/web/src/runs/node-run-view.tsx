// What a node did in the run being watched: its state and time, its error, its output image with the detection
// boxes drawn over it, and the parameters it ran with.
import type { PipelineDefinition } from '@imageflow/pipeline';
import { useEffect, useState } from 'react';
import type { ApiClient } from '../api/client';
import type { RunDetails } from '../api/types';
import { useI18n } from '../i18n/i18n';
import type { NodeLive } from './live-state';
import { OutputImage } from './output-image';
import { overlayFor } from './outputs';

/** The run's input image URL (GET /api/v1/images/:id), read once per image. */
export function useSourceUrl(client: ApiClient, imageId: string | null | undefined): string | null {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    setUrl(null);
    if (!imageId) return;
    const abort = new AbortController();
    client.getImage(imageId, abort.signal).then(
      (image) => setUrl(image.url),
      () => undefined,
    );
    return () => abort.abort();
  }, [client, imageId]);
  return url;
}

export function NodeRunView({
  client,
  nodeId,
  live,
  details,
  definition,
}: {
  client: ApiClient;
  nodeId: string;
  live: NodeLive | undefined;
  details: RunDetails | null;
  definition: PipelineDefinition;
}) {
  const { t } = useI18n();
  const sourceUrl = useSourceUrl(client, details?.imageId);
  const step = details?.steps.find((s) => s.nodeId === nodeId);
  const overlay = details ? overlayFor(details, nodeId, definition.edges) : null;
  const choice = overlay?.image ?? null;
  const url = choice?.from === 'step' ? choice.url : choice?.from === 'source' ? sourceUrl : null;
  const detections = overlay?.detections ?? [];
  const parameters = definition.nodes.find((n) => n.id === nodeId)?.parameters ?? {};
  const error =
    live?.error ?? (step?.error ? { code: step.error.code, message: step.error.message ?? '' } : null);
  return (
    <section className="panel" aria-label={t('run.nodeTitle', { id: nodeId })} data-testid="node-run">
      <h3>{t('run.nodeTitle', { id: nodeId })}</h3>
      <p>
        {t(`state.${live?.state ?? 'queued'}`)}
        {live?.durationMs != null && ` · ${live.durationMs} ms`}
        {live && live.attempt > 1 && ` · ${t('run.attempt', { attempt: live.attempt })}`}
      </p>
      {error && (
        <p className="error" role="alert">
          {error.code}: {error.message}
        </p>
      )}
      {url ? (
        <OutputImage
          url={url}
          detections={detections}
          caption={
            overlay?.own && choice?.from === 'step'
              ? t('run.outputOf', { id: nodeId, port: choice.port })
              : t('run.inputOf', { id: nodeId })
          }
        />
      ) : (
        details && <p className="hint">{t('run.noImage')}</p>
      )}
      {detections.some((d) => d.text) && (
        <ul>
          {detections
            .filter((d) => d.text)
            .map((d) => (
              <li key={`${d.nodeId}.${d.idx}`}>{d.text}</li>
            ))}
        </ul>
      )}
      <h4>{t('inspector.parameters')}</h4>
      <pre className="code">{JSON.stringify(parameters, null, 2)}</pre>
    </section>
  );
}
