import { useCallback, useMemo, useState } from 'react';
import { createApiClient } from './api/client';
import { LoginPage } from './auth/login-page';
import { clearApiKey, loadApiKey, saveApiKey } from './auth/session';
import { CanvasPage } from './canvas/canvas-page';
import { useI18n } from './i18n/i18n';
import { LANGUAGES, type Language, type MessageKey } from './i18n/messages';

export function App() {
  const { t, language, setLanguage } = useI18n();
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
            <button type="button" onClick={() => signOut()}>
              {t('app.logout')}
            </button>
          )}
        </div>
      </header>
      {client ? (
        <CanvasPage client={client} onUnauthorized={onUnauthorized} />
      ) : (
        <LoginPage onSignedIn={signIn} notice={notice} />
      )}
    </div>
  );
}
