import { describe, expect, it } from 'vitest';
import { gatewayParts } from '../testing/gateway-parts';
import { groupParts } from './palette-filter';

describe('palette grouping and search', () => {
  it('groups pre, AI, post in that order, sorted by id', () => {
    const groups = groupParts(gatewayParts(), '');
    expect(groups.map((g) => g.category)).toEqual(['pre', 'ai', 'post']);
    expect(groups[0]?.parts.map((p) => p.id)).toEqual(['image.grayscale', 'image.resize']);
  });

  it('searches ids and titles in both languages, every word, case-insensitive', () => {
    expect(groupParts(gatewayParts(), 'DETECT').flatMap((g) => g.parts.map((p) => p.id))).toEqual([
      'ai.detect',
    ]);
    expect(groupParts(gatewayParts(), 'タイトル judge').flatMap((g) => g.parts.map((p) => p.id))).toEqual([
      'post.judge',
    ]);
    expect(groupParts(gatewayParts(), 'nothing-like-this')).toEqual([]);
  });
});
