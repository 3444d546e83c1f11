import { describe, expect, it } from 'vitest';
import { emptyHistory, record, redo, undo } from './history';

describe('undo/redo history', () => {
  it('undoes and redoes in order', () => {
    let h = emptyHistory<number>();
    h = record(h, 1); // 1 → 2
    h = record(h, 2); // 2 → 3
    const u1 = undo(h, 3);
    expect(u1?.present).toBe(2);
    const u2 = u1 && undo(u1.history, u1.present);
    expect(u2?.present).toBe(1);
    expect(u2 && undo(u2.history, u2.present)).toBeUndefined();
    const r1 = u2 && redo(u2.history, u2.present);
    expect(r1?.present).toBe(2);
    const r2 = r1 && redo(r1.history, r1.present);
    expect(r2?.present).toBe(3);
    expect(r2 && redo(r2.history, r2.present)).toBeUndefined();
  });

  it('forgets the redo branch on a new change and keeps at most the limit', () => {
    let h = record(record(emptyHistory<number>(), 1), 2);
    const u = undo(h, 3);
    h = record(u?.history ?? h, 2);
    expect(h.future).toEqual([]);
    let long = emptyHistory<number>();
    for (let i = 0; i < 10; i++) long = record(long, i, 3);
    expect(long.past).toEqual([7, 8, 9]);
  });
});
