// Ops that move, cut or join tensors: Concat, Split, Slice, Reshape, Transpose, Flatten, and the int64
// shape arithmetic (Shape, Gather, Unsqueeze, Squeeze) that torch writes for dynamic shapes. Inputs whose
// encoding changed across opsets (Split's split, Slice's starts/ends, Unsqueeze's axes) follow this.opset.
import { ElementwiseOps } from './elementwise-ops';
import { normalizeAxis, numeric, reshapeOutput, slicedLength, transposeOutput } from './shapes';
import type { Dim, NodeOptions, Shape, Value, WeightSource } from './types';
import { attr } from './types';

export interface SplitOptions extends NodeOptions {
  /** Default 1 (channels). */
  readonly axis?: number;
  /**
   * How the sizes are written: 'input' (opset >= 13, the default there) or 'attribute' (opset < 13, the
   * default there). Splitting into a count of equal parts writes no sizes (num_outputs from opset 18).
   */
  readonly form?: 'input' | 'attribute';
}

/** One axis of a Slice; end may exceed the dimension (exporters write INT64_MAX for "to the end"). */
export interface SliceAxis {
  readonly axis: number;
  readonly start: number;
  readonly end: number;
  readonly step?: number;
}

export interface SliceOptions extends NodeOptions {
  /** Where starts/ends/axes/steps live from opset 10: initializers (default) or Constant nodes as torch does. */
  readonly indexSource?: WeightSource;
}

export class TensorOps extends ElementwiseOps {
  concat(values: readonly Value[], axis = 1, options: NodeOptions = {}): Value {
    if (values.length === 0) throw new Error('Concat needs at least one input');
    const rank = values[0].shape.length;
    const at = normalizeAxis(axis, rank);
    const shape: Dim[] = [...values[0].shape];
    shape[at] = values.reduce((sum, v) => sum + numeric(v.shape[at], 'Concat axis'), 0);
    for (const v of values) {
      if (v.shape.length !== rank || v.shape.some((d, i) => i !== at && d !== shape[i])) {
        throw new Error(`Concat: '${v.name}' [${v.shape.join(', ')}] does not match [${shape.join(', ')}]`);
      }
    }
    return this.op('Concat', values, [{ shape, dtype: values[0].dtype }], {
      name: options.name,
      doc: options.doc,
      attributes: { axis: attr.int(axis) },
    })[0];
  }

  /** Split into explicit sizes, or into `parts` equal parts when given a number. */
  split(x: Value, sizesOrParts: readonly number[] | number, options: SplitOptions = {}): Value[] {
    const axis = options.axis ?? 1;
    const at = normalizeAxis(axis, x.shape.length);
    const total = numeric(x.shape[at], 'Split axis');
    const equal = typeof sizesOrParts === 'number';
    const sizes = equal ? new Array<number>(sizesOrParts).fill(total / sizesOrParts) : sizesOrParts;
    if (sizes.some((s) => !Number.isInteger(s)) || sizes.reduce((a, b) => a + b, 0) !== total) {
      throw new Error(`Split sizes [${sizes.join(', ')}] do not add up to ${total}`);
    }
    const outputs = sizes.map((size) => ({
      shape: x.shape.map((d, i) => (i === at ? size : d)),
      dtype: x.dtype,
    }));
    const name = this.nodeName('Split', options.name);
    const form = options.form ?? (this.opset >= 13 ? 'input' : 'attribute');
    const attributes: Record<string, ReturnType<typeof attr.int>> = { axis: attr.int(axis) };
    const inputs = [x];
    if (equal) {
      if (this.opset >= 18) attributes.num_outputs = attr.int(sizes.length);
    } else if (form === 'input') {
      if (this.opset < 13) throw new Error('Split sizes as an input need opset >= 13');
      inputs.push(this.int64Initializer(name, 'split', sizes));
    } else {
      if (this.opset >= 13) throw new Error('the split attribute was removed in opset 13');
      attributes.split = attr.ints(sizes);
    }
    return this.op('Split', inputs, outputs, { reservedName: name, doc: options.doc, attributes });
  }

