// Multi-head attention as PyTorch exports it (BERT-like): Q, K and V projections split into heads by a
// Reshape [N, S, H·D] → [N, S, H, D] and a Transpose, scores Q·Kᵀ and context P·V per head (MatMuls of two
// computed values), the heads merged back by Transpose and Reshape and projected out. Heads prune whole.
import { int64Tensor } from './tensors';
import { ModelBuilder } from './model-builder';
import type { Built } from './serialize';
import type { Value } from './types';
import { attr } from './types';

const TOKENS = 6;
const HIDDEN = 16;
const HEADS = 4;
const HEAD_DIM = HIDDEN / HEADS;

/**
 * An embedding projection, one attention block (with an additive mask broadcast over the heads) and an MLP
 * after it. `dynamicSplit`: the head-splitting targets are computed from Shape as the TorchScript exporter
 * writes them, [Gather(Shape(x), 0), Gather(Shape(x), 1), H, D]: a head count no prune could rewrite.
 */
function attention(dynamicSplit: boolean): Built {
  const b = new ModelBuilder({ opset: 17, seed: 3, producerName: 'pytorch' });
  const input = b.input('input', [1, TOKENS, HIDDEN]);
  const h = b.relu(b.matmul(input, HIDDEN, { bias: true, name: '/embed/MatMul' }), { name: '/embed/Relu' });
  const split = (module: string, perm: number[]): Value => {
    const projected = b.matmul(h, HIDDEN, { bias: true, name: `/attn/${module}_proj/MatMul` });
    const target = [1, TOKENS, HEADS, HEAD_DIM];
    const heads = dynamicSplit
      ? b.reshapeTo(projected, computedTarget(b, projected, module), target, {
          name: `/attn/${module}/Reshape`,
        })
      : b.reshape(projected, target, { name: `/attn/${module}/Reshape` });
    return b.transpose(heads, perm, { name: `/attn/${module}/Transpose` });
  };
  const q = split('q', [0, 2, 1, 3]);
  const k = split('k', [0, 2, 3, 1]);
  const v = split('v', [0, 2, 1, 3]);
  let scores = b.matmulValues(q, k, { name: '/attn/MatMul' });
  scores = b.divConstant(scores, {
    layout: 'scalar',
    init: { kind: 'constant', value: Math.sqrt(HEAD_DIM) },
    name: '/attn/Div',
  });
  const mask = b.initializer('attn.mask', [1, 1, 1, TOKENS], [0, 0, 0, 0, -10, -10]);
  scores = b.add(scores, mask, { name: '/attn/Add' });
  const probs = b.unary('Softmax', scores, { name: '/attn/Softmax', attributes: { axis: attr.int(-1) } });
  let context = b.matmulValues(probs, v, { name: '/attn/MatMul_1' });
  context = b.transpose(context, [0, 2, 1, 3], { name: '/attn/Transpose' });
  context = b.reshape(context, [1, TOKENS, HIDDEN], { name: '/attn/Reshape' });
  const attended = b.matmul(context, HIDDEN, { bias: true, name: '/attn/out_proj/MatMul' });
  const hidden = b.relu(b.matmul(attended, 2 * HIDDEN, { bias: true, name: '/mlp/fc1/MatMul' }), {
    name: '/mlp/Relu',
  });
  b.output(b.matmul(hidden, 8, { bias: true, name: '/mlp/fc2/MatMul' }), 'output');
  return b.build();
}

/** [Gather(Shape(x), 0), Gather(Shape(x), 1), H, D] as an int64 [4], built the way TorchScript writes it. */
function computedTarget(b: ModelBuilder, x: Value, module: string): Value {
  const shape = b.shapeOf(x, { name: `/attn/${module}/Shape` });
  const dim = (axis: number) => b.unsqueeze(b.gather(shape, axis), [0]);
  const constant = (value: number, name: string) =>
    b.constantNode(int64Tensor(`/attn/${module}/${name}`, [1], [value]));
  return b.concat([dim(0), dim(1), constant(HEADS, 'heads'), constant(HEAD_DIM, 'head_dim')], 0, {
    name: `/attn/${module}/Concat`,
  });
}

/** Multi-head attention with baked head-splitting targets: the heads prune whole. */
export function attentionHeads(): Built {
  return attention(false);
}

/** The same with computed head-splitting targets: the head count cannot follow, so the heads stay. */
export function attentionHeadsDynamic(): Built {
  return attention(true);
}
