import type { Projection } from './projection';
import { sql, toIso } from './projection';

// A binding never goes back in time: an older BindingSet does not replace a newer one, and a BindingRemoved only
// removes a binding set at or before it. For equal times the event read last wins (log order on the target's key).
const SET_BINDING = `
INSERT INTO bindings (target_kind, target_id, pipeline_id, bound_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (target_kind, target_id) DO UPDATE SET
  pipeline_id = EXCLUDED.pipeline_id,
  bound_at = EXCLUDED.bound_at
WHERE bindings.bound_at <= EXCLUDED.bound_at`;

const REMOVE_BINDING = `DELETE FROM bindings WHERE target_kind = $1 AND target_id = $2 AND bound_at <= $3`;

/** BindingSet / BindingRemoved → `bindings` (one row per camera or line). */
export const bindingsProjection: Projection = (input) => {
  switch (input.type) {
    case 'BindingSet': {
      const e = input.event;
      return [sql(SET_BINDING, [e.targetKind, e.targetId, e.pipelineId, toIso(e.envelope.occurredAt)])];
    }
    case 'BindingRemoved': {
      const e = input.event;
      return [sql(REMOVE_BINDING, [e.targetKind, e.targetId, toIso(e.envelope.occurredAt)])];
    }
    default:
      return [];
  }
};
