import { describe, expect, it } from 'vitest';
import {
  catalogOf,
  evolve,
  fold,
  pendingCommands,
  stepDeadlines,
  type RunEvent,
  type RunState,
} from './index';
import { fanOutFanIn, simulateRun, testCatalogParts } from './testing';

const catalog = catalogOf(testCatalogParts);
const plan = () => ({
  definition: fanOutFanIn(),
  stageKinds: { resize: 'image', detect: 'ai', gray: 'image', annotate: 'image', judge: 'image' },
});
const started: RunEvent = {
  type: 'RunStarted',
  eventId: 'e0',
  at: 1000,
  runId: 'r1',
  plan: plan(),
  source: { port: 'image', kind: 'IMAGE' },
};

describe('run reducer', () => {
  it('starts with the nodes fed by the source only', () => {
    const { state, commands } = evolve(undefined, started);
    expect(commands.map((c) => c.type === 'RequestStep' && c.nodeId)).toEqual(['resize']);
    expect(state?.nodes['resize']?.status).toBe('ready');
    expect(state?.nodes['detect']?.status).toBe('waiting');
  });

  it('fans out after a step and joins: a node starts only when all its inputs are ready', () => {
    let { state } = evolve(undefined, started);
    state = evolve(state, {
      type: 'StepRequested',
      eventId: 'e1',
      at: 1001,
      nodeId: 'resize',
      attempt: 1,
    }).state;
    const afterResize = evolve(state, {
      type: 'StepCompleted',
      eventId: 'e2',
      at: 1010,
      nodeId: 'resize',
      attempt: 1,
      outputs: [{ port: 'image', kind: 'IMAGE' }],
    });
    expect(
      afterResize.commands
        .map((c) => (c.type === 'RequestStep' ? `${c.nodeId}:${c.stageKind}` : c.type))
        .sort(),
    ).toEqual(['detect:ai', 'gray:image']);
    const request = afterResize.commands.find((c) => c.type === 'RequestStep' && c.nodeId === 'detect');
    expect(request).toMatchObject({
      inputs: [{ port: 'image', fromNodeId: 'resize' }],
      parameters: { model: 'ssd', minScore: 0.5 },
    });
    // annotate needs detect too, so it still waits.
    expect(afterResize.state?.nodes['annotate']?.status).toBe('waiting');
  });

  it('completes a fan-out/fan-in run with every node done and the verdict of its judgement', () => {
    const { state, log } = simulateRun(fanOutFanIn(), catalog, { verdict: () => 'NG' });
    expect(state?.status).toBe('completed');
    expect(Object.values(state!.nodes).every((n) => n.status === 'completed')).toBe(true);
    expect(state?.verdict).toBe('NG');
    expect(log.filter((e) => e.type === 'StepCompleted')).toHaveLength(5);
  });

  it('retries a retryable failure with backoff, then succeeds', () => {
    const { state, log } = simulateRun(fanOutFanIn(), catalog, {
      outcome: (node, attempt) => (node === 'detect' && attempt < 3 ? 'retryable' : 'ok'),
    });
    expect(state?.status).toBe('completed');
    expect(state?.nodes['detect']?.attempt).toBe(3);
    const detectRequests = log.filter((e) => e.type === 'StepRequested' && e.nodeId === 'detect');
    expect(detectRequests.map((e) => (e.type === 'StepRequested' ? e.attempt : 0))).toEqual([1, 2, 3]);
    // default policy: 500 ms before try 2, 1000 ms before try 3
    const failures = log.filter((e) => e.type === 'StepFailed');
    expect(detectRequests[1]!.at - failures[0]!.at).toBeGreaterThanOrEqual(500);
    expect(detectRequests[2]!.at - failures[1]!.at).toBeGreaterThanOrEqual(1000);
  });

  it('fails the run when retries are exhausted, naming the node and the reason', () => {
    const { state, log } = simulateRun(fanOutFanIn(), catalog, {
      outcome: (node) => (node === 'detect' ? 'retryable' : 'ok'),
    });
    expect(state?.status).toBe('failed');
    expect(state?.failure).toMatchObject({ nodeId: 'detect', code: 'COMPUTE_UNAVAILABLE' });
    expect(state?.failure?.message).toContain('after 3 attempts');
    expect(log.filter((e) => e.type === 'StepRequested' && e.nodeId === 'detect')).toHaveLength(3);
  });

  it('does not retry a permanent failure', () => {
    const { state, log } = simulateRun(fanOutFanIn(), catalog, {
      outcome: (node) => (node === 'resize' ? 'fatal' : 'ok'),
    });
    expect(state?.status).toBe('failed');
    expect(log.filter((e) => e.type === 'StepRequested')).toHaveLength(1);
  });

  it('skips the branch whose verdict did not happen, and what depends only on it', () => {
    const definition = fanOutFanIn();
    definition.nodes.find((n) => n.id === 'annotate')!.when = {
      node: 'judge',
      port: 'verdict',
      verdict: 'NG',
    };
    definition.nodes.push({ id: 'gray2', part: { id: 'image.grayscale', version: '1' }, parameters: {} });
    definition.edges.push({
      from: { node: 'annotate', port: 'image' },
      to: { node: 'gray2', port: 'image' },
    });
    const ok = simulateRun(definition, catalog, { verdict: () => 'OK' });
    expect(ok.state?.status).toBe('completed');
    expect(ok.state?.nodes['annotate']?.status).toBe('skipped');
    expect(ok.state?.nodes['gray2']?.status).toBe('skipped');
    const ng = simulateRun(definition, catalog, { verdict: () => 'NG' });
    expect(ng.state?.nodes['annotate']?.status).toBe('completed');
    expect(ng.state?.nodes['gray2']?.status).toBe('completed');
  });

  it('changes nothing on a redelivered event', () => {
    const once = simulateRun(fanOutFanIn(), catalog);
    const twice = simulateRun(fanOutFanIn(), catalog, { duplicate: true });
    expect(twice.state?.status).toBe('completed');
    expect(twice.log.filter((e) => e.type === 'StepRequested')).toHaveLength(
      2 * once.log.filter((e) => e.type === 'StepRequested').length,
    );
    const { applied: _a, ...a } = once.state!;
    const { applied: _b, ...b } = twice.state!;
    expect(b).toEqual(a);
  });

  it('rebuilds from the log after a crash and owes exactly the commands not yet answered', () => {
    const { log } = simulateRun(fanOutFanIn(), catalog);
    // Crash right after resize completed: detect and gray were decided but never requested.
    const cut = log.findIndex((e) => e.type === 'StepCompleted' && e.nodeId === 'resize') + 1;
    const rebuilt = fold(log.slice(0, cut)) as RunState;
    expect(
      pendingCommands(rebuilt)
        .map((c) => (c.type === 'RequestStep' ? c.nodeId : c.type))
        .sort(),
    ).toEqual(['detect', 'gray']);
    // After detect was requested, only gray is still owed; detect has a deadline.
    const detectRequested = log.findIndex((e) => e.type === 'StepRequested' && e.nodeId === 'detect') + 1;
    const later = fold(log.slice(0, detectRequested)) as RunState;
    expect(pendingCommands(later).map((c) => (c.type === 'RequestStep' ? c.nodeId : c.type))).not.toContain(
      'detect',
    );
    expect(stepDeadlines(later).map((d) => d.nodeId)).toContain('detect');
    // A fully folded run owes nothing.
    expect(pendingCommands(fold(log) as RunState)).toEqual([]);
  });

  it('ignores events of an unknown run and a stale attempt', () => {
    expect(
      evolve(undefined, { type: 'StepStarted', eventId: 'x', at: 1, nodeId: 'resize', attempt: 1 }),
    ).toEqual({
      state: undefined,
      commands: [],
    });
    let { state } = evolve(undefined, started);
    state = evolve(state, {
      type: 'StepRequested',
      eventId: 'e1',
      at: 1001,
      nodeId: 'resize',
      attempt: 1,
    }).state;
    const stale = evolve(state, {
      type: 'StepFailed',
      eventId: 'e2',
      at: 1002,
      nodeId: 'resize',
      attempt: 7,
      code: 'X',
      message: 'x',
      retryable: true,
    });
    expect(stale.commands).toEqual([]);
    expect(stale.state?.nodes['resize']?.status).toBe('requested');
  });
});
