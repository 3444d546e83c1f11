// Palette grouping and search, pure so it is tested without a browser.
import { partKey, type PartCategory } from '@imageflow/pipeline';
import type { Part } from '../api/types';

export const CATEGORIES: readonly PartCategory[] = ['pre', 'ai', 'post'];

/** Parts whose id or title (either language) contains every word of the query, grouped pre / AI / post. */
export function groupParts(
  parts: readonly Part[],
  query: string,
): { category: PartCategory; parts: Part[] }[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const matches = (p: Part) => {
    const haystack =
      `${p.id} ${p.title.en} ${p.title.ja} ${p.description.en} ${p.description.ja}`.toLowerCase();
    return words.every((w) => haystack.includes(w));
  };
  return CATEGORIES.map((category) => ({
    category,
    parts: parts
      .filter((p) => p.category === category && matches(p))
      .sort((a, b) => a.id.localeCompare(b.id)),
  })).filter((g) => g.parts.length > 0);
}

export const PART_DRAG_TYPE = 'application/x-imageflow-part';
export const dragKeyOf = (p: Part): string => partKey(p.id, p.version);
