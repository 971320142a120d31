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
 * An embedding projection, one attention block and an MLP after it. Baked: static shapes, baked targets and
 * an additive mask broadcast over the heads. Dynamic: a symbolic batch and sequence, as a dynamic-axes export
 * writes them: every target computed from Shape as TorchScript writes `x.view(x.size(0), x.size(1), H, D)`
 * (the counts are Concat constants), and the MLP's first layer a Gemm on [N·S, C] as GPT-2's Conv1D exports.
 */
function attention(dynamic: boolean): Built {
  const b = new ModelBuilder({ opset: 17, seed: 3, producerName: 'pytorch' });
  const input = b.input('input', dynamic ? ['batch', 'sequence', HIDDEN] : [1, TOKENS, HIDDEN]);
  const [batch, tokens] = input.shape;
  const h = b.relu(b.matmul(input, HIDDEN, { bias: true, name: '/embed/MatMul' }), { name: '/embed/Relu' });
  // `x` viewed as [N, S, ...counts], N and S read from the shape of `like`.
  const view = (x: Value, counts: number[], name: string, like = x): Value =>
    dynamic
      ? b.reshapeTo(x, computedTarget(b, like, counts, name), [batch, tokens, ...counts], {
          name: `${name}/Reshape`,
        })
      : b.reshape(x, [1, TOKENS, ...counts], { name: `${name}/Reshape` });
  const split = (module: string, perm: number[]): Value => {
    const projected = b.matmul(h, HIDDEN, { bias: true, name: `/attn/${module}_proj/MatMul` });
    return b.transpose(view(projected, [HEADS, HEAD_DIM], `/attn/${module}`), perm, {
      name: `/attn/${module}/Transpose`,
    });
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
  if (!dynamic) {
    const mask = b.initializer('attn.mask', [1, 1, 1, TOKENS], [0, 0, 0, 0, -10, -10]);
    scores = b.add(scores, mask, { name: '/attn/Add' });
  }
  const probs = b.unary('Softmax', scores, { name: '/attn/Softmax', attributes: { axis: attr.int(-1) } });
  let context = b.matmulValues(probs, v, { name: '/attn/MatMul_1' });
  context = b.transpose(context, [0, 2, 1, 3], { name: '/attn/Transpose' });
  context = view(context, [HIDDEN], '/attn');
  const attended = b.matmul(context, HIDDEN, { bias: true, name: '/attn/out_proj/MatMul' });
  let hidden: Value;
  if (dynamic) {
    const rows = b.initializer('/mlp/rows', [2], [-1, HIDDEN], 'int64');
    const flat = b.reshapeTo(attended, rows, ['rows', HIDDEN], { name: '/mlp/fc1/Reshape' });
    const fc1 = b.gemm(flat, 2 * HIDDEN, { transB: false, name: '/mlp/fc1/Gemm' });
    hidden = view(fc1, [2 * HIDDEN], '/mlp/fc1/view', attended);
  } else hidden = b.matmul(attended, 2 * HIDDEN, { bias: true, name: '/mlp/fc1/MatMul' });
  hidden = b.relu(hidden, { name: '/mlp/Relu' });
  b.output(b.matmul(hidden, 8, { bias: true, name: '/mlp/fc2/MatMul' }), 'output');
  return b.build();
}

/** [Gather(Shape(x), 0), Gather(Shape(x), 1), ...counts] as an int64 vector, the way TorchScript writes it. */
function computedTarget(b: ModelBuilder, x: Value, counts: number[], name: string): Value {
  const shape = b.shapeOf(x, { name: `${name}/Shape` });
  const dim = (axis: number) => b.unsqueeze(b.gather(shape, axis), [0]);
  const constants = counts.map((count, i) => b.constantNode(int64Tensor(`${name}/count_${i}`, [1], [count])));
  return b.concat([dim(0), dim(1), ...constants], 0, { name: `${name}/Concat` });
}

/** Multi-head attention with baked head-splitting targets: the heads prune whole. */
export function attentionHeads(): Built {
  return attention(false);
}

/** The same as a dynamic-axes export writes it: the head counts are constants of computed targets. */
export function attentionHeadsDynamic(): Built {
  return attention(true);
}
