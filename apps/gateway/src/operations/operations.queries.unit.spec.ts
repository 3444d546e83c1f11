import { describe, expect, it } from 'vitest';
import type { Sample } from './adapters/prometheus.adapter';
import { nodeOperations, unknownOperations, type NodeOfVersion } from './operations.queries';

const nodes: NodeOfVersion[] = [
  { nodeId: 'resize', partId: 'pre.resize', stageKind: 'image' },
  { nodeId: 'blur', partId: 'pre.blur', stageKind: 'image' },
  { nodeId: 'detect', partId: 'ai.detect', stageKind: 'ai' },
];
const s = (labels: Record<string, string>, value: number): Sample => ({ labels, value });
const topicOf = (kind: string) => `imageflow.stage.${kind}.v1`;

describe('nodeOperations', () => {
  it('maps series to nodes by stage and part, lag by stage topic, and lag in seconds at the stage rate', () => {
    const result = nodeOperations(
      nodes,
      {
        processed: [
          s({ stage: 'image', part: 'pre.resize' }, 3),
          s({ stage: 'image', part: 'pre.blur' }, 1),
          s({ stage: 'ai', part: 'ai.detect' }, 0),
        ],
        failed: [s({ stage: 'image', part: 'pre.blur' }, 0.5)],
        p95: [
          s({ stage: 'image', part: 'pre.resize' }, 0.1234567),
          s({ stage: 'ai', part: 'ai.detect' }, NaN),
        ],
        lag: [s({ topic: 'imageflow.stage.image.v1' }, 20), s({ topic: 'imageflow.stage.ai.v1' }, 7)],
      },
      topicOf,
    );
    expect(result).toEqual([
      {
        ...nodes[0],
        throughputPerSec: 3,
        failedPerSec: 0,
        p95Seconds: 0.1235,
        lagMessages: 20,
        lagSeconds: 5,
      },
      {
        ...nodes[1],
        throughputPerSec: 1,
        failedPerSec: 0.5,
        p95Seconds: null,
        lagMessages: 20,
        lagSeconds: 5,
      },
      // A stage with backlog and no progress: the wait is unknown, not infinite.
      {
        ...nodes[2],
        throughputPerSec: 0,
        failedPerSec: 0,
        p95Seconds: null,
        lagMessages: 7,
        lagSeconds: null,
      },
    ]);
  });

  it('no series: nothing ran (0/s), no lag known; no backlog is 0 s even when idle', () => {
    const empty = nodeOperations(nodes, { processed: [], failed: [], p95: [], lag: [] }, topicOf);
    expect(empty[0]).toMatchObject({
      throughputPerSec: 0,
      failedPerSec: 0,
      lagMessages: null,
      lagSeconds: null,
    });
    const idle = nodeOperations(
      nodes,
      { processed: [], failed: [], p95: [], lag: [s({ topic: 'imageflow.stage.ai.v1' }, 0)] },
      topicOf,
    );
    expect(idle[2]).toMatchObject({ lagMessages: 0, lagSeconds: 0 });
  });

  it('Prometheus down: every number null', () => {
    expect(unknownOperations(nodes.slice(0, 1))).toEqual([
      {
        ...nodes[0],
        throughputPerSec: null,
        failedPerSec: null,
        p95Seconds: null,
        lagMessages: null,
        lagSeconds: null,
      },
    ]);
  });
});
