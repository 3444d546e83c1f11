// Which image to show for a node of a run, and which detection boxes to draw on it: the node's own IMAGE output,
// else the image that fed its `image` input (up to the run's input image); its own detections, else those that
// fed its detections inputs. Box coordinates are in the pixels of the image the detector saw, which is that image.
import { SOURCE_NODE, type EdgeDef } from '@imageflow/pipeline';
import type { Detection, RunDetails } from '../api/types';

export type ImageChoice =
  { from: 'step'; nodeId: string; port: string; url: string } | { from: 'source' } | null;

export function imageFor(
  details: RunDetails,
  nodeId: string,
  edges: readonly EdgeDef[],
  depth = 0,
): ImageChoice {
  if (depth > 50) return null;
  if (nodeId === SOURCE_NODE) return { from: 'source' };
  const step = details.steps.find((s) => s.nodeId === nodeId);
  const own = step?.outputs?.find((o) => o.kind === 'IMAGE' && o.object?.url);
  if (own?.object) return { from: 'step', nodeId, port: own.port, url: own.object.url };
  const feed = edges.find((e) => e.to.node === nodeId && e.to.port === 'image');
  return feed ? imageFor(details, feed.from.node, edges, depth + 1) : null;
}

export function detectionsFor(details: RunDetails, nodeId: string, edges: readonly EdgeDef[]): Detection[] {
  const own = details.detections.filter((d) => d.nodeId === nodeId);
  if (own.length) return own;
  const feeds = edges.filter((e) => e.to.node === nodeId);
  return details.detections.filter((d) =>
    feeds.some((e) => e.from.node === d.nodeId && e.from.port === d.port),
  );
}

/**
 * The image and the boxes to draw on it. A node's own output image gets only the node's own detections (an
 * annotated image already shows its inputs' boxes, and a transformed image is in other pixels); an image the node
 * worked on gets the boxes the node found or was given.
 */
export function overlayFor(
  details: RunDetails,
  nodeId: string,
  edges: readonly EdgeDef[],
): { image: ImageChoice; own: boolean; detections: Detection[] } {
  const image = imageFor(details, nodeId, edges);
  const own = image?.from === 'step' && image.nodeId === nodeId;
  return {
    image,
    own,
    detections: own
      ? details.detections.filter((d) => d.nodeId === nodeId)
      : detectionsFor(details, nodeId, edges),
  };
}

/** The node that best shows what a run found: the first that produced detections, else the last with an image. */
export function headlineNode(details: RunDetails): string | null {
  const detector = details.detections[0]?.nodeId;
  if (detector) return detector;
  const withImage = details.steps.filter((s) => s.outputs?.some((o) => o.kind === 'IMAGE' && o.object?.url));
  return withImage.at(-1)?.nodeId ?? null;
}
