import { computeV1 } from '@imageflow/contracts/grpc';
import { describe, expect, it } from 'vitest';
import { mainOf, partSpecOf, platformNames } from './platform';

const descriptor = (overrides: Partial<computeV1.PartDescriptor> = {}): computeV1.PartDescriptor => ({
  id: 'post.annotate',
  version: '1.0.0',
  titleEn: 'Annotate',
  titleJa: '注釈',
  descriptionEn: '',
  descriptionJa: '',
  category: computeV1.Category.POST,
  stageKind: 'image',
  inputs: [
    { name: 'image', kind: computeV1.PortKind.IMAGE, required: true, titleEn: '', titleJa: '' },
    { name: 'detections', kind: computeV1.PortKind.DETECTIONS, required: false, titleEn: '', titleJa: '' },
  ],
  outputs: [{ name: 'image', kind: computeV1.PortKind.IMAGE, required: true, titleEn: '', titleJa: '' }],
  parametersSchemaJson: '{"type":"object","properties":{"lineWidth":{"type":"number"}}}',
  ...overrides,
});

describe('partSpecOf', () => {
  it('maps a Describe descriptor to the PartSpec validateDefinition needs', () => {
    expect(partSpecOf(descriptor())).toEqual({
      id: 'post.annotate',
      version: '1.0.0',
      category: 'post',
      stageKind: 'image',
      inputs: [
        { name: 'image', kind: 'IMAGE', required: true },
        { name: 'detections', kind: 'DETECTIONS', required: false },
      ],
      outputs: [{ name: 'image', kind: 'IMAGE', required: true }],
      parametersSchema: { type: 'object', properties: { lineWidth: { type: 'number' } } },
      title: { en: 'Annotate', ja: '注釈' },
    });
  });

  it('refuses an unknown category or port kind, naming the part or the kind', () => {
    expect(() => partSpecOf(descriptor({ category: computeV1.Category.UNSPECIFIED }))).toThrow(
      /post\.annotate/,
    );
    expect(() =>
      partSpecOf(
        descriptor({
          outputs: [
            { name: 'x', kind: computeV1.PortKind.UNSPECIFIED, required: true, titleEn: '', titleJa: '' },
          ],
        }),
      ),
    ).toThrow(/unknown port kind 0/);
  });
});

describe('platformNames', () => {
  it('gives every run its own topics, groups and buckets, all under one id', () => {
    const a = platformNames();
    const b = platformNames();
    expect(a.id).not.toBe(b.id);
    for (const name of [...Object.values(a.topics), ...Object.values(a.groups)])
      expect(name.startsWith(a.id)).toBe(true);
    expect(a.topics.stageTemplate.replace('{kind}', 'image')).toBe(a.topics.stageImage);
    expect(a.rawBucket).toMatch(/^[a-z0-9-]{3,63}$/);
  });

  it('finds each app where its build puts it', () => {
    expect(mainOf('stage-worker')).toMatch(/dist\/apps\/stage-worker\/apps\/stage-worker\/src\/main\.js$/);
  });
});
