export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Rounds a box to whole pixels and clips it to the image; undefined when nothing is left. */
export function clipRect(
  box: { x: number; y: number; width: number; height: number },
  imageWidth: number,
  imageHeight: number,
): Rect | undefined {
  const left = Math.max(0, Math.floor(box.x));
  const top = Math.max(0, Math.floor(box.y));
  const right = Math.min(imageWidth, Math.ceil(box.x + box.width));
  const bottom = Math.min(imageHeight, Math.ceil(box.y + box.height));
  if (right - left < 1 || bottom - top < 1) return undefined;
  return { left, top, width: right - left, height: bottom - top };
}
