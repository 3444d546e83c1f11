import { useState, type FormEvent } from 'react';
import { ApiError, createApiClient } from '../api/client';
import { useI18n } from '../i18n/i18n';
import type { MessageKey } from '../i18n/messages';

export function LoginPage({
  onSignedIn,
  notice,
}: {
  onSignedIn: (key: string) => void;
  notice: MessageKey | null;
}) {
  const { t } = useI18n();
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(notice ? t(notice) : null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const trimmed = key.trim();
    if (!trimmed) {
      setError(t('login.empty'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      // The parts catalog is what the canvas needs first; a key that may read it may use the canvas.
      await createApiClient({ apiKey: trimmed }).listParts();
      onSignedIn(trimmed);
    } catch (err) {
      if (err instanceof ApiError && err.unauthorized) setError(t('login.refused', { status: err.status }));
      else setError(t('login.unreachable', { message: err instanceof Error ? err.message : String(err) }));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="login">
      <form className="login__form" onSubmit={submit} aria-labelledby="login-title" noValidate>
        <h2 id="login-title">{t('login.title')}</h2>
        <label htmlFor="api-key">{t('login.apiKey')}</label>
        <input
          id="api-key"
          name="apiKey"
          type="password"
          autoComplete="off"
          value={key}
          onChange={(e) => setKey(e.target.value)}
          aria-describedby="api-key-help"
          aria-invalid={error ? true : undefined}
          autoFocus
        />
        <p id="api-key-help" className="hint">
          {t('login.help')}
        </p>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? t('login.checking') : t('login.submit')}
        </button>
      </form>
    </main>
  );
}
