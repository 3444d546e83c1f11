import { useCallback, useMemo, useState } from 'react';
import { createApiClient } from './api/client';
import { LoginPage } from './auth/login-page';
import { clearApiKey, loadApiKey, saveApiKey } from './auth/session';
import { CanvasPage } from './canvas/canvas-page';
import { hasUnsavedChanges } from './canvas/canvas-context';
import { useI18n } from './i18n/i18n';
import { LANGUAGES, type Language, type MessageKey } from './i18n/messages';
import { hrefOf, useRoute, type Route } from './router';
import { ReplayPage, StartReplayPage } from './replays/replays-page';
import { RunPage } from './runs/run-page';
import { RunsPage } from './runs/runs-page';

const NAV: { route: Route; label: MessageKey; pages: Route['page'][] }[] = [
  { route: { page: 'canvas' }, label: 'nav.canvas', pages: ['canvas'] },
  { route: { page: 'runs', query: '' }, label: 'nav.runs', pages: ['runs', 'run'] },
  { route: { page: 'replays' }, label: 'nav.replays', pages: ['replays', 'replay'] },
];

export function App() {
  const { t, language, setLanguage } = useI18n();
  const route = useRoute();
  const [apiKey, setApiKey] = useState<string | null>(() => loadApiKey());
  const [notice, setNotice] = useState<MessageKey | null>(null);
  const client = useMemo(() => (apiKey ? createApiClient({ apiKey }) : null), [apiKey]);

  const signIn = useCallback((key: string) => {
    saveApiKey(key);
    setNotice(null);
    setApiKey(key);
  }, []);
  const signOut = useCallback((reason?: MessageKey) => {
    clearApiKey();
    setNotice(reason ?? null);
    setApiKey(null);
  }, []);
  const onUnauthorized = useCallback(() => signOut('login.expired'), [signOut]);

  return (
    <div className="app">
      <header className="app-header">
        <h1>{t('app.title')}</h1>
        {client && (
          <nav aria-label={t('nav.label')} className="app-nav">
            {NAV.map((item) => (
              <a
                key={item.label}
                href={hrefOf(item.route)}
                aria-current={item.pages.includes(route.page) ? 'page' : undefined}
              >
                {t(item.label)}
              </a>
            ))}
          </nav>
        )}
        <div className="app-header__end">
          <label>
            {t('app.language')}{' '}
            <select value={language} onChange={(e) => setLanguage(e.target.value as Language)}>
              {LANGUAGES.map((l) => (
                <option key={l} value={l}>
                  {t(`app.languageName.${l}`)}
                </option>
              ))}
            </select>
          </label>
          {client && (
            <button
              type="button"
              onClick={() => {
                if (!hasUnsavedChanges() || window.confirm(t('canvas.discardConfirm'))) signOut();
              }}
            >
              {t('app.logout')}
            </button>
          )}
        </div>
      </header>
      {client && apiKey ? (
        <>
          {/* The canvas stays mounted while another page is shown, so its drawing (and a run being watched) survives
              in-app navigation; it is only hidden. */}
          <div className="route route--canvas" hidden={route.page !== 'canvas'}>
            <CanvasPage client={client} apiKey={apiKey} onUnauthorized={onUnauthorized} />
          </div>
          {route.page === 'runs' && (
            <RunsPage client={client} query={route.query} onUnauthorized={onUnauthorized} />
          )}
          {route.page === 'run' && (
            <RunPage client={client} runId={route.id} onUnauthorized={onUnauthorized} />
          )}
          {route.page === 'replays' && <StartReplayPage client={client} />}
          {route.page === 'replay' && (
            <ReplayPage client={client} replayId={route.id} onUnauthorized={onUnauthorized} />
          )}
          {route.page === 'not-found' && (
            <main className="page">
              <p role="alert">{t('nav.notFound', { path: route.path })}</p>
            </main>
          )}
        </>
      ) : (
        <LoginPage onSignedIn={signIn} notice={notice} />
      )}
    </div>
  );
}
