// Draws detections (boxes, labels, scores, OCR text) and a mask onto the image, for people: the result
// pages and the run viewer show this output. Boxes and labels are one SVG overlay rendered by libvips.
import { pipelineFrom, rasterFrom } from '../../adapters/sharp.adapter';
import { colorSchema, parseColor, type Rgba } from '../../core/colors';
import { definePart, IMAGE_IN, IMAGE_OUT, out, port, PortKind, type Detection } from '../../core/part';
import { toLuma, type RasterImage } from '../../core/raster';

export interface AnnotateParams {
  boxColor: string;
  lineWidth: number;
  showLabels: boolean;
  showScores: boolean;
  fontSize: number;
  maskColor: string;
  maskOpacity: number;
}

const escapeXml = (text: string): string =>
  text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  );

const svgColor = (c: Rgba) => `rgb(${c.r},${c.g},${c.b})`;

function labelOf(d: Detection, p: AnnotateParams): string {
  const parts = [d.text ? `${d.label}: ${d.text}` : d.label];
  if (p.showScores) parts.push(d.score.toFixed(2));
  return parts.join(' ');
}

export function detectionsSvg(
  detections: Detection[],
  width: number,
  height: number,
  p: AnnotateParams,
): string {
  const color = parseColor(p.boxColor);
  const shapes = detections.map((d) => {
    const box = `<rect x="${d.x}" y="${d.y}" width="${d.width}" height="${d.height}" fill="none" stroke="${svgColor(color)}" stroke-opacity="${color.alpha}" stroke-width="${p.lineWidth}"/>`;
    if (!p.showLabels) return box;
    const text = labelOf(d, p);
    // Label above the box, or inside it when the box touches the top edge.
    const labelHeight = Math.round(p.fontSize * 1.3);
    const top = d.y - labelHeight >= 0 ? d.y - labelHeight : d.y;
    const labelWidth = Math.ceil(text.length * p.fontSize * 0.62) + 6;
    return (
      box +
      `<rect x="${d.x}" y="${top}" width="${labelWidth}" height="${labelHeight}" fill="${svgColor(color)}" fill-opacity="${color.alpha}"/>` +
      `<text x="${d.x + 3}" y="${top + p.fontSize}" font-family="DejaVu Sans, sans-serif" font-size="${p.fontSize}" fill="#ffffff">${escapeXml(text)}</text>`
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${shapes.join('')}</svg>`;
}

/** An RGBA overlay: the mask's foreground (≥ 128) in the colour at the given opacity, elsewhere transparent. */
async function maskOverlay(
  mask: RasterImage,
  width: number,
  height: number,
  color: Rgba,
  opacity: number,
): Promise<Buffer> {
  const sized =
    mask.width === width && mask.height === height
      ? mask
      : await rasterFrom(pipelineFrom(mask).resize(width, height, { fit: 'fill' }), mask.encoding);
  const luma = toLuma(sized);
  const overlay = Buffer.alloc(width * height * 4);
  const alpha = Math.round(255 * opacity * color.alpha);
  for (let i = 0; i < luma.length; i++) {
    if ((luma[i] ?? 0) < 128) continue;
    overlay[i * 4] = color.r;
    overlay[i * 4 + 1] = color.g;
    overlay[i * 4 + 2] = color.b;
    overlay[i * 4 + 3] = alpha;
  }
  return overlay;
}

/** Colour drawing needs colour channels: a gray (± alpha) raster is expanded to RGB (± alpha). */
function toColor(image: RasterImage): RasterImage {
  if (image.channels >= 3) return image;
  const hasAlpha = image.channels === 2;
  const channels = hasAlpha ? 4 : 3;
  const data = Buffer.alloc(image.width * image.height * channels);
  for (let i = 0, s = 0, d = 0; i < image.width * image.height; i++, s += image.channels, d += channels) {
    const v = image.data[s] ?? 0;
    data[d] = v;
    data[d + 1] = v;
    data[d + 2] = v;
    if (hasAlpha) data[d + 3] = image.data[s + 1] ?? 255;
  }
  return { ...image, data, channels };
}

export const annotatePart = definePart<AnnotateParams>({
  id: 'post.annotate',
  version: '1.0.0',
  category: 'post',
  title: { en: 'Annotate', ja: 'アノテーション描画' },
  description: {
    en: 'Draws detection boxes with labels, scores and recognised text, and a translucent mask, onto the image.',
    ja: '検出枠とラベル・スコア・認識文字列、および半透明のマスクを画像に描画します。',
  },
  inputs: [
    IMAGE_IN,
    port('detections', PortKind.DETECTIONS, false, { en: 'Detections', ja: '検出結果' }),
    port('mask', PortKind.MASK, false, { en: 'Mask', ja: 'マスク' }),
  ],
  outputs: [IMAGE_OUT],
  parameters: {
    type: 'object',
    additionalProperties: false,
    properties: {
      boxColor: colorSchema('#ff3b30', 'Box and label colour.'),
      lineWidth: {
        type: 'number',
        minimum: 1,
        maximum: 50,
        default: 3,
        description: 'Box line width in pixels.',
      },
      showLabels: {
        type: 'boolean',
        default: true,
        description: 'Write the label (and text) above each box.',
      },
      showScores: { type: 'boolean', default: true, description: 'Add the score to the label.' },
      fontSize: {
        type: 'integer',
        minimum: 6,
        maximum: 200,
        default: 16,
        description: 'Label font size in pixels.',
      },
      maskColor: colorSchema('#34c759', 'Mask colour.'),
      maskOpacity: { type: 'number', minimum: 0, maximum: 1, default: 0.4, description: 'Mask opacity.' },
    },
  },
  async run(inputs, p) {
    const image = toColor(inputs.image('image'));
    const detections = inputs.optionalDetections('detections') ?? [];
    const mask = inputs.optionalImage('mask');
    const layers: {
      input: Buffer;
      raw?: { width: number; height: number; channels: 4 };
      left: number;
      top: number;
    }[] = [];
    if (mask) {
      const overlay = await maskOverlay(
        mask,
        image.width,
        image.height,
        parseColor(p.maskColor),
        p.maskOpacity,
      );
      layers.push({
        input: overlay,
        raw: { width: image.width, height: image.height, channels: 4 },
        left: 0,
        top: 0,
      });
    }
    if (detections.length > 0) {
      layers.push({
        input: Buffer.from(detectionsSvg(detections, image.width, image.height, p)),
        left: 0,
        top: 0,
      });
    }
    if (layers.length === 0) return [out.image('image', image)];
    const composited = pipelineFrom(image).composite(layers);
    // Compositing adds an alpha channel; an opaque image stays opaque.
    const annotated = await rasterFrom(
      image.channels === 3 ? composited.removeAlpha() : composited,
      image.encoding,
    );
    return [out.image('image', annotated)];
  },
});
