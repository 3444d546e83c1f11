// The API key lives in sessionStorage: it survives a reload but not closing the tab.
const KEY = 'imageflow.apiKey';

export const loadApiKey = (storage: Storage = sessionStorage): string | null => storage.getItem(KEY);
export const saveApiKey = (key: string, storage: Storage = sessionStorage): void =>
  storage.setItem(KEY, key.trim());
export const clearApiKey = (storage: Storage = sessionStorage): void => storage.removeItem(KEY);
