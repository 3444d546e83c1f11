import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { catalogOf, fold, validateDefinition, type PipelineDefinition } from './index';
import { simulateRun, testCatalogParts } from './testing';

const catalog = catalogOf(testCatalogParts);

/** Random DAGs of image parts: node i takes its image from the source or from an earlier node. */
const dagArb = fc
  .array(fc.record({ from: fc.nat(), gray: fc.boolean(), maxAttempts: fc.integer({ min: 1, max: 4 }) }), {
    minLength: 1,
    maxLength: 12,
  })
  .map((specs): PipelineDefinition => {
    const nodes = specs.map((s, i) => ({
      id: `n${i}`,
      part: s.gray ? { id: 'image.grayscale', version: '1' } : { id: 'image.resize', version: '1' },
      parameters: s.gray ? {} : { width: 100 + i },
      retry: { maxAttempts: s.maxAttempts },
    }));
    const edges = specs.map((s, i) => ({
      from:
        i === 0 || s.from % (i + 1) === i
          ? { node: 'source', port: 'image' }
          : { node: `n${s.from % i}`, port: 'image' },
      to: { node: `n${i}`, port: 'image' },
    }));
    return { nodes, edges };
  });

const outcomeArb = fc.func(
  fc.constantFrom<'ok' | 'retryable' | 'fatal'>('ok', 'ok', 'ok', 'retryable', 'fatal'),
);

describe('run reducer properties', () => {
  it('every valid random DAG terminates, in completed or failed, with every node settled', () => {
    fc.assert(
      fc.property(dagArb, outcomeArb, fc.boolean(), (definition, outcome, duplicate) => {
        expect(validateDefinition(definition, catalog).valid).toBe(true);
        const { state, log } = simulateRun(definition, catalog, {
          outcome: (node, attempt) => outcome(node, attempt),
          duplicate,
          maxEvents: 5_000,
        });
        expect(log.length).toBeLessThan(5_000);
        expect(['completed', 'failed']).toContain(state?.status);
        if (state?.status === 'completed') {
          expect(
            Object.values(state.nodes).every((n) => n.status === 'completed' || n.status === 'skipped'),
          ).toBe(true);
        }
        // No node ran more tries than its policy allows.
        for (const node of definition.nodes) {
          const tries = new Set(
            log
              .filter((e) => e.type === 'StepRequested' && e.nodeId === node.id)
              .map((e) => (e.type === 'StepRequested' ? e.attempt : 0)),
          );
          expect(tries.size).toBeLessThanOrEqual(node.retry?.maxAttempts ?? 3);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('folding the same events gives the same state, however often', () => {
    fc.assert(
      fc.property(dagArb, outcomeArb, (definition, outcome) => {
        const { log, state } = simulateRun(definition, catalog, { outcome: (n, a) => outcome(n, a) });
        expect(fold(log)).toEqual(state);
        expect(fold([...log, ...log])).toEqual(state);
      }),
      { numRuns: 100 },
    );
  });
});
