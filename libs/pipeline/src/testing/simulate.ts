import { partKey, type PartCatalog, type PipelineDefinition } from '../definition';
import { evolve, type PortValue, type RunCommand, type RunEvent, type RunState } from '../run-reducer';

export interface SimulationOptions {
  /** Decides the outcome of each try: 'ok', a retryable failure, or a permanent one. */
  outcome?: (nodeId: string, attempt: number) => 'ok' | 'retryable' | 'fatal';
  verdict?: (nodeId: string) => 'OK' | 'NG';
  /** Deliver every event twice, as at-least-once delivery may. */
  duplicate?: boolean;
  maxEvents?: number;
}

/**
 * Runs a pipeline through the reducer the way the orchestrator and stage workers would, in one process:
 * commands become events, steps produce one value per output port. Returns the log and the final state.
 */
export function simulateRun(
  definition: PipelineDefinition,
  catalog: PartCatalog,
  options: SimulationOptions = {},
): { log: RunEvent[]; state: RunState | undefined } {
  const outcome = options.outcome ?? (() => 'ok');
  const verdict = options.verdict ?? (() => 'OK');
  const maxEvents = options.maxEvents ?? 10_000;
  const stageKinds = Object.fromEntries(
    definition.nodes.map((n) => [
      n.id,
      catalog.get(partKey(n.part.id, n.part.version))?.stageKind ?? 'image',
    ]),
  );
  let clock = 1_000;
  let seq = 0;
  const id = () => `e${++seq}`;
  const log: RunEvent[] = [];
  const queue: RunEvent[] = [
    {
      type: 'RunStarted',
      eventId: id(),
      at: clock,
      runId: 'run-sim',
      plan: { definition, stageKinds },
      source: { port: 'image', kind: 'IMAGE' },
    },
  ];
  let state: RunState | undefined;

  const perform = (command: RunCommand): RunEvent[] => {
    clock = Math.max(clock + 1, command.type === 'RequestStep' ? command.notBefore : clock);
    if (command.type === 'CompleteRun') return [{ type: 'RunCompleted', eventId: id(), at: clock }];
    if (command.type === 'FailRun') return [{ type: 'RunFailed', eventId: id(), at: clock }];
    const { nodeId, attempt } = command;
    const node = definition.nodes.find((n) => n.id === nodeId)!;
    const part = catalog.get(partKey(node.part.id, node.part.version))!;
    const events: RunEvent[] = [
      { type: 'StepRequested', eventId: id(), at: clock, nodeId, attempt },
      { type: 'StepStarted', eventId: id(), at: clock + 1, nodeId, attempt },
    ];
    const result = outcome(nodeId, attempt);
    if (result === 'ok') {
      const outputs: PortValue[] = part.outputs.map((o) =>
        o.kind === 'JUDGEMENT'
          ? { port: o.name, kind: o.kind, judgement: { verdict: verdict(nodeId) } }
          : { port: o.name, kind: o.kind },
      );
      events.push({ type: 'StepCompleted', eventId: id(), at: clock + 2, nodeId, attempt, outputs });
    } else {
      events.push({
        type: 'StepFailed',
        eventId: id(),
        at: clock + 2,
        nodeId,
        attempt,
        code: result === 'retryable' ? 'COMPUTE_UNAVAILABLE' : 'CORRUPT_IMAGE',
        message: result,
        retryable: result === 'retryable',
      });
    }
    return events;
  };

  while (queue.length && log.length < maxEvents) {
    const event = queue.shift()!;
    const deliveries = options.duplicate ? [event, event] : [event];
    for (const delivery of deliveries) {
      log.push(delivery);
      const result = evolve(state, delivery);
      state = result.state;
      for (const command of result.commands) queue.push(...perform(command));
    }
  }
  return { log, state };
}