  /** Slice on one or more axes; e.g. channels 4..12 of an NCHW value: slice(x, [{ axis: 1, start: 4, end: 12 }]). */
  slice(x: Value, axes: readonly SliceAxis[], options: SliceOptions = {}): Value {
    const shape: Dim[] = [...x.shape];
    for (const a of axes) {
      const at = normalizeAxis(a.axis, x.shape.length);
      shape[at] = slicedLength(numeric(x.shape[at], 'Slice axis'), a.start, a.end, a.step ?? 1);
    }
    const starts = axes.map((a) => a.start);
    const ends = axes.map((a) => a.end);
    const axisList = axes.map((a) => a.axis);
    const name = this.nodeName('Slice', options.name);
    if (this.opset < 10) {
      if (axes.some((a) => (a.step ?? 1) !== 1)) throw new Error('Slice steps need opset >= 10');
      return this.op('Slice', [x], [{ shape, dtype: x.dtype }], {
        reservedName: name,
        doc: options.doc,
        attributes: { axes: attr.ints(axisList), ends: attr.ints(ends), starts: attr.ints(starts) },
      })[0];
    }
    const index = (role: string, values: readonly number[]) =>
      options.indexSource === 'constant-node'
        ? this.int64Constant(values)
        : this.int64Initializer(name, role, values);
    const inputs = [x, index('starts', starts), index('ends', ends), index('axes', axisList)];
    if (axes.some((a) => a.step !== undefined))
      inputs.push(
        index(
          'steps',
          axes.map((a) => a.step ?? 1),
        ),
      );
    return this.op('Slice', inputs, [{ shape, dtype: x.dtype }], { reservedName: name, doc: options.doc })[0];
  }

  /** Slice by given int64 starts / ends / axes values (constants a test shares); the caller states the result shape. */
  sliceWith(
    x: Value,
    bounds: readonly [Value, Value, Value],
    resultShape: Shape,
    options: NodeOptions = {},
  ): Value {
    return this.op('Slice', [x, ...bounds], [{ shape: resultShape, dtype: x.dtype }], options)[0];
  }

  /** Reshape to a static target held in an int64 initializer (0 copies a dimension, -1 infers one). */
  reshape(x: Value, target: readonly number[], options: NodeOptions = {}): Value {
    const shape = reshapeOutput(x.shape, target);
    const name = this.nodeName('Reshape', options.name);
    const targetValue = this.int64Initializer(name, 'shape', target);
    return this.op('Reshape', [x, targetValue], [{ shape, dtype: x.dtype }], {
      reservedName: name,
      doc: options.doc,
    })[0];
  }

  /** Reshape to a computed target; the caller states the resulting shape, which the builder cannot evaluate. */
  reshapeTo(x: Value, target: Value, resultShape: Shape, options: NodeOptions = {}): Value {
    if (target.dtype !== 'int64' || target.shape.length !== 1 || target.shape[0] !== resultShape.length) {
      throw new Error(`Reshape target '${target.name}' must be int64 [${resultShape.length}]`);
    }
    return this.op('Reshape', [x, target], [{ shape: resultShape, dtype: x.dtype }], options)[0];
  }

  transpose(x: Value, perm: readonly number[], options: NodeOptions = {}): Value {
    return this.op('Transpose', [x], [{ shape: transposeOutput(x.shape, perm), dtype: x.dtype }], {
      name: options.name,
      doc: options.doc,
      attributes: { perm: attr.ints(perm) },
    })[0];
  }

  /** Flatten to 2-D: [prod(dims before axis), prod(dims from axis)]; a symbolic batch survives axis 1. */
  flatten(x: Value, axis = 1, options: NodeOptions = {}): Value {
    const product = (dims: Shape): Dim =>
      dims.length === 1 ? dims[0] : dims.reduce<number>((p, d) => p * numeric(d, 'Flatten dimension'), 1);
    const shape = [product(x.shape.slice(0, axis)), product(x.shape.slice(axis))];
    return this.op('Flatten', [x], [{ shape, dtype: x.dtype }], {
      name: options.name,
      doc: options.doc,
      attributes: { axis: attr.int(axis) },
    })[0];
  }

