import type { JsonSchema } from './parameters';

export interface Rgba {
  r: number;
  g: number;
  b: number;
  alpha: number;
}

/** `#rrggbb` or `#rrggbbaa`, as the canvas colour pickers produce. */
export const colorSchema = (fallback: string, description: string): JsonSchema => ({
  type: 'string',
  pattern: '^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$',
  default: fallback,
  description,
});

export function parseColor(hex: string): Rgba {
  const channel = (i: number) => Number.parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16);
  return { r: channel(0), g: channel(1), b: channel(2), alpha: hex.length === 9 ? channel(3) / 255 : 1 };
}
