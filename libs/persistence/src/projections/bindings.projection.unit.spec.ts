import { describe, expect, it } from 'vitest';
import { aBindingRemoved, aBindingSet, aPipelineVersionActivated } from '../testing';
import { bindingsProjection } from './bindings.projection';

const at = Date.parse('2026-03-01T00:00:00Z');

describe('bindingsProjection', () => {
  it('BindingSet upserts the target, never replacing a newer binding', () => {
    const [statement] = bindingsProjection(
      aBindingSet({
        envelope: { occurredAt: at },
        targetKind: 'LINE',
        targetId: 'line-7',
        pipelineId: 'inspect',
      }),
    );
    expect(statement?.values).toEqual(['LINE', 'line-7', 'inspect', '2026-03-01T00:00:00.000Z']);
    expect(statement?.text).toMatch(
      /ON CONFLICT \(target_kind, target_id\) DO UPDATE SET[\s\S]*WHERE bindings\.bound_at <= EXCLUDED\.bound_at$/,
    );
  });

  it('BindingRemoved deletes the binding unless it was set after the removal', () => {
    const [statement] = bindingsProjection(
      aBindingRemoved({ envelope: { occurredAt: at }, targetKind: 'CAMERA', targetId: 'cam-9' }),
    );
    expect(statement?.text).toBe(
      'DELETE FROM bindings WHERE target_kind = $1 AND target_id = $2 AND bound_at <= $3',
    );
    expect(statement?.values).toEqual(['CAMERA', 'cam-9', '2026-03-01T00:00:00.000Z']);
  });

  it('ignores events of other read models', () => {
    expect(bindingsProjection(aPipelineVersionActivated())).toEqual([]);
  });
});
