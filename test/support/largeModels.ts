// Large graphs for the scale tests, the benchmark and the browser/e2e suites: ~50,000 nodes each, built with
// our model builder, named the way real exporters name their nodes so name-scope hierarchy has something to
// group. Channels stay at 4–16 and the spatial size at 4×4 so the files stay small (a few MB) and ONNX
// Runtime runs them quickly.
import { ModelBuilder } from '../builder';
import type { Built, NodeOptions, Value } from '../builder';
import { attr } from '../builder/types';

/** The builder plus the transformer op it has no method for (LayerNorm). */
class LargeModelBuilder extends ModelBuilder {
  /** LayerNormalization over the last axis with a seeded scale and bias (opset 17). */
  layerNorm(x: Value, options: NodeOptions = {}): Value {
    const features = Number(x.shape[x.shape.length - 1]);
    const name = this.nodeName('LayerNormalization', options.name);
    const scale = this.weight(
      name,
      'weight',
      [features],
      { kind: 'uniform', low: 0.5, high: 1.5 },
      'initializer',
    );
    const bias = this.weight(
      name,
      'bias',
      [features],
      { kind: 'uniform', low: -0.2, high: 0.2 },
      'initializer',
    );
    return this.op('LayerNormalization', [x, scale, bias], [{ shape: x.shape, dtype: x.dtype }], {
      reservedName: name,
      attributes: { axis: attr.int(-1), epsilon: attr.float(1e-5) },
    })[0];
  }
}

/** How a residual block's nodes are named. */
type NameStyle = 'dynamo' | 'torchscript';

/** A node name in an exporter's style: dynamo `/blocks/blocks.3/conv1/Conv`, TorchScript `model.layer1.3.conv1`. */
function blockNode(style: NameStyle, stage: string, index: number, module: string, opType: string): string {
  return style === 'dynamo'
    ? `/${stage}/${stage}.${index}/${module}/${opType}`
    : `model.${stage}.${index}.${module}`;
}

/**
 * A bottleneck residual block (ResNet/ResNeXt-like): 1×1 reduce, 3×3 grouped, 1×1 expand, each with
 * BatchNormalization, then the skip Add and a Relu. 10 nodes.
 */
function bottleneck(
  b: LargeModelBuilder,
  x: Value,
  width: number,
  name: (module: string, opType: string) => string,
): Value {
  const channels = Number(x.shape[1]);
  let y = b.conv(x, width, { kernel: 1, bias: false, name: name('conv1', 'Conv') });
  y = b.relu(b.batchNorm(y, { name: name('bn1', 'BatchNormalization') }), { name: name('relu1', 'Relu') });
  y = b.conv(y, width, { kernel: 3, pads: 1, group: 2, bias: false, name: name('conv2', 'Conv') });
  y = b.relu(b.batchNorm(y, { name: name('bn2', 'BatchNormalization') }), { name: name('relu2', 'Relu') });
  y = b.conv(y, channels, { kernel: 1, bias: false, name: name('conv3', 'Conv') });
  y = b.batchNorm(y, { name: name('bn3', 'BatchNormalization') });
  return b.relu(b.add(y, x, { name: name('add', 'Add') }), { name: name('relu3', 'Relu') });
}

/** One post-norm encoder layer (BERT-like): 29 nodes, names `/encoder/layers.3/self_attn/q_proj/MatMul`. */
function encoderLayer(b: LargeModelBuilder, x: Value, index: number, heads: number, ffn: number): Value {
  const scope = `/encoder/layers.${index}`;
  const [batch, tokens, hidden] = x.shape.map(Number);
  const headDim = hidden / heads;
  const linear = (v: Value, out: number, module: string) =>
    b.matmul(v, out, { bias: true, name: `${scope}/${module}/MatMul` });
  const split = (v: Value, module: string, perm: number[]) =>
    b.transpose(
      b.reshape(v, [batch, tokens, heads, headDim], { name: `${scope}/self_attn/${module}/Reshape` }),
      perm,
      {
        name: `${scope}/self_attn/${module}/Transpose`,
      },
    );
  const q = split(linear(x, hidden, 'self_attn/q_proj'), 'q', [0, 2, 1, 3]);
  const k = split(linear(x, hidden, 'self_attn/k_proj'), 'k', [0, 2, 3, 1]);
  const v = split(linear(x, hidden, 'self_attn/v_proj'), 'v', [0, 2, 1, 3]);
  let scores = b.matmulValues(q, k, { name: `${scope}/self_attn/MatMul` });
  scores = b.divConstant(scores, {
    layout: 'scalar',
    init: { kind: 'constant', value: Math.sqrt(headDim) },
    name: `${scope}/self_attn/Div`,
  });
  const probs = b.unary('Softmax', scores, {
    name: `${scope}/self_attn/Softmax`,
    attributes: { axis: attr.int(-1) },
  });
  let context = b.matmulValues(probs, v, { name: `${scope}/self_attn/MatMul_1` });
  context = b.transpose(context, [0, 2, 1, 3], { name: `${scope}/self_attn/Transpose` });
  context = b.reshape(context, [batch, tokens, hidden], { name: `${scope}/self_attn/Reshape` });
  const attended = linear(context, hidden, 'self_attn/out_proj');
  const h = b.layerNorm(b.add(x, attended, { name: `${scope}/Add` }), {
    name: `${scope}/norm1/LayerNormalization`,
  });
  let f = b.relu(linear(h, ffn, 'linear1'), { name: `${scope}/activation/Relu` });
  f = linear(f, hidden, 'linear2');
  return b.layerNorm(b.add(h, f, { name: `${scope}/Add_1` }), { name: `${scope}/norm2/LayerNormalization` });
}

