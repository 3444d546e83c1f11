// Save the drawing as a new immutable version (with a message), open another pipeline or version, compare two
// versions, activate one (an older one is a rollback), and bind cameras and lines to the pipeline.
import type { PipelineDefinition } from '@imageflow/pipeline';
import { useCallback, useEffect, useId, useState } from 'react';
import { ApiError, type ApiClient } from '../api/client';
import type { Binding, PipelineSummary, VersionSummary } from '../api/types';
import { useI18n } from '../i18n/i18n';
import { diffDefinitions, edgeText, isEmptyDiff, stableJson, type DefinitionDiff } from './diff';

export interface OpenPipeline {
  id: string;
  name: string;
  /** The version the drawing was loaded from or last saved as. */
  version: string | null;
}

const short = (version: string): string => version.replace(/^sha256:/, '').slice(0, 10);
const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The gateway answers writes with 201/202 before its read side shows them: poll until `ready` holds. */
async function until<T>(read: () => Promise<T>, ready: (value: T) => boolean, tries = 20): Promise<T> {
  let value = await read();
  for (let i = 0; i < tries && !ready(value); i++) {
    await sleep(300);
    value = await read();
  }
  return value;
}

export function SavePanel({
  client,
  definition,
  valid,
  dirty,
  pipeline,
  onSaved,
}: {
  client: ApiClient;
  definition: PipelineDefinition;
  valid: boolean;
  dirty: boolean;
  pipeline: OpenPipeline | null;
  onSaved: (pipeline: OpenPipeline) => void;
}) {
  const { t } = useI18n();
  const nameId = useId();
  const messageId = useId();
  const [name, setName] = useState('');
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);

  const save = async () => {
    setBusy(true);
    setResult(null);
    try {
      const body = { definition, ...(message.trim() ? { message: message.trim() } : {}) };
      const created = pipeline
        ? await client.createVersion(pipeline.id, { ...body, ...(name.trim() ? { name: name.trim() } : {}) })
        : await client.createPipeline({ ...body, name: name.trim() || t('save.untitled') });
      // Wait until the read side lists the version, so the versions list and a run of it find it.
      await until(
        () => client.listVersions(created.pipelineId).catch(() => ({ items: [] as VersionSummary[] })),
        (list) => list.items.some((v) => v.version === created.version),
      );
      setMessage('');
      setName('');
      setResult({
        ok: true,
        text: created.created
          ? t('save.saved', { version: short(created.version) })
          : t('save.exists', { version: short(created.version) }),
      });
      onSaved({
        id: created.pipelineId,
        name: name.trim() || pipeline?.name || t('save.untitled'),
        version: created.version,
      });
    } catch (e) {
      setResult({ ok: false, text: t('save.failed', { message: errorText(e) }) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel" aria-labelledby={`${nameId}-title`}>
      <h2 id={`${nameId}-title`}>{pipeline ? t('save.titleVersion') : t('save.titleNew')}</h2>
      {pipeline && (
        <p className="hint" data-testid="open-pipeline">
          {t('save.current', {
            name: pipeline.name,
            version: pipeline.version ? short(pipeline.version) : '—',
          })}
        </p>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (valid && !busy) void save();
        }}
      >
        <div className="field">
          <label htmlFor={nameId}>{pipeline ? t('save.rename') : t('save.name')}</label>
          <input
            id={nameId}
            type="text"
            maxLength={200}
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={messageId}>{t('save.message')}</label>
          <textarea
            id={messageId}
            rows={2}
            maxLength={2000}
            value={message}
            onChange={(e) => setMessage(e.target.value)}
          />
        </div>
        <button type="submit" disabled={!valid || busy} data-testid="save-version">
          {busy ? t('save.saving') : t('save.submit')}
        </button>{' '}
        {!valid && <span className="error">{t('save.blocked')}</span>}
        {valid && !dirty && pipeline && <span className="hint">{t('canvas.clean')}</span>}
      </form>
      {result && (
        <p
          className={result.ok ? 'ok' : 'error'}
          role={result.ok ? 'status' : 'alert'}
          data-testid="save-result"
        >
          {result.text}
        </p>
      )}
    </section>
  );
}

function ValueText({ value }: { value: unknown }) {
  return <code>{value === undefined ? '—' : stableJson(value)}</code>;
}

function DiffView({ diff }: { diff: DefinitionDiff }) {
  const { t } = useI18n();
  if (isEmptyDiff(diff)) return <p data-testid="version-diff">{t('versions.same')}</p>;
  return (
    <div className="diff" data-testid="version-diff">
      <ul>
        {diff.nodes.added.map((n) => (
          <li key={`+${n.id}`} className="diff--added">
            {t('versions.nodeAdded', { id: n.id, part: `${n.part.id}@${n.part.version}` })}
          </li>
        ))}
        {diff.nodes.removed.map((n) => (
          <li key={`-${n.id}`} className="diff--removed">
            {t('versions.nodeRemoved', { id: n.id, part: `${n.part.id}@${n.part.version}` })}
          </li>
        ))}
        {diff.nodes.changed.map((n) => (
          <li key={`~${n.id}`} className="diff--changed">
            {t('versions.nodeChanged', { id: n.id })}
            <ul>
              {n.part && <li>{t('versions.partChanged', { from: n.part.from, to: n.part.to })}</li>}
              {[...n.parameters, ...n.settings].map((c) => (
                <li key={c.name}>
                  {c.name}: <ValueText value={c.from} /> → <ValueText value={c.to} />
                </li>
              ))}
            </ul>
          </li>
        ))}
        {diff.edges.added.map((e) => (
          <li key={`+${edgeText(e)}`} className="diff--added">
            {t('versions.edgeAdded', { edge: edgeText(e) })}
          </li>
        ))}
        {diff.edges.removed.map((e) => (
          <li key={`-${edgeText(e)}`} className="diff--removed">
            {t('versions.edgeRemoved', { edge: edgeText(e) })}
          </li>
        ))}
      </ul>
    </div>
  );
}

export function VersionsPanel({
  client,
  pipeline,
  refreshKey,
  onOpen,
}: {
  client: ApiClient;
  pipeline: OpenPipeline | null;
  /** Changes after a save, so the list is read again. */
  refreshKey: string;
  onOpen: (pipeline: OpenPipeline, definition: PipelineDefinition) => void;
}) {
  const { t } = useI18n();
  const pickId = useId();
  const targetId = useId();
  const kindId = useId();
  const [pipelines, setPipelines] = useState<PipelineSummary[]>([]);
  const [picked, setPicked] = useState('');
  const [versions, setVersions] = useState<VersionSummary[]>([]);
  const [bindings, setBindings] = useState<Binding[]>([]);
  const [compare, setCompare] = useState<string[]>([]);
  const [diff, setDiff] = useState<DefinitionDiff | null>(null);
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const [kind, setKind] = useState<'camera' | 'line'>('camera');
  const [target, setTarget] = useState('');

  const reloadPipelines = useCallback(() => {
    client.listPipelines().then(
      (page) => setPipelines(page.items),
      () => undefined,
    );
  }, [client]);
  useEffect(reloadPipelines, [reloadPipelines, refreshKey]);

  const reload = useCallback(async () => {
    if (!pipeline) return;
    const [list, details] = await Promise.all([
      client.listVersions(pipeline.id),
      client.getPipeline(pipeline.id),
    ]);
    setVersions([...list.items].sort((a, b) => b.seq - a.seq));
    setBindings(details.bindings);
  }, [client, pipeline]);
  useEffect(() => {
    setCompare([]);
    setDiff(null);
    void reload().catch((e: unknown) => setStatus({ ok: false, text: errorText(e) }));
  }, [reload, refreshKey]);

  const openPicked = async () => {
    const summary = pipelines.find((p) => p.id === picked);
    if (!summary) return;
    try {
      const list = await client.listVersions(summary.id);
      const chosen =
        summary.activeVersion?.version ?? [...list.items].sort((a, b) => b.seq - a.seq)[0]?.version;
      if (!chosen) return;
      const details = await client.getVersion(summary.id, chosen);
      onOpen({ id: summary.id, name: summary.name ?? summary.id, version: chosen }, details.definition);
    } catch (e) {
      setStatus({ ok: false, text: errorText(e) });
    }
  };

  const openVersion = async (v: VersionSummary) => {
    if (!pipeline) return;
    try {
      const details = await client.getVersion(pipeline.id, v.version);
      onOpen({ ...pipeline, version: v.version }, details.definition);
    } catch (e) {
      setStatus({ ok: false, text: errorText(e) });
    }
  };

  const activate = async (v: VersionSummary) => {
    if (!pipeline) return;
    try {
      await client.activate(pipeline.id, v.version);
      await until(
        () => client.listVersions(pipeline.id),
        (list) => list.items.some((x) => x.version === v.version && x.active),
      );
      setStatus({ ok: true, text: t('versions.activated', { seq: v.seq }) });
      await reload();
    } catch (e) {
      setStatus({ ok: false, text: errorText(e) });
    }
  };

  const toggleCompare = (version: string, on: boolean) => {
    setDiff(null);
    setCompare((c) =>
      on ? [...c.filter((x) => x !== version), version].slice(-2) : c.filter((x) => x !== version),
    );
  };

  const showDiff = async () => {
    if (!pipeline || compare.length !== 2) return;
    const [a, b] = compare
      .map((v) => versions.find((x) => x.version === v))
      .filter((v): v is VersionSummary => !!v)
      .sort((x, y) => x.seq - y.seq);
    if (!a || !b) return;
    try {
      const [from, to] = await Promise.all([
        client.getVersion(pipeline.id, a.version),
        client.getVersion(pipeline.id, b.version),
      ]);
      setDiff(diffDefinitions(from.definition, to.definition));
    } catch (e) {
      setStatus({ ok: false, text: errorText(e) });
    }
  };

  const bind = async () => {
    if (!pipeline || !target.trim()) return;
    try {
      const id = target.trim();
      await client.bind(kind, id, pipeline.id);
      await until(
        () => client.getPipeline(pipeline.id),
        (d) => d.bindings.some((b) => b.targetId === id),
      );
      setTarget('');
      setStatus({ ok: true, text: t('bindings.bound', { target: id }) });
      await reload();
    } catch (e) {
      setStatus({
        ok: false,
        text:
          e instanceof ApiError && e.status === 400
            ? t('bindings.badId', { message: e.message })
            : errorText(e),
      });
    }
  };

  const unbind = async (b: Binding) => {
    if (!pipeline) return;
    try {
      await client.unbind(b.targetKind === 'CAMERA' ? 'camera' : 'line', b.targetId);
      await until(
        () => client.getPipeline(pipeline.id),
        (d) => !d.bindings.some((x) => x.targetId === b.targetId),
      );
      await reload();
    } catch (e) {
      setStatus({ ok: false, text: errorText(e) });
    }
  };

  const active = versions.find((v) => v.active);
  return (
    <section className="panel" aria-labelledby={`${pickId}-title`}>
      <h2 id={`${pickId}-title`}>{t('versions.title')}</h2>
      <div className="field field--inline">
        <label htmlFor={pickId}>{t('versions.pipeline')}</label>
        <select id={pickId} value={picked} onChange={(e) => setPicked(e.target.value)}>
          <option value="">—</option>
          {pipelines.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name ?? p.id}
            </option>
          ))}
        </select>
        <button
          type="button"
          onClick={() => void openPicked()}
          disabled={!picked}
          data-testid="open-pipeline-button"
        >
          {t('versions.openPipeline')}
        </button>
      </div>
      {status && (
        <p
          className={status.ok ? 'ok' : 'error'}
          role={status.ok ? 'status' : 'alert'}
          data-testid="versions-status"
        >
          {status.text}
        </p>
      )}
      {pipeline && (
        <>
          <table className="table" data-testid="versions-table">
            <caption className="visually-hidden">{t('versions.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('versions.compare')}</th>
                <th scope="col">#</th>
                <th scope="col">{t('versions.message')}</th>
                <th scope="col">{t('versions.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {versions.map((v) => (
                <tr key={v.version} data-testid={`version-row-${v.seq}`}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={t('versions.compareAria', { seq: v.seq })}
                      checked={compare.includes(v.version)}
                      onChange={(e) => toggleCompare(v.version, e.target.checked)}
                    />
                  </td>
                  <td title={v.version}>
                    {v.seq}
                    {v.active && <span className="badge badge--ok">{t('versions.active')}</span>}
                  </td>
                  <td>
                    {v.message ?? '—'}
                    <br />
                    <small className="hint">
                      {new Date(v.createdAt).toLocaleString()} · {v.createdBy}
                    </small>
                  </td>
                  <td>
                    <button type="button" onClick={() => void openVersion(v)}>
                      {t('versions.open')}
                    </button>{' '}
                    {!v.active && (
                      <button type="button" onClick={() => void activate(v)}>
                        {active && v.seq < active.seq ? t('versions.rollback') : t('versions.activate')}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <button type="button" disabled={compare.length !== 2} onClick={() => void showDiff()}>
            {t('versions.diff')}
          </button>
          {diff && <DiffView diff={diff} />}

          <h3>{t('bindings.title')}</h3>
          <ul data-testid="bindings">
            {bindings.map((b) => (
              <li key={`${b.targetKind}:${b.targetId}`}>
                {b.targetKind === 'CAMERA' ? t('bindings.camera') : t('bindings.line')} {b.targetId}{' '}
                <button
                  type="button"
                  onClick={() => void unbind(b)}
                  aria-label={t('bindings.unbindAria', { target: b.targetId })}
                >
                  {t('bindings.unbind')}
                </button>
              </li>
            ))}
            {bindings.length === 0 && <li className="hint">{t('bindings.none')}</li>}
          </ul>
          <form
            className="field field--inline"
            onSubmit={(e) => {
              e.preventDefault();
              void bind();
            }}
          >
            <label htmlFor={kindId} className="visually-hidden">
              {t('bindings.kind')}
            </label>
            <select id={kindId} value={kind} onChange={(e) => setKind(e.target.value as 'camera' | 'line')}>
              <option value="camera">{t('bindings.camera')}</option>
              <option value="line">{t('bindings.line')}</option>
            </select>
            <label htmlFor={targetId} className="visually-hidden">
              {t('bindings.target')}
            </label>
            <input
              id={targetId}
              type="text"
              placeholder={t('bindings.target')}
              value={target}
              onChange={(e) => setTarget(e.target.value)}
            />
            <button type="submit" disabled={!target.trim()}>
              {t('bindings.bind')}
            </button>
          </form>
        </>
      )}
    </section>
  );
}
