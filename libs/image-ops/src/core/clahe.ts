/**
 * Contrast-limited adaptive histogram equalisation (Zuiderveld, Graphics Gems IV), as OpenCV's
 * createCLAHE: the image is split into tiles × tiles regions, each region's histogram is clipped at
 * clipLimit × its mean bin count (the excess spread over all bins) and turned into a mapping; every pixel
 * blends the mappings of its four nearest region centres bilinearly. O(pixels): libvips' sliding-window
 * CLAHE took seconds per 2 MP frame here, this takes tens of milliseconds.
 */
export function clahe(
  luma: Uint8Array,
  width: number,
  height: number,
  tiles: number,
  clipLimit: number,
): Uint8Array {
  const tx = Math.max(1, Math.min(tiles, width));
  const ty = Math.max(1, Math.min(tiles, height));
  const xEdges = Array.from({ length: tx + 1 }, (_, i) => Math.round((i * width) / tx));
  const yEdges = Array.from({ length: ty + 1 }, (_, i) => Math.round((i * height) / ty));

  const maps = new Float32Array(tx * ty * 256);
  const histogram = new Float64Array(256);
  for (let j = 0; j < ty; j++) {
    for (let i = 0; i < tx; i++) {
      histogram.fill(0);
      const x0 = xEdges[i] ?? 0;
      const x1 = xEdges[i + 1] ?? width;
      const y0 = yEdges[j] ?? 0;
      const y1 = yEdges[j + 1] ?? height;
      for (let y = y0; y < y1; y++) {
        for (let x = x0, p = y * width + x0; x < x1; x++, p++) {
          const v = luma[p] ?? 0;
          histogram[v] = (histogram[v] ?? 0) + 1;
        }
      }
      const pixels = (x1 - x0) * (y1 - y0);
      const clip = Math.max(1, (clipLimit * pixels) / 256);
      let excess = 0;
      for (let v = 0; v < 256; v++) {
        const count = histogram[v] ?? 0;
        if (count > clip) {
          excess += count - clip;
          histogram[v] = clip;
        }
      }
      const bonus = excess / 256;
      const base = (j * tx + i) * 256;
      let cdf = 0;
      for (let v = 0; v < 256; v++) {
        cdf += (histogram[v] ?? 0) + bonus;
        maps[base + v] = (cdf / pixels) * 255;
      }
    }
  }

  // For each column (row): the two region centres around it and the weight of the second.
  const neighbours = (edges: number[], n: number, size: number) => {
    const centres = Array.from({ length: n }, (_, i) => ((edges[i] ?? 0) + (edges[i + 1] ?? size) - 1) / 2);
    const first = new Int32Array(size);
    const second = new Int32Array(size);
    const weight = new Float32Array(size);
    let k = 0;
    for (let c = 0; c < size; c++) {
      while (k < n - 1 && c >= (centres[k + 1] ?? Infinity)) k++;
      const a = centres[k] ?? 0;
      if (c <= a || k === n - 1) {
        first[c] = k;
        second[c] = k;
        weight[c] = 0;
      } else {
        first[c] = k;
        second[c] = k + 1;
        weight[c] = (c - a) / ((centres[k + 1] ?? a + 1) - a);
      }
    }
    return { first, second, weight };
  };
  const cols = neighbours(xEdges, tx, width);
  const rows = neighbours(yEdges, ty, height);

  const out = new Uint8Array(luma.length);
  for (let y = 0; y < height; y++) {
    const top = (rows.first[y] ?? 0) * tx;
    const bottom = (rows.second[y] ?? 0) * tx;
    const wy = rows.weight[y] ?? 0;
    for (let x = 0, p = y * width; x < width; x++, p++) {
      const v = luma[p] ?? 0;
      const left = cols.first[x] ?? 0;
      const right = cols.second[x] ?? 0;
      const wx = cols.weight[x] ?? 0;
      const upper =
        (1 - wx) * (maps[(top + left) * 256 + v] ?? 0) + wx * (maps[(top + right) * 256 + v] ?? 0);
      const lower =
        (1 - wx) * (maps[(bottom + left) * 256 + v] ?? 0) + wx * (maps[(bottom + right) * 256 + v] ?? 0);
      out[p] = Math.round((1 - wy) * upper + wy * lower);
    }
  }
  return out;
}
