// The compare view's pictures of an image-like output: one sample's planes, box-downsampled so the page gets a
// few hundred kilobytes whatever the output's size, and the value range the colour scales use. Pure.
import type { DenseTensor } from '../metrics/fidelity';
import { outputKind } from '../metrics/fidelity';

export interface PlanarPicture {
  height: number;
  width: number;
  /** At most 3 planes (RGB; one for grey). */
  channels: number;
  /** Planar [c][y][x]. */
  data: number[];
}

/** The largest side the page gets. */
const PICTURE_SIDE = 192;

/**
 * The first image of an `[N, C, H, W]` output (C ≤ 4; a fourth plane, alpha, is left out), each side divided
 * by the smallest whole factor that brings it to at most `maxSide`, averaging each factor × factor box.
 * Undefined for outputs that are not image-like.
 */
export function outputPicture(tensor: DenseTensor, maxSide = PICTURE_SIDE): PlanarPicture | undefined {
  if (outputKind(tensor.dims) !== 'image') return undefined;
  const [, c, h, w] = tensor.dims;
  const channels = Math.min(3, c);
  const factor = Math.max(1, Math.ceil(Math.max(h, w) / maxSide));
  const height = Math.floor(h / factor);
  const width = Math.floor(w / factor);
  const data = new Array<number>(channels * height * width);
  const area = factor * factor;
  for (let ch = 0; ch < channels; ch++)
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        let sum = 0;
        for (let dy = 0; dy < factor; dy++) {
          const row = ch * h * w + (y * factor + dy) * w + x * factor;
          for (let dx = 0; dx < factor; dx++) sum += Number(tensor.data[row + dx]);
        }
        data[(ch * height + y) * width + x] = sum / area;
      }
  return { height, width, channels, data };
}
