// Product labels for the camera simulator: an SVG with the lot and serial number in large, high-contrast text
// (what the demo pipeline's text detection and recognition read), and the serial numbers it prints, some of
// them deliberately malformed so the serial-format judgement has NG cases to find.

export interface LabelContent {
  lot: string;
  serial: string;
  /** A short product line under the numbers. */
  product?: string;
  /** Small print (the capture time): makes every rendered capture's bytes, and so its image id, unique. */
  stamp?: string;
  width?: number;
  height?: number;
}

const escapeXml = (text: string): string =>
  text.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c,
  );

export function labelSvg({
  lot,
  serial,
  product = 'IMAGEFLOW DEMO PART',
  stamp = '',
  width = 640,
  height = 360,
}: LabelContent): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 640 360">`,
    '<rect width="640" height="360" fill="#f4f1e8"/>',
    '<rect x="16" y="16" width="608" height="328" fill="#ffffff" stroke="#111111" stroke-width="4"/>',
    `<text x="40" y="80" font-family="DejaVu Sans Mono, monospace" font-size="28" fill="#333333">${escapeXml(product)}</text>`,
    `<text x="40" y="170" font-family="DejaVu Sans Mono, monospace" font-size="48" font-weight="bold" fill="#000000">LOT ${escapeXml(lot)}</text>`,
    `<text x="40" y="260" font-family="DejaVu Sans Mono, monospace" font-size="48" font-weight="bold" fill="#000000">SN ${escapeXml(serial)}</text>`,
    '<rect x="40" y="290" width="560" height="30" fill="#111111"/>',
    `<text x="40" y="338" font-family="DejaVu Sans Mono, monospace" font-size="14" fill="#555555">${escapeXml(stamp)}</text>`,
    '</svg>',
  ].join('');
}

/** The well-formed serial format the demo's judgement accepts: `SN-` and six digits. */
export const SERIAL_PATTERN = /^SN-\d{6}$/;

export const goodSerial = (n: number): string => `SN-${String(n % 1_000_000).padStart(6, '0')}`;

/** A serial that breaks the format in one of a few ways a real printer does: a letter for a digit, a missing digit, a smudge. */
export function badSerial(n: number): string {
  const good = goodSerial(n);
  switch (n % 3) {
    case 0:
      return good.replace(/\d(?=\d{2}$)/, 'O'); // letter O instead of a zero
    case 1:
      return good.slice(0, -1); // one digit short
    default:
      return `${good.slice(0, 4)}#${good.slice(5)}`; // smudged digit
  }
}

/**
 * Which captures get a bad serial for a ratio in [0, 1]: spread evenly (not at random) so a run of N images has
 * exactly round(N × ratio) bad ones and tests can count them.
 */
export function isBadIndex(index: number, ratio: number): boolean {
  if (ratio <= 0) return false;
  if (ratio >= 1) return true;
  return Math.floor((index + 1) * ratio) > Math.floor(index * ratio);
}
