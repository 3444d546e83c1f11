// The runs table: the REST filters (status, camera, line, lot, time range), kept in the address so a filtered
// view survives a reload, and cursor pagination (the cursors of earlier pages are kept for "Previous").
import { useEffect, useId, useState } from 'react';
import { ApiError, type ApiClient } from '../api/client';
import type { RunStatus, RunSummary } from '../api/types';
import { useI18n } from '../i18n/i18n';
import { hrefOf, navigate } from '../router';
import {
  filtersFromQuery,
  filtersToQuery,
  isoToLocalInput,
  localInputToIso,
  type RunFilters,
} from './filters';

const PAGE_SIZE = 25;
const STATUSES: RunStatus[] = ['queued', 'running', 'completed', 'failed'];

export function RunsPage({
  client,
  query,
  onUnauthorized,
}: {
  client: ApiClient;
  query: string;
  onUnauthorized: () => void;
}) {
  const { t } = useI18n();
  const id = useId();
  const applied = filtersFromQuery(query);
  const [form, setForm] = useState<RunFilters>(applied);
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<{ items: RunSummary[]; nextCursor: string | null } | null>(null);
  const [error, setError] = useState('');
  const cursor = cursors.at(-1);

  useEffect(() => {
    setForm(filtersFromQuery(query));
    setCursors([undefined]);
  }, [query]);

  useEffect(() => {
    const abort = new AbortController();
    setError('');
    client
      .listRuns(
        filtersToQuery(filtersFromQuery(query), { limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) }),
        abort.signal,
      )
      .then(setPage, (e: unknown) => {
        if (abort.signal.aborted) return;
        if (e instanceof ApiError && e.unauthorized) onUnauthorized();
        else setError(e instanceof Error ? e.message : String(e));
      });
    return () => abort.abort();
  }, [client, query, cursor, onUnauthorized]);

  const set = (key: keyof RunFilters, value: string | undefined) =>
    setForm((f) => {
      const next = { ...f };
      if (value) (next as Record<string, string>)[key] = value;
      else delete next[key];
      return next;
    });

  const text = (key: 'cameraId' | 'lineId' | 'lot', label: string) => (
    <div className="field">
      <label htmlFor={`${id}-${key}`}>{label}</label>
      <input
        id={`${id}-${key}`}
        type="text"
        value={form[key] ?? ''}
        onChange={(e) => set(key, e.target.value)}
      />
    </div>
  );

  return (
    <main className="page">
      <h2>{t('runs.title')}</h2>
      <form
        className="filters"
        aria-label={t('runs.filters')}
        onSubmit={(e) => {
          e.preventDefault();
          navigate({ page: 'runs', query: filtersToQuery(form) });
        }}
      >
        <div className="field">
          <label htmlFor={`${id}-status`}>{t('runs.status')}</label>
          <select
            id={`${id}-status`}
            value={form.status ?? ''}
            onChange={(e) => set('status', e.target.value || undefined)}
          >
            <option value="">{t('runs.any')}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`runStatus.${s}`)}
              </option>
            ))}
          </select>
        </div>
        {text('cameraId', t('runs.camera'))}
        {text('lineId', t('runs.line'))}
        {text('lot', t('runs.lot'))}
        <div className="field">
          <label htmlFor={`${id}-from`}>{t('runs.from')}</label>
          <input
            id={`${id}-from`}
            type="datetime-local"
            value={isoToLocalInput(form.from)}
            onChange={(e) => set('from', localInputToIso(e.target.value))}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-to`}>{t('runs.to')}</label>
          <input
            id={`${id}-to`}
            type="datetime-local"
            value={isoToLocalInput(form.to)}
            onChange={(e) => set('to', localInputToIso(e.target.value))}
          />
        </div>
        <div className="filters__actions">
          <button type="submit">{t('runs.apply')}</button>{' '}
          <button type="button" onClick={() => navigate({ page: 'runs', query: '' })}>
            {t('runs.clear')}
          </button>
        </div>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <table className="table" data-testid="runs-table">
        <caption className="visually-hidden">{t('runs.title')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('runs.started')}</th>
            <th scope="col">{t('runs.status')}</th>
            <th scope="col">{t('runs.verdict')}</th>
            <th scope="col">{t('runs.camera')}</th>
            <th scope="col">{t('runs.line')}</th>
            <th scope="col">{t('runs.lot')}</th>
            <th scope="col">{t('runs.serial')}</th>
            <th scope="col">{t('runs.duration')}</th>
            <th scope="col">{t('runs.run')}</th>
          </tr>
        </thead>
        <tbody>
          {page?.items.map((r) => (
            <tr key={r.id} data-testid="run-row" data-run-id={r.id}>
              <td>{new Date(r.startedAt).toLocaleString()}</td>
              <td>{t(`runStatus.${r.status}`)}</td>
              <td>{r.verdict ?? '—'}</td>
              <td>{r.cameraId ?? '—'}</td>
              <td>{r.lineId ?? '—'}</td>
              <td>{r.lot ?? '—'}</td>
              <td>{r.serial ?? '—'}</td>
              <td>{r.durationMs != null ? `${r.durationMs} ms` : '—'}</td>
              <td>
                <a href={hrefOf({ page: 'run', id: r.id })} aria-label={t('runs.openAria', { id: r.id })}>
                  {r.id.slice(0, 8)}…
                </a>
              </td>
            </tr>
          ))}
          {page && page.items.length === 0 && (
            <tr>
              <td colSpan={9}>{t('runs.none')}</td>
            </tr>
          )}
        </tbody>
      </table>
      <nav className="pager" aria-label={t('runs.pages')}>
        <button type="button" disabled={cursors.length < 2} onClick={() => setCursors((c) => c.slice(0, -1))}>
          {t('runs.previous')}
        </button>{' '}
        <span>{t('runs.page', { page: cursors.length })}</span>{' '}
        <button
          type="button"
          disabled={!page?.nextCursor}
          onClick={() => page?.nextCursor && setCursors((c) => [...c, page.nextCursor ?? undefined])}
        >
          {t('runs.next')}
        </button>
      </nav>
    </main>
  );
}
