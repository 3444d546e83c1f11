import { describe, expect, it } from 'vitest';
import { parseRoute, hrefOf } from '../router';
import { filtersFromQuery, filtersToQuery, isoToLocalInput, localInputToIso } from './filters';

describe('run filters', () => {
  it('puts only the set, trimmed filters in the query, then limit and cursor', () => {
    expect(
      filtersToQuery(
        {
          lot: ' LOT-7 ',
          cameraId: 'cam-1',
          status: 'failed',
          lineId: '  ',
          from: '2026-11-28T09:00:00.000Z',
        },
        { limit: 25, cursor: 'abc=' },
      ),
    ).toBe('status=failed&cameraId=cam-1&lot=LOT-7&from=2026-11-28T09%3A00%3A00.000Z&limit=25&cursor=abc%3D');
    expect(filtersToQuery({})).toBe('');
  });

  it('reads back what it wrote and ignores unknown statuses and keys', () => {
    const filters = { status: 'completed' as const, lot: 'L 1', to: '2026-11-28T10:00:00.000Z' };
    expect(filtersFromQuery(filtersToQuery(filters))).toEqual(filters);
    expect(filtersFromQuery('status=bogus&lot=&foo=1&cameraId=c')).toEqual({ cameraId: 'c' });
  });

  it('converts datetime-local values to ISO and back', () => {
    const iso = localInputToIso('2026-11-28T09:15');
    expect(iso).toBe(new Date(2026, 10, 28, 9, 15).toISOString());
    expect(isoToLocalInput(iso)).toBe('2026-11-28T09:15');
    expect(localInputToIso('')).toBeUndefined();
    expect(localInputToIso('not a time')).toBeUndefined();
  });
});

describe('routes', () => {
  it('parses and writes the hash routes', () => {
    expect(parseRoute('')).toEqual({ page: 'canvas' });
    expect(parseRoute('#/')).toEqual({ page: 'canvas' });
    expect(parseRoute('#/runs?lot=L1')).toEqual({ page: 'runs', query: 'lot=L1' });
    expect(parseRoute('#/runs/0190-ab')).toEqual({ page: 'run', id: '0190-ab' });
    expect(parseRoute('#/nope')).toEqual({ page: 'not-found', path: '/nope' });
    expect(hrefOf({ page: 'run', id: 'a/b' })).toBe('#/runs/a%2Fb');
    expect(hrefOf({ page: 'runs', query: 'lot=L1' })).toBe('#/runs?lot=L1');
  });
});
