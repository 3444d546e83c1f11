import { describe, expect, it } from 'vitest';
import { aBindingSet, aPipelineVersionActivated, aPipelineVersionCreated, aRunStarted } from '../testing';
import { jsonbText, pipelinesProjection } from './pipelines.projection';

const at = Date.parse('2026-03-01T00:00:00Z');

describe('pipelinesProjection', () => {
  it('PipelineVersionCreated upserts the version, numbers versions in creation order and names the pipeline after its newest version', () => {
    const created = aPipelineVersionCreated({
      envelope: { occurredAt: at },
      pipelineId: 'inspect',
      name: 'Inspect',
      message: 'first',
    });
    const [version, renumber, pipeline] = pipelinesProjection(created);
    expect(version?.values).toEqual([
      'inspect',
      created.event.version,
      'Inspect',
      'first',
      created.event.definitionJson,
      created.event.stageKindsJson,
      '2026-03-01T00:00:00.000Z',
      'alice',
      created.event.envelope.eventId,
    ]);
    expect(created.event.version).toMatch(/^sha256:[0-9a-f]{64}$/);
    // Same content hash again: one row, described by the earliest save.
    expect(version?.text).toMatch(
      /ON CONFLICT \(pipeline_id, version\) DO UPDATE SET[\s\S]*WHERE \(EXCLUDED\.created_at, EXCLUDED\.event_id\) < /,
    );
    // Display numbers follow creation order, whatever order versions are read in.
    expect(renumber?.values).toEqual(['inspect']);
    expect(renumber?.text).toContain('row_number() OVER (ORDER BY created_at, event_id)');
    expect(pipeline?.values).toEqual(['inspect', 'Inspect', '2026-03-01T00:00:00.000Z']);
    expect(pipeline?.text).toContain('ORDER BY v.created_at DESC, v.seq DESC LIMIT 1');
    expect(pipeline?.text).toContain('created_at = LEAST(pipelines.created_at, EXCLUDED.created_at)');
  });

  it('PipelineVersionActivated records the activation and makes the latest one active, even before its version is known', () => {
    const activated = aPipelineVersionActivated({
      envelope: { occurredAt: at },
      pipelineId: 'inspect',
      version: 'sha256:ab',
      activatedBy: 'bob',
    });
    const [history, pipeline] = pipelinesProjection(activated);
    expect(history?.values).toEqual([
      activated.event.envelope.eventId,
      'inspect',
      'sha256:ab',
      '2026-03-01T00:00:00.000Z',
      'bob',
    ]);
    expect(history?.text).toMatch(/ON CONFLICT \(event_id\) DO NOTHING$/);
    expect(pipeline?.values).toEqual(['inspect', '2026-03-01T00:00:00.000Z', 'sha256:ab', 'bob']);
    // No join with pipeline_versions: an unknown version is recorded as active all the same.
    expect(pipeline?.text).not.toContain('pipeline_versions');
    // An older activation read late does not replace a newer one; equal times: the one read last wins (log order).
    expect(pipeline?.text).toContain(
      'active_version = CASE WHEN pipelines.activated_at IS NULL OR EXCLUDED.activated_at >= pipelines.activated_at THEN EXCLUDED.active_version',
    );
  });

  it('keeps a definition that is not JSON as a JSON string instead of failing the batch', () => {
    expect(jsonbText('{"nodes":[]}')).toBe('{"nodes":[]}');
    expect(JSON.parse(jsonbText('{not json'))).toBe('{not json');
    expect(JSON.parse(jsonbText('{"a":"x\\u0000"}'))).toBe('{"a":"x\\u0000"}');
    const [version] = pipelinesProjection(
      aPipelineVersionCreated({ definitionJson: 'oops', stageKindsJson: '' }),
    );
    expect(version?.values.slice(4, 6)).toEqual(['"oops"', '""']);
  });

  it('ignores events of other read models', () => {
    expect(pipelinesProjection(aBindingSet())).toEqual([]);
    expect(pipelinesProjection(aRunStarted())).toEqual([]);
  });
});
