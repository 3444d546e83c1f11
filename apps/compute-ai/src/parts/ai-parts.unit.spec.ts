import { computeV1 } from '@imageflow/contracts/grpc';
import { isInferenceError, type InferenceService } from '@imageflow/inference';
import { describe, expect, it } from 'vitest';
import { loadComputeAiConfig } from '../compute-ai.config';
import { createAiParts } from './ai-parts';

// Descriptors and parameter validation only: the service is never reached in these cases.
const parts = createAiParts(
  {} as InferenceService,
  loadComputeAiConfig({ COMPUTE_AI_DETECTION_MODEL: 'my-detector' }),
);
const part = (id: string) => {
  const found = parts.find((p) => p.descriptor.id === id);
  if (!found) throw new Error(`no part ${id}`);
  return found;
};

describe('AI part catalog', () => {
  it('publishes each part as an AI part of the "ai" stage with a draft-07 parameter schema', () => {
    for (const { descriptor } of parts) {
      expect(descriptor).toMatchObject({
        category: computeV1.Category.AI,
        stageKind: 'ai',
        version: '1.0.0',
      });
      expect(descriptor.titleJa).not.toBe('');
      const schema = JSON.parse(descriptor.parametersSchemaJson) as Record<string, unknown>;
      expect(schema['$schema']).toBe('http://json-schema.org/draft-07/schema#');
    }
  });

  it('takes default models from the configuration', () => {
    const schema = JSON.parse(part('ai.detect').descriptor.parametersSchemaJson) as {
      properties: { model: { default: string } };
    };
    expect(schema.properties.model.default).toBe('my-detector');
  });

  it('ocr-recognize takes optional text regions; ocr outputs lines and joined text', () => {
    expect(part('ai.ocr-recognize').descriptor.inputs.map((p) => [p.name, p.kind, p.required])).toEqual([
      ['image', computeV1.PortKind.IMAGE, true],
      ['detections', computeV1.PortKind.DETECTIONS, false],
    ]);
    expect(part('ai.ocr').descriptor.outputs.map((p) => p.name)).toEqual(['detections', 'text', 'model']);
  });

  it('refuses unknown or out-of-range parameters before touching a model', async () => {
    await expect(part('ai.detect').apply([], { scoreThreshold: 1.5 })).rejects.toSatisfy(
      (e) => isInferenceError(e, 'INVALID_ARGUMENT') && /scoreThreshold/.test((e as Error).message),
    );
    await expect(part('ai.classify').apply([], { topk: 3 })).rejects.toSatisfy((e) =>
      isInferenceError(e, 'INVALID_ARGUMENT'),
    );
    await expect(part('ai.ocr').apply([], {})).rejects.toSatisfy((e) =>
      /input "image" is required/.test((e as Error).message),
    );
  });
});
