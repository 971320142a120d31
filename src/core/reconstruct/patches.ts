/**
 * The rows of a layer's least-squares problem: for sampled output positions, the inputs the layer reads
 * there (a 2-D convolution's receptive field, im2col order = the weight's [Cin, kh, kw] order; a dense
 * layer's input row) and the outputs it should produce. Pure arithmetic on dense float tensors.
 */

export interface ConvGeometry {
  kind: 'conv';
  kernel: readonly [number, number];
  strides: readonly [number, number];
  dilations: readonly [number, number];
  /** Explicit pads [top, left, bottom, right], or auto_pad resolved from the actual shapes. */
  pads: readonly [number, number, number, number];
  autoPad: 'NOTSET' | 'SAME_UPPER' | 'SAME_LOWER' | 'VALID';
}

/** MatMul / Gemm: the input is rows of K features ([..., K]); the output rows of N. */
export interface DenseGeometry {
  kind: 'dense';
}

export type LayerGeometry = ConvGeometry | DenseGeometry;

/** Output positions of a layer: N·OH·OW for a conv ([N, C, OH, OW]), the rows for a dense layer. */
export function positionCount(geometry: LayerGeometry, outDims: readonly number[]): number {
  if (geometry.kind === 'conv') return outDims[0] * outDims[2] * outDims[3];
  return outDims.slice(0, -1).reduce((a, b) => a * b, 1);
}

/** `count` distinct positions of `total` (all of them when there are no more), ascending. */
export function samplePositions(total: number, count: number, random: () => number): Int32Array {
  if (count >= total) return Int32Array.from({ length: total }, (_, i) => i);
  // Floyd's algorithm: exactly `count` draws, whatever the generator returns.
  const chosen = new Set<number>();
  for (let j = total - count; j < total; j++) {
    const t = Math.floor(random() * (j + 1));
    chosen.add(chosen.has(t) ? j : t);
  }
  return Int32Array.from([...chosen].sort((a, b) => a - b));
}

/** Top and left padding of a conv for these shapes (auto_pad resolved as ONNX defines it). */
function padsOf(g: ConvGeometry, inH: number, inW: number, outH: number, outW: number): [number, number] {
  if (g.autoPad === 'VALID') return [0, 0];
  if (g.autoPad === 'NOTSET') return [g.pads[0], g.pads[1]];
  const total = (inSize: number, outSize: number, axis: 0 | 1) =>
    Math.max(0, (outSize - 1) * g.strides[axis] + (g.kernel[axis] - 1) * g.dilations[axis] + 1 - inSize);
  const th = total(inH, outH, 0);
  const tw = total(inW, outW, 1);
  return g.autoPad === 'SAME_UPPER'
    ? [Math.floor(th / 2), Math.floor(tw / 2)]
    : [Math.ceil(th / 2), Math.ceil(tw / 2)];
}

/** Features per row: input channels × kernel (+1 for the bias's constant 1). */
export function featureCount(geometry: LayerGeometry, inDims: readonly number[], bias: boolean): number {
  const base =
    geometry.kind === 'conv'
      ? inDims[1] * geometry.kernel[0] * geometry.kernel[1]
      : inDims[inDims.length - 1];
  return base + (bias ? 1 : 0);
}

/**
 * The input features at each sampled output position, row-major positions × p (zero outside the padded
 * input), with a trailing 1 per row when `bias`.
 */
export function layerFeatures(
  geometry: LayerGeometry,
  x: ArrayLike<number>,
  inDims: readonly number[],
  outDims: readonly number[],
  positions: Int32Array,
  bias: boolean,
): Float64Array {
  const p = featureCount(geometry, inDims, bias);
  const rows = new Float64Array(positions.length * p);
  if (geometry.kind === 'dense') {
    const k = inDims[inDims.length - 1];
    positions.forEach((row, r) => {
      for (let j = 0; j < k; j++) rows[r * p + j] = x[row * k + j];
      if (bias) rows[r * p + k] = 1;
    });
    return rows;
  }
  const [, c, h, w] = inDims;
  const [, , oh, ow] = outDims;
  const [kh, kw] = geometry.kernel;
  const [sh, sw] = geometry.strides;
  const [dh, dw] = geometry.dilations;
  const [top, left] = padsOf(geometry, h, w, oh, ow);
  positions.forEach((position, r) => {
    const n = Math.floor(position / (oh * ow));
    const oy = Math.floor(position / ow) % oh;
    const ox = position % ow;
    const base = r * p;
    for (let ci = 0; ci < c; ci++) {
      const plane = (n * c + ci) * h * w;
      for (let ky = 0; ky < kh; ky++) {
        const iy = oy * sh - top + ky * dh;
        if (iy < 0 || iy >= h) continue;
        for (let kx = 0; kx < kw; kx++) {
          const ix = ox * sw - left + kx * dw;
          if (ix < 0 || ix >= w) continue;
          rows[base + (ci * kh + ky) * kw + kx] = x[plane + iy * w + ix];
        }
      }
    }
    if (bias) rows[base + p - 1] = 1;
  });
  return rows;
}

/** The outputs at each sampled position, positions × kept channels (row-major), in `kept` order. */
export function layerTargets(
  geometry: LayerGeometry,
  y: ArrayLike<number>,
  outDims: readonly number[],
  positions: Int32Array,
  kept: readonly number[],
): Float64Array {
  const m = kept.length;
  const rows = new Float64Array(positions.length * m);
  if (geometry.kind === 'dense') {
    const n = outDims[outDims.length - 1];
    positions.forEach((row, r) => {
      for (let k = 0; k < m; k++) rows[r * m + k] = y[row * n + kept[k]];
    });
    return rows;
  }
  const [, channels, oh, ow] = outDims;
  positions.forEach((position, r) => {
    const n = Math.floor(position / (oh * ow));
    const pixel = position % (oh * ow);
    for (let k = 0; k < m; k++) rows[r * m + k] = y[(n * channels + kept[k]) * oh * ow + pixel];
  });
  return rows;
}
