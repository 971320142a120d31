// Shape rules of the windowed ops (shapeRules.ts' SHAPES): convolutions and pools, whose spatial dims follow
// from the kernel, strides, dilations and pads.
import type { Dim, NodeView } from '../onnx/modelView';
import { toSafeNumber } from '../onnx/int64';
import type { InputFacts, ValueFacts } from './facts';
import type { onnx } from '../onnx/proto/onnx.js';

/** Spatial output size of a convolution or pool along one axis. */
function windowOut(
  size: Dim,
  kernel: number,
  stride: number,
  dilation: number,
  padBegin: number,
  padEnd: number,
  autoPad: string,
  ceil: boolean,
): Dim {
  if (typeof size !== 'number') return undefined;
  // A stride or dilation below 1 (a damaged file: ONNX Runtime refuses it) makes no window.
  if (!(stride >= 1) || !(dilation >= 1)) return undefined;
  const effective = dilation * (kernel - 1) + 1;
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') return Math.ceil(size / stride);
  if (autoPad === 'VALID') return Math.floor((size - effective) / stride) + 1;
  const span = size + padBegin + padEnd - effective;
  return (ceil ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
}

/**
 * An ints attribute, read as Attributes.ints reads it, for those every conv and pool has: small values are
 * taken from their Long directly (Attributes.ints builds its error message for each value, whether it fails or
 * not: a string per value, for every conv of a large model).
 */
function windowInts(node: NodeView, name: string): number[] | undefined {
  const attribute = node.attributes.get(name);
  if (!attribute) return undefined;
  const values = attribute.ints ?? [];
  // Literals for the usual lengths (a 2-D window's two, its pads' four): see tensorShape.
  if (values.length === 2) return [windowInt(values, 0, name), windowInt(values, 1, name)];
  if (values.length === 4)
    return [
      windowInt(values, 0, name),
      windowInt(values, 1, name),
      windowInt(values, 2, name),
      windowInt(values, 3, name),
    ];
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) out[i] = windowInt(values, i, name);
  return out;
}

function windowInt(
  values: NonNullable<onnx.AttributeProto.$Properties['ints']>,
  i: number,
  name: string,
): number {
  const v = values[i];
  return typeof v === 'object' && v.high === 0 && v.low >= 0 ? v.low : toSafeNumber(v, `attribute ${name}`);
}

/**
 * The output shape of a convolution or pool: the batch, `channels`, then each spatial dim through the window.
 * Built in one array (this runs for every conv of a large model; spread and map allocate on the way).
 */
function windowed(node: NodeView, x: Dim[], channels: Dim, kernel: number[], ceil: boolean): Dim[] {
  const n = x.length - 2;
  // A rank below 2 is a broken model: there is no window, and the shape stays unknown.
  if (n < 0) throw new RangeError(`a rank-${x.length} input has no spatial axes`);
  const strides = windowInts(node, 'strides');
  const dilations = windowInts(node, 'dilations');
  const pads = windowInts(node, 'pads');
  const autoPad = node.attributes.string('auto_pad', 'NOTSET');
  // Its exact size (the facts keep it): a literal for a 2-D window (see tensorShape).
  const shape: Dim[] = n === 2 ? [x[0], channels, undefined, undefined] : new Array<Dim>(n + 2);
  shape[0] = x[0];
  shape[1] = channels;
  for (let i = 0; i < n; i++) {
    const stride = strides ? strides[i] : 1;
    const dilation = dilations ? dilations[i] : 1;
    const begin = pads ? pads[i] : 0;
    const end = pads ? pads[i + n] : 0;
    shape[i + 2] = windowOut(x[i + 2], kernel[i], stride, dilation, begin, end, autoPad, ceil);
  }
  return shape;
}

export function conv(node: NodeView, input: InputFacts): ValueFacts[] {
  const x = input(0)?.shape;
  const w = input(1)?.shape;
  if (!x || !w) return [{ dtype: input(0)?.dtype }];
  const kernel = windowInts(node, 'kernel_shape') ?? (w.slice(2) as number[]);
  return [{ shape: windowed(node, x, w[0], kernel, false), dtype: input(0)?.dtype }];
}

export function convTranspose(node: NodeView, input: InputFacts): ValueFacts[] {
  const x = input(0)?.shape;
  const w = input(1)?.shape;
  if (!x || !w) return [{ dtype: input(0)?.dtype }];
  const a = node.attributes;
  const group = a.int('group', 1);
  const n = x.length - 2;
  const outChannels = typeof w[1] === 'number' ? w[1] * group : undefined;
  const explicit = a.ints('output_shape');
  if (explicit) return [{ shape: [x[0], outChannels, ...explicit.slice(-n)], dtype: input(0)?.dtype }];
  const kernel = a.ints('kernel_shape') ?? (w.slice(2) as number[]);
  const strides = a.ints('strides') ?? Array(n).fill(1);
  const dilations = a.ints('dilations') ?? Array(n).fill(1);
  const pads = a.ints('pads') ?? Array(2 * n).fill(0);
  const outPad = a.ints('output_padding') ?? Array(n).fill(0);
  const dims = x
    .slice(2)
    .map((d, i) =>
      typeof d === 'number'
        ? strides[i] * (d - 1) + outPad[i] + (kernel[i] - 1) * dilations[i] + 1 - pads[i] - pads[i + n]
        : undefined,
    );
  return [{ shape: [x[0], outChannels, ...dims], dtype: input(0)?.dtype }];
}

export function pool(node: NodeView, input: InputFacts): ValueFacts[] {
  const x = input(0)?.shape;
  const kernel = windowInts(node, 'kernel_shape');
  if (!x || !kernel) return [{ dtype: input(0)?.dtype }];
  const ceil = node.attributes.int('ceil_mode', 0) === 1;
  return [{ shape: windowed(node, x, x[1], kernel, ceil), dtype: input(0)?.dtype }];
}

export function globalPool(_node: NodeView, input: InputFacts): ValueFacts[] {
  const x = input(0)?.shape;
  return [{ shape: x ? [x[0], x[1], ...x.slice(2).map(() => 1)] : undefined, dtype: input(0)?.dtype }];
}