export interface TransformerLikeOptions {
  /** Encoder layers; default 24. */
  readonly layers?: number;
  /** Residual blocks in the conv stages before the encoder, half in each name style; default 4,930 (~50k nodes in all). */
  readonly convBlocks?: number;
  readonly seed?: number;
}

/**
 * A hybrid conv + transformer model: a conv stem, `convBlocks` bottleneck blocks (the first half named like a
 * dynamo export `/blocks/blocks.3/conv1/Conv`, the second like TorchScript `model.layer1.3.conv1`), the feature
 * map flattened into 16 tokens of 16 features, and `layers` encoder layers. ~50,000 nodes by default.
 */
export function transformerLike(options: TransformerLikeOptions = {}): Built {
  const layers = options.layers ?? 24;
  const convBlocks = options.convBlocks ?? 4930;
  const b = new LargeModelBuilder({ opset: 17, seed: options.seed ?? 1, producerName: 'pytorch' });
  const input = b.input('pixel_values', [1, 8, 4, 4]);
  let x = b.conv(input, 16, { kernel: 3, pads: 1, bias: false, name: '/stem/conv/Conv' });
  x = b.relu(b.batchNorm(x, { name: '/stem/bn/BatchNormalization' }), { name: '/stem/act/Relu' });
  const dynamo = Math.ceil(convBlocks / 2);
  for (let i = 0; i < convBlocks; i++) {
    const style: NameStyle = i < dynamo ? 'dynamo' : 'torchscript';
    const index = i < dynamo ? i : i - dynamo;
    x = bottleneck(b, x, 8, (module, op) =>
      blockNode(style, style === 'dynamo' ? 'blocks' : 'layer1', index, module, op),
    );
  }
  // [1, 16, 4, 4] -> [1, 16 tokens, 16 features]
  let t = b.reshape(x, [1, 16, 16], { name: '/embed/Reshape' });
  t = b.transpose(t, [0, 2, 1], { name: '/embed/Transpose' });
  for (let i = 0; i < layers; i++) t = encoderLayer(b, t, i, 4, 32);
  b.output(t, 'last_hidden_state');
  return b.build();
}

export interface ResidualCnnOptions {
  /** Residual blocks, spread over four stages `layer1..layer4`; default 2,500 (~50k nodes). */
  readonly blocks?: number;
  readonly seed?: number;
}

/**
 * A deep residual CNN: `blocks` blocks of 19 nodes (a four-conv bottleneck with BatchNormalization and Relu,
 * a squeeze-and-excitation gate, the skip Add and a Relu) over four stages, named
 * `/layer{k}/block{i}/conv1/Conv`. 2,500 blocks give 47,504 nodes in all.
 */
export function residualCnn(options: ResidualCnnOptions = {}): Built {
  const blocks = options.blocks ?? 2500;
  const b = new LargeModelBuilder({ opset: 17, seed: options.seed ?? 2, producerName: 'pytorch' });
  const input = b.input('input', [1, 8, 4, 4]);
  let x = b.relu(b.conv(input, 16, { kernel: 3, pads: 1, name: '/stem/Conv' }), { name: '/stem/Relu' });
  const perStage = Math.ceil(blocks / 4);
  for (let i = 0; i < blocks; i++) {
    const scope = `/layer${Math.floor(i / perStage) + 1}/block${i % perStage}`;
    const n = (module: string, opType: string) => `${scope}/${module}/${opType}`;
    let y = x;
    for (const [k, width] of [
      [1, 8],
      [2, 8],
      [3, 8],
    ] as const) {
      y = b.conv(y, width, {
        kernel: k === 2 ? 3 : 1,
        pads: k === 2 ? 1 : 0,
        group: k === 2 ? 2 : 1,
        bias: false,
        name: n(`conv${k}`, 'Conv'),
      });
      y = b.relu(b.batchNorm(y, { name: n(`bn${k}`, 'BatchNormalization') }), {
        name: n(`relu${k}`, 'Relu'),
      });
    }
    y = b.batchNorm(b.conv(y, 16, { kernel: 1, bias: false, name: n('conv4', 'Conv') }), {
      name: n('bn4', 'BatchNormalization'),
    });
    // squeeze and excitation
    let s = b.globalAveragePool(y, { name: n('se/avgpool', 'GlobalAveragePool') });
    s = b.relu(b.conv(s, 4, { kernel: 1, name: n('se/fc1', 'Conv') }), { name: n('se/relu', 'Relu') });
    s = b.sigmoid(b.conv(s, 16, { kernel: 1, name: n('se/fc2', 'Conv') }), {
      name: n('se/sigmoid', 'Sigmoid'),
    });
    y = b.mul(y, s, { name: n('se', 'Mul') });
    x = b.relu(b.add(y, x, { name: n('add', 'Add') }), { name: n('relu', 'Relu') });
  }
  const pooled = b.globalAveragePool(x, { name: '/head/GlobalAveragePool' });
  b.output(b.conv(pooled, 10, { kernel: 1, name: '/head/fc/Conv' }), 'logits');
  return b.build();
}

/** The large models by file name, for scripts/gen-large.ts and the suites that open them. */
export const LARGE_MODELS: Readonly<Record<string, () => Built>> = {
  'transformer50k.onnx': transformerLike,
  'resnet50k.onnx': residualCnn,
};
