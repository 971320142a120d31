// Element-wise ops: activations, PRelu, binary arithmetic between two values or with a per-channel
// constant, Identity and Dropout. These are the "per-channel things" a pruner must slice alongside a conv,
// so the constants come in every layout exporters use: [1,C,1,1], [C,1,1], scalar, on either side.
import { ConvOps } from './conv-ops';
import { broadcast, numeric } from './shapes';
import { floatTensor } from './tensors';
import type { AttributeValue, Init, NodeOptions, Value, WeightSource } from './types';
import { attr } from './types';

export type BinaryOp = 'Add' | 'Sub' | 'Mul' | 'Div';

/** Shape of a constant operand relative to an [N, C, H, W] value. */
export type ConstantLayout = '1C11' | 'C11' | 'scalar';

export interface ConstantOperandOptions extends NodeOptions {
  /** Default '1C11'. */
  readonly layout?: ConstantLayout;
  /** Put the constant as the first input (e.g. Sub(const, x)), which exporters do for rsub and friends. */
  readonly constantFirst?: boolean;
  /** Default: seeded uniform, in [0.5, 1.5] for Mul/Div and [-0.5, 0.5] for Add/Sub. */
  readonly init?: Init;
  readonly source?: WeightSource;
}

export interface PReluOptions extends NodeOptions {
  /** 'per-channel' (default) stores the slope [C,1,1] as torch does; 'shared' stores one slope [1]. */
  readonly slope?: 'per-channel' | 'shared';
}

export interface UnaryOptions extends NodeOptions {
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
}

const CONSTANT_ROLE: Readonly<Record<BinaryOp, string>> = {
  Add: 'bias',
  Sub: 'offset',
  Mul: 'scale',
  Div: 'divisor',
};

export class ElementwiseOps extends ConvOps {
  /** Any shape-preserving single-input op (Abs, Elu, Softplus...), for ops without a dedicated method. */
  unary(opType: string, x: Value, options: UnaryOptions = {}): Value {
    return this.op(opType, [x], [{ shape: x.shape, dtype: x.dtype }], {
      name: options.name,
      doc: options.doc,
      attributes: options.attributes,
    })[0];
  }

  relu(x: Value, options: NodeOptions = {}): Value {
    return this.unary('Relu', x, options);
  }

  leakyRelu(x: Value, alpha = 0.01, options: NodeOptions = {}): Value {
    return this.unary('LeakyRelu', x, { ...options, attributes: { alpha: attr.float(alpha) } });
  }

  sigmoid(x: Value, options: NodeOptions = {}): Value {
    return this.unary('Sigmoid', x, options);
  }

  tanh(x: Value, options: NodeOptions = {}): Value {
    return this.unary('Tanh', x, options);
  }

  /** HardSwish exists from opset 14; torch writes HardSigmoid + Mul below that. */
  hardSwish(x: Value, options: NodeOptions = {}): Value {
    if (this.opset < 14) return this.mul(x, this.hardSigmoid(x, 1 / 6, 0.5), options);
    return this.unary('HardSwish', x, options);
  }

  hardSigmoid(x: Value, alpha = 0.2, beta = 0.5, options: NodeOptions = {}): Value {
    return this.unary('HardSigmoid', x, {
      ...options,
      attributes: { alpha: attr.float(alpha), beta: attr.float(beta) },
    });
  }

  /** SiLU / Swish as torch exports it before opset 22: x * Sigmoid(x), a Mul of two values. */
  silu(x: Value, options: NodeOptions = {}): Value {
    return this.mul(x, this.sigmoid(x), options);
  }

  /** Clip with min/max as scalar initializers (opset >= 11) or as attributes (older opsets). */
  clip(x: Value, min: number, max: number, options: NodeOptions = {}): Value {
    if (this.opset < 11) {
      return this.unary('Clip', x, {
        ...options,
        attributes: { max: attr.float(max), min: attr.float(min) },
      });
    }
    const name = this.nodeName('Clip', options.name);
    const bound = (role: string, value: number) =>
      this.initializer(this.tensorName(name, role), [], { kind: 'values', values: [value] });
    const inputs = [x, bound('min', min), bound('max', max)];
    return this.op('Clip', inputs, [{ shape: x.shape, dtype: x.dtype }], {
      reservedName: name,
      doc: options.doc,
    })[0];
  }

