// Ops that change the spatial size without weights: MaxPool, AveragePool, the global pools and Resize
// (Upsample before opset 10). Channels pass through all of them unchanged.
import type { Pair, Quad } from './shapes';
import { numeric, pair, quad, windowOutput } from './shapes';
import { TensorOps } from './tensor-ops';
import type { AttributeValue, NodeOptions, Shape, Value } from './types';
import { attr } from './types';

export interface PoolOptions extends NodeOptions {
  readonly kernel?: number | Pair;
  /** Default: the kernel size, as in torch. */
  readonly stride?: number | Pair;
  readonly pads?: number | Quad;
  readonly ceilMode?: boolean;
  /** AveragePool only. */
  readonly countIncludePad?: boolean;
}

export interface ResizeOptions extends NodeOptions {
  /** Spatial scale factor(s); N and C are never scaled. */
  readonly scale: number | Pair;
  /** Default 'nearest'. */
  readonly mode?: 'nearest' | 'linear';
}

export class SpatialOps extends TensorOps {
  maxPool(x: Value, options: PoolOptions = {}): Value {
    return this.pool('MaxPool', x, options);
  }

  averagePool(x: Value, options: PoolOptions = {}): Value {
    return this.pool('AveragePool', x, options);
  }

  globalAveragePool(x: Value, options: NodeOptions = {}): Value {
    return this.op(
      'GlobalAveragePool',
      [x],
      [{ shape: [x.shape[0], x.shape[1], 1, 1], dtype: x.dtype }],
      options,
    )[0];
  }

  globalMaxPool(x: Value, options: NodeOptions = {}): Value {
    return this.op(
      'GlobalMaxPool',
      [x],
      [{ shape: [x.shape[0], x.shape[1], 1, 1], dtype: x.dtype }],
      options,
    )[0];
  }

  /** Resize by spatial scales, written as torch writes F.interpolate for this opset. */
  resize(x: Value, options: ResizeOptions): Value {
    const [sh, sw] = pair(options.scale, 1);
    const mode = options.mode ?? 'nearest';
    const height = Math.floor(numeric(x.shape[2], 'Resize height') * sh);
    const width = Math.floor(numeric(x.shape[3], 'Resize width') * sw);
    const outputs = [{ shape: [x.shape[0], x.shape[1], height, width], dtype: x.dtype }];
    const opType = this.opset < 10 ? 'Upsample' : 'Resize';
    const name = this.nodeName(opType, options.name);
    const scales = this.initializer(this.tensorName(name, 'scales'), [4], [1, 1, sh, sw]);
    if (this.opset < 11) {
      const attributes = { mode: attr.string(mode) };
      return this.op(opType, [x, scales], outputs, { reservedName: name, doc: options.doc, attributes })[0];
    }
    const attributes: Record<string, AttributeValue> = {
      coordinate_transformation_mode: attr.string(mode === 'nearest' ? 'asymmetric' : 'pytorch_half_pixel'),
      cubic_coeff_a: attr.float(-0.75),
      mode: attr.string(mode),
      nearest_mode: attr.string('floor'),
    };
    // Opset 11 and 12 require roi as a real (empty) tensor; from 13 an empty input name omits it.
    const roi = this.opset < 13 ? this.initializer(this.tensorName(name, 'roi'), [0], []) : null;
    return this.op(opType, [x, roi, scales], outputs, {
      reservedName: name,
      doc: options.doc,
      attributes,
    })[0];
  }

  /**
   * Resize to explicit `sizes` (an int64 [4] value: a constant, or computed from Shape as torch writes
   * F.interpolate(size=…)); the caller states the resulting shape. Opset 11 and later.
   */
  resizeTo(x: Value, sizes: Value, resultShape: Shape, options: NodeOptions = {}): Value {
    if (this.opset < 11) throw new Error('Resize with sizes needs opset 11 or later');
    const name = this.nodeName('Resize', options.name);
    const roi = this.opset < 13 ? this.initializer(this.tensorName(name, 'roi'), [0], []) : null;
    const scales = this.opset < 13 ? this.initializer(this.tensorName(name, 'scales'), [0], []) : null;
    const attributes = { mode: attr.string('nearest'), nearest_mode: attr.string('floor') };
    const outputs = [{ shape: resultShape, dtype: x.dtype }];
    return this.op('Resize', [x, roi, scales, sizes], outputs, { reservedName: name, attributes })[0];
  }

  private pool(opType: 'MaxPool' | 'AveragePool', x: Value, options: PoolOptions): Value {
    const [kh, kw] = pair(options.kernel, 2);
    const [sh, sw] = options.stride === undefined ? [kh, kw] : pair(options.stride, 1);
    const pads = quad(options.pads);
    const ceil = options.ceilMode ?? false;
    const height = windowOutput(numeric(x.shape[2], `${opType} height`), kh, sh, pads[0], pads[2], 1, ceil);
    const width = windowOutput(numeric(x.shape[3], `${opType} width`), kw, sw, pads[1], pads[3], 1, ceil);
    const attributes: Record<string, AttributeValue> = {};
    if (this.opset >= 10) attributes.ceil_mode = attr.int(ceil ? 1 : 0);
    if (opType === 'AveragePool') attributes.count_include_pad = attr.int(options.countIncludePad ? 1 : 0);
    attributes.kernel_shape = attr.ints([kh, kw]);
    attributes.pads = attr.ints(pads);
    attributes.strides = attr.ints([sh, sw]);
    const shape = [x.shape[0], x.shape[1], height, width];
    return this.op(opType, [x], [{ shape, dtype: x.dtype }], {
      name: options.name,
      doc: options.doc,
      attributes,
    })[0];
  }
}
