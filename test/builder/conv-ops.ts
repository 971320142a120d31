// Layers with weights: Conv, ConvTranspose, BatchNormalization, Gemm and MatMul. Weights follow torch's
// default initialisation (uniform in ±1/sqrt(fan_in)) so activations stay in a sane range through deep nets.
import { BuilderCore } from './core';
import type { Pair, Quad } from './shapes';
import { numeric, pair, quad, transposedOutput, windowOutput } from './shapes';
import type { Dim, Init, NodeOptions, Value, WeightSource } from './types';
import { attr } from './types';

export interface ConvOptions extends NodeOptions {
  /** Kernel size; default 3. */
  readonly kernel?: number | Pair;
  readonly stride?: number | Pair;
  /** [top, left, bottom, right] or one value for all four; default 0 (torch's default). */
  readonly pads?: number | Quad;
  readonly dilation?: number | Pair;
  /** 1 = dense, input channels = depthwise, anything dividing both channel counts = grouped. */
  readonly group?: number;
  /** Default true. */
  readonly bias?: boolean;
  /** Default 'initializer'; 'constant-node' puts the weight (and bias) in Constant nodes. */
  readonly weightSource?: WeightSource;
}

export interface ConvTransposeOptions extends ConvOptions {
  readonly outputPadding?: number | Pair;
}

export interface BatchNormOptions extends NodeOptions {
  readonly epsilon?: number;
  readonly momentum?: number;
}

export interface GemmOptions extends NodeOptions {
  readonly bias?: boolean;
  /** Default true: the weight is stored [out, in] like torch's nn.Linear. */
  readonly transB?: boolean;
}

export interface MatMulOptions extends NodeOptions {
  /** Adds the bias with a separate Add node, as torch exports nn.Linear on inputs of rank > 2. */
  readonly bias?: boolean;
}

function kaiming(fanIn: number): Init {
  const bound = 1 / Math.sqrt(fanIn);
  return { kind: 'uniform', low: -bound, high: bound };
}

function checkRank(x: Value, rank: number, op: string): void {
  if (x.shape.length !== rank)
    throw new Error(`${op} expects rank ${rank}, '${x.name}' is [${x.shape.join(', ')}]`);
}

export class ConvOps extends BuilderCore {
  /** Conv2d: weight [outChannels, inChannels/group, kH, kW], optional bias [outChannels]. */
  conv(x: Value, outChannels: number, options: ConvOptions = {}): Value {
    checkRank(x, 4, 'Conv');
    const inChannels = numeric(x.shape[1], 'Conv input channels');
    const group = options.group ?? 1;
    if (inChannels % group !== 0 || outChannels % group !== 0) {
      throw new Error(
        `Conv group ${group} must divide ${inChannels} input and ${outChannels} output channels`,
      );
    }
    const [kh, kw] = pair(options.kernel, 3);
    const [sh, sw] = pair(options.stride, 1);
    const [dh, dw] = pair(options.dilation, 1);
    const pads = quad(options.pads);
    const name = this.nodeName('Conv', options.name, 'conv');
    const fanIn = (inChannels / group) * kh * kw;
    const source = options.weightSource ?? 'initializer';
    const weight = this.weight(
      name,
      'weight',
      [outChannels, inChannels / group, kh, kw],
      kaiming(fanIn),
      source,
    );
    const bias =
      options.bias === false ? null : this.weight(name, 'bias', [outChannels], kaiming(fanIn), source);
    const height = windowOutput(numeric(x.shape[2], 'Conv height'), kh, sh, pads[0], pads[2], dh);
    const width = windowOutput(numeric(x.shape[3], 'Conv width'), kw, sw, pads[1], pads[3], dw);
    const inputs = bias ? [x, weight, bias] : [x, weight];
    return this.op('Conv', inputs, [{ shape: [x.shape[0], outChannels, height, width], dtype: 'float32' }], {
      reservedName: name,
      doc: options.doc,
      attributes: {
        dilations: attr.ints([dh, dw]),
        group: attr.int(group),
        kernel_shape: attr.ints([kh, kw]),
        pads: attr.ints(pads),
        strides: attr.ints([sh, sw]),
      },
    })[0];
  }

