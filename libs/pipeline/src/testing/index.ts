// Builders for tests of the pipeline logic and of everything that uses it.
import type { PartSpec, PipelineDefinition } from '../definition';

const part = (
  id: string,
  category: PartSpec['category'],
  stageKind: string,
  inputs: PartSpec['inputs'],
  outputs: PartSpec['outputs'],
  properties: Record<string, unknown> = {},
  required: string[] = [],
): PartSpec => ({
  id,
  version: '1',
  category,
  stageKind,
  inputs,
  outputs,
  parametersSchema: { type: 'object', properties, required, additionalProperties: false },
});

/** A small catalog with the shapes of the real parts: image → image, image → detections, → judgement. */
export const testCatalogParts: PartSpec[] = [
  part(
    'image.resize',
    'pre',
    'image',
    [{ name: 'image', kind: 'IMAGE' }],
    [{ name: 'image', kind: 'IMAGE' }],
    {
      width: { type: 'integer', minimum: 1, maximum: 16384 },
      height: { type: 'integer', minimum: 1, maximum: 16384 },
      fit: { enum: ['cover', 'contain', 'fill', 'inside', 'outside'] },
    },
    ['width'],
  ),
  part(
    'image.grayscale',
    'pre',
    'image',
    [{ name: 'image', kind: 'IMAGE' }],
    [{ name: 'image', kind: 'IMAGE' }],
  ),
  part(
    'ai.detect',
    'ai',
    'ai',
    [{ name: 'image', kind: 'IMAGE' }],
    [{ name: 'detections', kind: 'DETECTIONS' }],
    {
      model: { type: 'string', minLength: 1 },
      minScore: { type: 'number', minimum: 0, maximum: 1 },
    },
    ['model'],
  ),
  part(
    'image.annotate',
    'post',
    'image',
    [
      { name: 'image', kind: 'IMAGE' },
      { name: 'detections', kind: 'DETECTIONS' },
      { name: 'text', kind: 'TEXT', required: false },
    ],
    [{ name: 'image', kind: 'IMAGE' }],
  ),
  part(
    'post.judge',
    'post',
    'image',
    [{ name: 'detections', kind: 'DETECTIONS' }],
    [{ name: 'verdict', kind: 'JUDGEMENT' }],
    {
      minCount: { type: 'integer', minimum: 0 },
    },
  ),
  part(
    'ai.ocr',
    'ai',
    'ai',
    [{ name: 'image', kind: 'IMAGE' }],
    [
      { name: 'detections', kind: 'DETECTIONS' },
      { name: 'text', kind: 'TEXT' },
    ],
  ),
];

/** source → resize → (detect, grayscale) → annotate(resize, detect) → judge(detect). Fan-out and fan-in. */
export const fanOutFanIn = (): PipelineDefinition => ({
  nodes: [
    { id: 'resize', part: { id: 'image.resize', version: '1' }, parameters: { width: 640, fit: 'inside' } },
    { id: 'detect', part: { id: 'ai.detect', version: '1' }, parameters: { model: 'ssd', minScore: 0.5 } },
    { id: 'gray', part: { id: 'image.grayscale', version: '1' }, parameters: {} },
    { id: 'annotate', part: { id: 'image.annotate', version: '1' }, parameters: {} },
    { id: 'judge', part: { id: 'post.judge', version: '1' }, parameters: { minCount: 1 } },
  ],
  edges: [
    { from: { node: 'source', port: 'image' }, to: { node: 'resize', port: 'image' } },
    { from: { node: 'resize', port: 'image' }, to: { node: 'detect', port: 'image' } },
    { from: { node: 'resize', port: 'image' }, to: { node: 'gray', port: 'image' } },
    { from: { node: 'resize', port: 'image' }, to: { node: 'annotate', port: 'image' } },
    { from: { node: 'detect', port: 'detections' }, to: { node: 'annotate', port: 'detections' } },
    { from: { node: 'detect', port: 'detections' }, to: { node: 'judge', port: 'detections' } },
  ],
});

export { simulateRun, type SimulationOptions } from './simulate';