  relu6(x: Value, options: NodeOptions = {}): Value {
    return this.clip(x, 0, 6, options);
  }

  prelu(x: Value, options: PReluOptions = {}): Value {
    const channels = numeric(x.shape[1], 'PRelu channels');
    const name = this.nodeName('PRelu', options.name, 'prelu');
    const dims = options.slope === 'shared' ? [1] : [channels, 1, 1];
    const slope = this.weight(
      name,
      'weight',
      dims,
      { kind: 'uniform', low: 0.05, high: 0.35 },
      'initializer',
    );
    return this.op('PRelu', [x, slope], [{ shape: x.shape, dtype: x.dtype }], {
      reservedName: name,
      doc: options.doc,
    })[0];
  }

  add(a: Value, b: Value, options: NodeOptions = {}): Value {
    return this.binary('Add', a, b, options);
  }

  sub(a: Value, b: Value, options: NodeOptions = {}): Value {
    return this.binary('Sub', a, b, options);
  }

  mul(a: Value, b: Value, options: NodeOptions = {}): Value {
    return this.binary('Mul', a, b, options);
  }

  div(a: Value, b: Value, options: NodeOptions = {}): Value {
    return this.binary('Div', a, b, options);
  }

  /** Two-value arithmetic with numpy broadcasting; also used on int64 shape values. */
  binary(opType: BinaryOp, a: Value, b: Value, options: NodeOptions = {}): Value {
    if (a.dtype !== b.dtype) throw new Error(`${opType} of ${a.dtype} and ${b.dtype}`);
    const shape = broadcast(a.shape, b.shape);
    return this.op(opType, [a, b], [{ shape, dtype: a.dtype }], { name: options.name, doc: options.doc })[0];
  }

  addConstant(x: Value, options: ConstantOperandOptions = {}): Value {
    return this.binaryConstant('Add', x, options);
  }

  subConstant(x: Value, options: ConstantOperandOptions = {}): Value {
    return this.binaryConstant('Sub', x, options);
  }

  mulConstant(x: Value, options: ConstantOperandOptions = {}): Value {
    return this.binaryConstant('Mul', x, options);
  }

  divConstant(x: Value, options: ConstantOperandOptions = {}): Value {
    return this.binaryConstant('Div', x, options);
  }

  /** Arithmetic with a seeded constant shaped per channel (or scalar) for an [N, C, H, W] value. */
  binaryConstant(opType: BinaryOp, x: Value, options: ConstantOperandOptions = {}): Value {
    const layout = options.layout ?? '1C11';
    const channels = layout === 'scalar' ? 1 : numeric(x.shape[1], `${opType} channels`);
    const dims = layout === '1C11' ? [1, channels, 1, 1] : layout === 'C11' ? [channels, 1, 1] : [];
    const name = this.nodeName(opType, options.name);
    const scaling = opType === 'Mul' || opType === 'Div';
    const init: Init = options.init ?? {
      kind: 'uniform',
      low: scaling ? 0.5 : -0.5,
      high: scaling ? 1.5 : 0.5,
    };
    const constant = this.weight(name, CONSTANT_ROLE[opType], dims, init, options.source ?? 'initializer');
    const inputs = options.constantFirst ? [constant, x] : [x, constant];
    const shape = broadcast(x.shape, dims);
    return this.op(opType, inputs, [{ shape, dtype: x.dtype }], { reservedName: name, doc: options.doc })[0];
  }

  identity(x: Value, options: NodeOptions = {}): Value {
    return this.unary('Identity', x, options);
  }

  /** Inference Dropout: ratio as an optional input from opset 12, as an attribute before. */
  dropout(x: Value, ratio = 0.5, options: NodeOptions = {}): Value {
    if (this.opset < 12)
      return this.unary('Dropout', x, { ...options, attributes: { ratio: attr.float(ratio) } });
    const name = this.nodeName('Dropout', options.name);
    const ratioValue = this.constantNode(floatTensor(this.tensorName(name, 'ratio'), [], [ratio]));
    return this.op('Dropout', [x, ratioValue], [{ shape: x.shape, dtype: x.dtype }], {
      reservedName: name,
      doc: options.doc,
    })[0];
  }
}