  /** ConvTranspose2d: weight [inChannels, outChannels/group, kH, kW] (note the swapped channel axes). */
  convTranspose(x: Value, outChannels: number, options: ConvTransposeOptions = {}): Value {
    checkRank(x, 4, 'ConvTranspose');
    const inChannels = numeric(x.shape[1], 'ConvTranspose input channels');
    const group = options.group ?? 1;
    if (inChannels % group !== 0 || outChannels % group !== 0) {
      throw new Error(`ConvTranspose group ${group} must divide ${inChannels} and ${outChannels} channels`);
    }
    const [kh, kw] = pair(options.kernel, 3);
    const [sh, sw] = pair(options.stride, 1);
    const [dh, dw] = pair(options.dilation, 1);
    const [oph, opw] = pair(options.outputPadding, 0);
    const pads = quad(options.pads);
    const name = this.nodeName('ConvTranspose', options.name, 'deconv');
    // torch computes fan_in of a transposed conv from weight.size(1) * kernel area.
    const fanIn = (outChannels / group) * kh * kw;
    const source = options.weightSource ?? 'initializer';
    const weight = this.weight(
      name,
      'weight',
      [inChannels, outChannels / group, kh, kw],
      kaiming(fanIn),
      source,
    );
    const bias =
      options.bias === false ? null : this.weight(name, 'bias', [outChannels], kaiming(fanIn), source);
    const height = transposedOutput(numeric(x.shape[2], 'height'), kh, sh, pads[0], pads[2], dh, oph);
    const width = transposedOutput(numeric(x.shape[3], 'width'), kw, sw, pads[1], pads[3], dw, opw);
    const attributes = {
      dilations: attr.ints([dh, dw]),
      group: attr.int(group),
      kernel_shape: attr.ints([kh, kw]),
      ...(oph || opw ? { output_padding: attr.ints([oph, opw]) } : {}),
      pads: attr.ints(pads),
      strides: attr.ints([sh, sw]),
    };
    const inputs = bias ? [x, weight, bias] : [x, weight];
    const shape = [x.shape[0], outChannels, height, width];
    return this.op('ConvTranspose', inputs, [{ shape, dtype: 'float32' }], {
      reservedName: name,
      doc: options.doc,
      attributes,
    })[0];
  }

  /** Inference-mode BatchNormalization with seeded scale, bias, running mean and a positive running var. */
  batchNorm(x: Value, options: BatchNormOptions = {}): Value {
    const channels = numeric(x.shape[1], 'BatchNormalization channels');
    const name = this.nodeName('BatchNormalization', options.name, 'bn');
    const param = (role: string, init: Init) => this.weight(name, role, [channels], init, 'initializer');
    const scale = param('weight', { kind: 'uniform', low: 0.5, high: 1.5 });
    const bias = param('bias', { kind: 'uniform', low: -0.2, high: 0.2 });
    const mean = param('running_mean', { kind: 'uniform', low: -0.2, high: 0.2 });
    const variance = param('running_var', { kind: 'uniform', low: 0.5, high: 1.5 });
    return this.op(
      'BatchNormalization',
      [x, scale, bias, mean, variance],
      [{ shape: x.shape, dtype: x.dtype }],
      {
        reservedName: name,
        doc: options.doc,
        attributes: {
          epsilon: attr.float(options.epsilon ?? 1e-5),
          momentum: attr.float(options.momentum ?? 0.9),
        },
      },
    )[0];
  }

  /** Gemm on a [N, K] input: y = x·Wᵀ + b with W [out, K] (transB) as torch exports nn.Linear. */
  gemm(x: Value, outFeatures: number, options: GemmOptions = {}): Value {
    checkRank(x, 2, 'Gemm');
    const inFeatures = numeric(x.shape[1], 'Gemm input features');
    const transB = options.transB ?? true;
    const name = this.nodeName('Gemm', options.name, 'fc');
    const dims = transB ? [outFeatures, inFeatures] : [inFeatures, outFeatures];
    const weight = this.weight(name, 'weight', dims, kaiming(inFeatures), 'initializer');
    const bias =
      options.bias === false
        ? null
        : this.weight(name, 'bias', [outFeatures], kaiming(inFeatures), 'initializer');
    const inputs = bias ? [x, weight, bias] : [x, weight];
    return this.op('Gemm', inputs, [{ shape: [x.shape[0], outFeatures], dtype: 'float32' }], {
      reservedName: name,
      doc: options.doc,
      attributes: { alpha: attr.float(1), beta: attr.float(1), ...(transB ? { transB: attr.int(1) } : {}) },
    })[0];
  }

  /** MatMul of the last axis with a weight [in, out], plus an optional Add of a bias [out]. */
  /** MatMul of two computed values (attention scores, attention × values): [.., M, K] × [.., K, N]. */
  matmulValues(a: Value, b: Value, options: NodeOptions = {}): Value {
    const shape = [...a.shape.slice(0, -1), b.shape[b.shape.length - 1]];
    return this.op('MatMul', [a, b], [{ shape, dtype: a.dtype }], { name: options.name })[0];
  }

  matmul(x: Value, outFeatures: number, options: MatMulOptions = {}): Value {
    const inFeatures = numeric(x.shape[x.shape.length - 1], 'MatMul input features');
    const name = this.nodeName('MatMul', options.name, 'linear');
    const weight = this.weight(name, 'weight', [inFeatures, outFeatures], kaiming(inFeatures), 'initializer');
    const shape: Dim[] = [...x.shape.slice(0, -1), outFeatures];
    const y = this.op('MatMul', [x, weight], [{ shape, dtype: 'float32' }], {
      reservedName: name,
      doc: options.doc,
    })[0];
    if (!options.bias) return y;
    const addName = name.replace(/MatMul$/, 'Add');
    const bias = this.weight(name, 'bias', [outFeatures], kaiming(inFeatures), 'initializer');
    return this.op('Add', [y, bias], [{ shape, dtype: 'float32' }], {
      name: addName === name ? undefined : addName,
    })[0];
  }
}
