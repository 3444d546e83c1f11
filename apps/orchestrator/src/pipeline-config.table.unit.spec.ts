import type { Envelope, EventOf } from '@imageflow/contracts';
import { versionIdOf, type PipelineDefinition } from '@imageflow/pipeline';
import { fanOutFanIn } from '@imageflow/pipeline/testing';
import { describe, expect, it } from 'vitest';
import { InvalidConfigEventError, PipelineConfigTable } from './pipeline-config.table';
import { stageKindsOf } from './test-harness';

let seq = 0;
const envelope = (type: string, occurredAt: number): Envelope => ({
  eventId: `e-${++seq}`,
  type,
  occurredAt,
  runId: null,
  imageId: null,
  pipelineId: null,
  pipelineVersion: null,
  causationId: null,
  correlationId: null,
});

const created = (
  pipelineId: string,
  definition: PipelineDefinition,
  at = 0,
  overrides: Partial<EventOf<'PipelineVersionCreated'>> = {},
) => ({
  type: 'PipelineVersionCreated' as const,
  event: {
    envelope: envelope('PipelineVersionCreated', at),
    pipelineId,
    version: versionIdOf(definition),
    name: pipelineId,
    message: null,
    definitionJson: JSON.stringify(definition),
    stageKindsJson: JSON.stringify(stageKindsOf(definition)),
    createdBy: 'tester',
    ...overrides,
  },
});
const activated = (pipelineId: string, version: string, at: number) => ({
  type: 'PipelineVersionActivated' as const,
  event: { envelope: envelope('PipelineVersionActivated', at), pipelineId, version, activatedBy: 'tester' },
});
const bound = (targetKind: 'CAMERA' | 'LINE', targetId: string, pipelineId: string, at: number) => ({
  type: 'BindingSet' as const,
  event: { envelope: envelope('BindingSet', at), targetKind, targetId, pipelineId },
});
const unbound = (targetKind: 'CAMERA' | 'LINE', targetId: string, at: number) => ({
  type: 'BindingRemoved' as const,
  event: { envelope: envelope('BindingRemoved', at), targetKind, targetId },
});

const v1 = fanOutFanIn();
const v2: PipelineDefinition = {
  ...fanOutFanIn(),
  nodes: fanOutFanIn().nodes.map((n) => (n.id === 'resize' ? { ...n, parameters: { width: 320 } } : n)),
};

describe('PipelineConfigTable', () => {
  it('resolves the version active at capture time, through activation and rollback', () => {
    const table = new PipelineConfigTable();
    table.apply(created('p', v1));
    table.apply(created('p', v2));
    table.apply(bound('CAMERA', 'cam', 'p', 100));
    table.apply(activated('p', versionIdOf(v1), 100));
    table.apply(activated('p', versionIdOf(v2), 200));
    table.apply(activated('p', versionIdOf(v1), 300)); // rollback
    const at = (capturedAt: number) =>
      table.resolve({ cameraId: 'cam', lineId: null, capturedAt })?.version.version;
    expect(at(99)).toBeUndefined();
    expect(at(100)).toBe(versionIdOf(v1));
    expect(at(250)).toBe(versionIdOf(v2));
    expect(at(300)).toBe(versionIdOf(v1));
    expect(table.resolve({ cameraId: 'cam', lineId: null, capturedAt: 150 })).toMatchObject({
      pipelineId: 'p',
      boundBy: 'camera:cam',
      version: { plan: { definition: v1, stageKinds: { detect: 'ai', resize: 'image' } } },
    });
  });

  it('prefers the camera binding, falls back to the line, and honours removal in time', () => {
    const table = new PipelineConfigTable();
    table.apply(created('cam-p', v1));
    table.apply(created('line-p', v2));
    table.apply(activated('cam-p', versionIdOf(v1), 0));
    table.apply(activated('line-p', versionIdOf(v2), 0));
    table.apply(bound('LINE', 'L1', 'line-p', 10));
    table.apply(bound('CAMERA', 'c1', 'cam-p', 20));
    table.apply(unbound('CAMERA', 'c1', 30));
    const pipelineAt = (capturedAt: number) =>
      table.resolve({ cameraId: 'c1', lineId: 'L1', capturedAt })?.pipelineId;
    expect(pipelineAt(5)).toBeUndefined();
    expect(pipelineAt(15)).toBe('line-p');
    expect(pipelineAt(25)).toBe('cam-p');
    expect(pipelineAt(35)).toBe('line-p');
    expect(table.resolve({ cameraId: 'c2', lineId: null, capturedAt: 50 })).toBeUndefined();
  });

  it('a bound pipeline without an active version starts nothing for the camera, the line may still', () => {
    const table = new PipelineConfigTable();
    table.apply(created('p', v1));
    table.apply(bound('CAMERA', 'c', 'p', 0));
    expect(table.resolve({ cameraId: 'c', lineId: null, capturedAt: 10 })).toBeUndefined();
  });

  it('applies events out of time order by time, and a redelivered event once', () => {
    const table = new PipelineConfigTable();
    table.apply(created('p', v1));
    table.apply(created('p', v2));
    table.apply(bound('CAMERA', 'c', 'p', 0));
    const late = activated('p', versionIdOf(v2), 200);
    table.apply(late);
    table.apply(activated('p', versionIdOf(v1), 100)); // written later, took effect earlier
    table.apply(late);
    expect(table.resolve({ cameraId: 'c', lineId: null, capturedAt: 150 })?.version.version).toBe(
      versionIdOf(v1),
    );
    expect(table.resolve({ cameraId: 'c', lineId: null, capturedAt: 250 })?.version.version).toBe(
      versionIdOf(v2),
    );
  });

  it('rejects versions it cannot run, saying why', () => {
    const table = new PipelineConfigTable();
    expect(() => table.apply(created('p', v1, 0, { version: 'sha256:0' }))).toThrow(/hashes to sha256:/);
    expect(() => table.apply(created('p', v1, 0, { definitionJson: '{nope' }))).toThrow(
      InvalidConfigEventError,
    );
    expect(() => table.apply(created('p', v1, 0, { stageKindsJson: '{}' }))).toThrow(
      /no stage kind for nodes resize, detect/,
    );
    expect(table.size.versions).toBe(0);
  });
});