  /** Expand (NumPy broadcasting) to an int64 shape value; the caller states the resulting shape. */
  expand(x: Value, shape: Value, resultShape: Shape, options: NodeOptions = {}): Value {
    return this.op('Expand', [x, shape], [{ shape: resultShape, dtype: x.dtype }], options)[0];
  }

  /** ConstantOfShape(shape) filled with `value` (float32): how some exporters write constant weights. */
  constantOfShape(shape: Value, value: number, resultShape: Shape, options: NodeOptions = {}): Value {
    const name = this.nodeName('ConstantOfShape', options.name);
    const fill = {
      name: this.tensorName(name, 'value'),
      dtype: 'float32' as const,
      dims: [1],
      data: Float32Array.of(value),
    };
    return this.op('ConstantOfShape', [shape], [{ shape: resultShape, dtype: 'float32' }], {
      reservedName: name,
      doc: options.doc,
      attributes: { value: attr.tensor(fill) },
    })[0];
  }

  /** Tile by constant repeats (an int64 initializer). */
  tile(x: Value, repeats: readonly number[], options: NodeOptions = {}): Value {
    const name = this.nodeName('Tile', options.name);
    const shape = x.shape.map((d, i) => (typeof d === 'number' ? d * repeats[i] : d));
    const input = this.int64Initializer(name, 'repeats', repeats);
    return this.op('Tile', [x, input], [{ shape, dtype: x.dtype }], {
      reservedName: name,
      doc: options.doc,
    })[0];
  }

  /** Shape(x): an int64 [rank] value. */
  shapeOf(x: Value, options: NodeOptions = {}): Value {
    return this.op('Shape', [x], [{ shape: [x.shape.length], dtype: 'int64' }], options)[0];
  }

  /** Gather with a scalar index (a Constant node, as torch writes it): drops the gathered axis. */
  gather(x: Value, index: number, axis = 0, options: NodeOptions = {}): Value {
    const at = normalizeAxis(axis, x.shape.length);
    const indexValue = this.int64Constant([index], []);
    return this.op(
      'Gather',
      [x, indexValue],
      [{ shape: x.shape.filter((_, i) => i !== at), dtype: x.dtype }],
      {
        name: options.name,
        doc: options.doc,
        attributes: { axis: attr.int(axis) },
      },
    )[0];
  }

  /** Unsqueeze: axes as an input from opset 13, as an attribute before. */
  unsqueeze(x: Value, axes: readonly number[], options: NodeOptions = {}): Value {
    const rank = x.shape.length + axes.length;
    const inserted = new Set(axes.map((a) => normalizeAxis(a, rank)));
    const rest = [...x.shape];
    const shape = Array.from({ length: rank }, (_, i) => (inserted.has(i) ? 1 : rest.shift()!));
    return this.axesOp('Unsqueeze', x, axes, shape, options);
  }

  /** Squeeze: axes as an input from opset 13, as an attribute before. */
  squeeze(x: Value, axes: readonly number[], options: NodeOptions = {}): Value {
    const removed = new Set(axes.map((a) => normalizeAxis(a, x.shape.length)));
    for (const a of removed)
      if (x.shape[a] !== 1) throw new Error(`Squeeze axis ${a} of [${x.shape.join(', ')}]`);
    return this.axesOp(
      'Squeeze',
      x,
      axes,
      x.shape.filter((_, i) => !removed.has(i)),
      options,
    );
  }

  private axesOp(
    opType: string,
    x: Value,
    axes: readonly number[],
    shape: Shape,
    options: NodeOptions,
  ): Value {
    if (this.opset >= 13) {
      return this.op(opType, [x, this.int64Constant(axes)], [{ shape, dtype: x.dtype }], options)[0];
    }
    return this.op(opType, [x], [{ shape, dtype: x.dtype }], {
      ...options,
      attributes: { axes: attr.ints(axes) },
    })[0];
  }
}
