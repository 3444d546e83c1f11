// Undo/redo as a pure stack of snapshots: `record` before a change, `undo`/`redo` swap with the present.
export interface History<T> {
  past: T[];
  future: T[];
}

export const emptyHistory = <T>(): History<T> => ({ past: [], future: [] });

export const HISTORY_LIMIT = 100;

/** Remembers `present` as the state before a change; a new change forgets the redo branch. */
export const record = <T>(h: History<T>, present: T, limit = HISTORY_LIMIT): History<T> => ({
  past: [...h.past, present].slice(-limit),
  future: [],
});

export function undo<T>(h: History<T>, present: T): { history: History<T>; present: T } | undefined {
  const previous = h.past.at(-1);
  if (previous === undefined) return undefined;
  return { history: { past: h.past.slice(0, -1), future: [present, ...h.future] }, present: previous };
}

export function redo<T>(h: History<T>, present: T): { history: History<T>; present: T } | undefined {
  const next = h.future[0];
  if (next === undefined) return undefined;
  return { history: { past: [...h.past, present], future: h.future.slice(1) }, present: next };
}
