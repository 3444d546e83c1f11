import { describe, expect, it } from 'vitest';
import { encodeCursor, InvalidCursorError, PAGE_LIMITS } from './cursor';
import { assertBindingTargetKind, buildPipelinesQuery } from './pipelines.repository';
import { InvalidFilterError } from './runs.repository';

describe('pipelines queries', () => {
  it('pages newest pipeline first with a keyset cursor, asking for one row more than the limit', () => {
    const first = buildPipelinesQuery({});
    expect(first.text).toMatch(/ORDER BY p\.created_at DESC, p\.id DESC LIMIT \$1$/);
    expect(first.values).toEqual([PAGE_LIMITS.default + 1]);
    const next = buildPipelinesQuery({
      limit: 10,
      cursor: encodeCursor({ at: '2026-03-01T00:00:00.000Z', id: 'inspect' }),
    });
    expect(next.text).toContain('WHERE (p.created_at, p.id) < ($1::timestamptz, $2)');
    expect(next.values).toEqual(['2026-03-01T00:00:00.000Z', 'inspect', 11]);
    expect(() => buildPipelinesQuery({ cursor: 'nope' })).toThrow(InvalidCursorError);
  });

  it('accepts only CAMERA and LINE as binding target kinds', () => {
    expect(() => assertBindingTargetKind('CAMERA')).not.toThrow();
    expect(() => assertBindingTargetKind('LINE')).not.toThrow();
    expect(() => assertBindingTargetKind('camera')).toThrow(InvalidFilterError);
  });
});
