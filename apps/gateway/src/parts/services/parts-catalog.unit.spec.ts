import { computeV1 } from '@imageflow/contracts/grpc';
import { describe, expect, it } from 'vitest';
import { mergeCatalog, partFromDescriptor } from './parts-catalog.service';

const descriptor = (over: Partial<computeV1.PartDescriptor> = {}): computeV1.PartDescriptor => ({
  id: 'pre.resize',
  version: '1.0.0',
  titleEn: 'Resize',
  titleJa: 'リサイズ',
  descriptionEn: 'Scales the image',
  descriptionJa: '画像を拡大縮小',
  category: computeV1.Category.PRE,
  stageKind: 'image',
  inputs: [
    { name: 'image', kind: computeV1.PortKind.IMAGE, required: true, titleEn: 'Image', titleJa: '画像' },
  ],
  outputs: [
    { name: 'image', kind: computeV1.PortKind.IMAGE, required: true, titleEn: 'Image', titleJa: '画像' },
  ],
  parametersSchemaJson: '{"type":"object","properties":{"width":{"type":"integer"}}}',
  ...over,
});

describe('partFromDescriptor', () => {
  it('maps enums to names and parses the parameters schema', () => {
    expect(partFromDescriptor(descriptor(), 'a:1')).toEqual({
      id: 'pre.resize',
      version: '1.0.0',
      category: 'pre',
      stageKind: 'image',
      title: { en: 'Resize', ja: 'リサイズ' },
      description: { en: 'Scales the image', ja: '画像を拡大縮小' },
      inputs: [{ name: 'image', kind: 'IMAGE', required: true, title: { en: 'Image', ja: '画像' } }],
      outputs: [{ name: 'image', kind: 'IMAGE', required: true, title: { en: 'Image', ja: '画像' } }],
      parametersSchema: { type: 'object', properties: { width: { type: 'integer' } } },
      source: 'a:1',
    });
  });

  it('refuses what the canvas could not use, with the reason', () => {
    expect(() => partFromDescriptor(descriptor({ parametersSchemaJson: '{oops' }), 'a:1')).toThrow(
      /not JSON/,
    );
    expect(() => partFromDescriptor(descriptor({ parametersSchemaJson: '[]' }), 'a:1')).toThrow(
      /not a JSON object/,
    );
    expect(() => partFromDescriptor(descriptor({ category: computeV1.Category.UNSPECIFIED }), 'a:1')).toThrow(
      /category/,
    );
    const badPort = descriptor({
      inputs: [{ name: 'x', kind: computeV1.PortKind.UNSPECIFIED, required: true, titleEn: '', titleJa: '' }],
    });
    expect(() => partFromDescriptor(badPort, 'a:1')).toThrow(/port "x"/);
  });
});

describe('mergeCatalog', () => {
  it('keeps the parts of answering services, reports failures and skipped parts, sorts for the palette', () => {
    const merged = mergeCatalog([
      {
        address: 'img:1',
        latencyMs: 3,
        response: {
          service: 'compute-image',
          parts: [
            descriptor({ id: 'post.annotate', category: computeV1.Category.POST }),
            descriptor(),
            descriptor({ id: 'pre.broken', parametersSchemaJson: 'nope' }),
          ],
        },
      },
      { address: 'ai:2', latencyMs: 3000, error: 'DEADLINE_EXCEEDED: Deadline exceeded' },
      { address: 'img:3', latencyMs: 2, response: { service: 'compute-image', parts: [descriptor()] } },
    ]);
    expect(merged.parts.map((p) => p.id)).toEqual(['pre.resize', 'post.annotate']);
    expect(merged.sources).toEqual([
      {
        address: 'img:1',
        service: 'compute-image',
        ok: true,
        parts: 2,
        latencyMs: 3,
        error: null,
        skipped: [{ id: 'pre.broken@1.0.0', reason: expect.stringMatching(/not JSON/) }],
      },
      {
        address: 'ai:2',
        service: null,
        ok: false,
        parts: 0,
        latencyMs: 3000,
        error: 'DEADLINE_EXCEEDED: Deadline exceeded',
        skipped: [],
      },
      {
        address: 'img:3',
        service: 'compute-image',
        ok: true,
        parts: 0,
        latencyMs: 2,
        error: null,
        skipped: [{ id: 'pre.resize@1.0.0', reason: 'already served by img:1' }],
      },
    ]);
  });
});
