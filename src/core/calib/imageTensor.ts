/**
 * A decoded picture (8-bit RGBA) turned into a model input: centre-cropped to the input's aspect ratio,
 * resampled to its height and width (area averaging when shrinking, so downscaling does not alias; bilinear
 * when enlarging), converted to the channels the input takes and
 * scaled to a value range. Pure: decoding the file is src/runtime/calibImages.ts's job.
 */

export interface RgbaImage {
  width: number;
  height: number;
  /** width × height × 4 bytes, row-major RGBA. */
  data: Uint8Array;
}

export type ImageLayout = 'nchw' | 'nhwc';
/** grey = BT.601 luma (Y of full-range YCbCr, what the PyTorch super-resolution examples feed). */
export type ImageChannels = 'rgb' | 'bgr' | 'grey' | 'rgba';

export interface ImageTensorOptions {
  layout: ImageLayout;
  channels: ImageChannels;
  /** Pixel value 0 maps to range[0], 255 to range[1]. */
  range: readonly [number, number];
  height: number;
  width: number;
}

export const CHANNEL_COUNT: Record<ImageChannels, number> = { rgb: 3, bgr: 3, grey: 1, rgba: 4 };

/** The image as a float32 tensor of shape [1, C, H, W] (nchw) or [1, H, W, C] (nhwc). */
export function imageToTensor(
  image: RgbaImage,
  options: ImageTensorOptions,
): { dims: number[]; data: Float32Array } {
  const { height, width } = options;
  const cropped = centreCrop(image, width / height);
  const resized = resample(cropped, width, height);
  const count = CHANNEL_COUNT[options.channels];
  const data = new Float32Array(count * height * width);
  const [low, high] = options.range;
  const scale = (high - low) / 255;
  const plane = height * width;
  for (let p = 0; p < plane; p++) {
    const r = resized[p * 4];
    const g = resized[p * 4 + 1];
    const b = resized[p * 4 + 2];
    const values =
      options.channels === 'grey'
        ? [0.299 * r + 0.587 * g + 0.114 * b]
        : options.channels === 'bgr'
          ? [b, g, r]
          : options.channels === 'rgba'
            ? [r, g, b, resized[p * 4 + 3]]
            : [r, g, b];
    for (let c = 0; c < count; c++) {
      const at = options.layout === 'nchw' ? c * plane + p : p * count + c;
      data[at] = low + values[c] * scale;
    }
  }
  const dims = options.layout === 'nchw' ? [1, count, height, width] : [1, height, width, count];
  return { dims, data };
}

/** The largest centred window of the image with the given width/height ratio. */
function centreCrop(
  image: RgbaImage,
  aspect: number,
): { x: number; y: number; w: number; h: number; image: RgbaImage } {
  let w = image.width;
  let h = Math.round(w / aspect);
  if (h > image.height) {
    h = image.height;
    w = Math.max(1, Math.round(h * aspect));
  }
  h = Math.max(1, Math.min(h, image.height));
  w = Math.min(w, image.width);
  return { x: Math.floor((image.width - w) / 2), y: Math.floor((image.height - h) / 2), w, h, image };
}

/** Separable triangle-filter resampling of a crop to width × height, RGBA as float64. */
function resample(
  crop: { x: number; y: number; w: number; h: number; image: RgbaImage },
  width: number,
  height: number,
): Float64Array {
  const { image } = crop;
  const columns = filterTaps(crop.w, width);
  const rows = filterTaps(crop.h, height);
  // Horizontal pass over the crop's rows, then vertical.
  const mid = new Float64Array(crop.h * width * 4);
  for (let y = 0; y < crop.h; y++) {
    const row = (crop.y + y) * image.width;
    for (let x = 0; x < width; x++) {
      const taps = columns[x];
      for (let c = 0; c < 4; c++) {
        let sum = 0;
        for (let t = 0; t < taps.index.length; t++)
          sum += taps.weight[t] * image.data[(row + crop.x + taps.index[t]) * 4 + c];
        mid[(y * width + x) * 4 + c] = sum;
      }
    }
  }
  const out = new Float64Array(height * width * 4);
  for (let y = 0; y < height; y++) {
    const taps = rows[y];
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 4; c++) {
        let sum = 0;
        for (let t = 0; t < taps.index.length; t++)
          sum += taps.weight[t] * mid[(taps.index[t] * width + x) * 4 + c];
        out[(y * width + x) * 4 + c] = sum;
      }
    }
  }
  return out;
}

/**
 * For each output position, the source indices and normalised weights it averages: the area each source
 * pixel shares with the output pixel when shrinking (no aliasing), a triangle (bilinear) when enlarging.
 */
function filterTaps(from: number, to: number): { index: number[]; weight: number[] }[] {
  const scale = from / to;
  return Array.from({ length: to }, (_, o) => {
    const index: number[] = [];
    const weight: number[] = [];
    if (scale >= 1) {
      const start = o * scale;
      const end = (o + 1) * scale;
      for (let i = Math.floor(start); i < Math.min(from, Math.ceil(end)); i++) {
        const overlap = Math.min(end, i + 1) - Math.max(start, i);
        if (overlap <= 0) continue;
        index.push(i);
        weight.push(overlap / scale);
      }
      return { index, weight };
    }
    const centre = Math.min(Math.max((o + 0.5) * scale - 0.5, 0), from - 1);
    const left = Math.floor(centre);
    const t = centre - left;
    index.push(left);
    weight.push(1 - t);
    if (t > 0 && left + 1 < from) {
      index.push(left + 1);
      weight.push(t);
    }
    return { index, weight };
  });
}
