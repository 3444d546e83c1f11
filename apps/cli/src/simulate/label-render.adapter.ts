// The CLI's only sharp user (CONTRIBUTING.md: one adapter per native dependency): SVG label → JPEG bytes.
import sharp from 'sharp';
import { labelSvg, type LabelContent } from './label';

export async function renderLabelJpeg(content: LabelContent, quality = 90): Promise<Buffer> {
  return sharp(Buffer.from(labelSvg(content)))
    .jpeg({ quality })
    .toBuffer();
}
