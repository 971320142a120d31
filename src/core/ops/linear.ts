import type { ChannelSpace } from '../deps/channelSpace';
import type { ChannelState, RawFinding } from '../deps/state';
import { SHAPES } from '../graph/shapeRules';
import type { Dim, NodeView } from '../onnx/modelView';
import { gemmMacs, matmulMacs } from './macRules';
import type { OpFamily } from './spec';
import { describe, lockInputs, type ChannelRule } from './types';
import { foldFix, foldableWeight } from './foldableWeight';
import { resolveInputWeight, resolveWeightSource } from './weights';

/**
 * Gemm with a weight B: the output features root a group (B along its output axis, bias C); the input
 * features slice B along its input axis (after a Flatten, channel c owns features c·H·W … c·H·W + H·W − 1).
 */
const gemm: ChannelRule = (state, node) => {
  const x = state.inputSpace(node, 0);
  const weight = resolveInputWeight(state, node, 1);
  const w = weight?.shape;
  if (!isMatrix(w) || !weight || node.attributes.int('transA', 0)) {
    return refuse(
      state,
      node,
      x,
      weight ? { why: 'has a transposed or unknown-shaped input' } : computedWeight(state, node),
    );
  }
  const transB = node.attributes.int('transB', 0) === 1;
  const [outAxis, inAxis] = transB ? [0, 1] : [1, 0];
  const n = w[outAxis] as number;
  const y = state.define(node.outputs[0], 1, n, node);
  state.root(node, y);
  state.member(y, {
    node: node.name,
    tensor: weight.tensor,
    axis: outAxis,
    source: weight.source,
    kind: 'weight-out',
    label: 'weight (out features)',
  });
  const bias = resolveInputWeight(state, node, 2);
  const biasShape = state.fact(node.inputs[2])?.shape;
  if (!bias && biasShape && biasShape[biasShape.length - 1] === n && n > 1)
    state.lock(y, `${describe(node)} has a bias computed at run time`);
  if (bias && biasShape && biasShape[biasShape.length - 1] === n && n > 1) {
    state.member(y, {
      node: node.name,
      tensor: bias.tensor,
      axis: biasShape.length - 1,
      source: bias.source,
      kind: 'bias',
      label: 'bias',
    });
  }
  if (x) {
    if (x.axis !== 1 || x.size !== w[inAxis]) {
      state.lock(
        x,
        `${describe(node)} reads ${w[inAxis]} features but its input carries ${x.size} channels on axis ${x.axis}`,
      );
    } else {
      state.member(x, {
        node: node.name,
        tensor: weight.tensor,
        axis: inAxis,
        source: weight.source,
        kind: 'weight-in',
        label: 'weight (in features)',
      });
    }
  }
};

/** MatMul with a 2-D weight as its second input: like Gemm, on the last axis. */
const matmul: ChannelRule = (state, node) => {
  const x = state.inputSpace(node, 0);
  const weight = resolveInputWeight(state, node, 1);
  const w = weight?.shape;
  const rank = state.fact(node.inputs[0])?.shape?.length;
  if (!weight && batchedProduct(state, node)) return;
  if (!isMatrix(w) || !weight || rank === undefined || rank < 2) {
    return refuse(
      state,
      node,
      x,
      weight ? { why: 'has shapes this tool does not follow' } : computedWeight(state, node),
    );
  }
  const y = state.define(node.outputs[0], rank - 1, w[1], node);
  state.root(node, y);
  state.member(y, {
    node: node.name,
    tensor: weight.tensor,
    axis: 1,
    source: weight.source,
    kind: 'weight-out',
    label: 'weight (out features)',
  });
  if (x) {
    if (x.axis !== rank - 1 || x.size !== w[0])
      state.lock(x, `${describe(node)} reads features on its last axis, not the channels`);
    else
      state.member(x, {
        node: node.name,
        tensor: weight.tensor,
        axis: 0,
        source: weight.source,
        kind: 'weight-in',
        label: 'weight (in features)',
      });
  }
};

/**
 * A MatMul of two computed values whose channels are on a batch axis (not one of the last two, which the
 * product contracts): attention's scores Q·Kᵀ and its context P·V, per head. Batch entry h of the output is
 * the product of entry h of each input, so their channels couple one to one and pass through. An input
 * without channels must have size 1 on that axis (broadcast). False, doing nothing, for any other product.
 */
function batchedProduct(state: ChannelState, node: NodeView): boolean {
  const [a, b] = [state.space(node.inputs[0]), state.space(node.inputs[1])];
  const carrier = a ?? b;
  const shapes = [node.inputs[0], node.inputs[1], node.outputs[0]].map((v) => state.fact(v)?.shape);
  if (!carrier || shapes.some((s) => s === undefined)) return false;
  const rank = shapes[2]!.length;
  if (shapes.some((s) => s!.length !== rank) || carrier.axis >= rank - 2) return false;
  for (const [i, space] of [a, b].entries()) {
    if (space ? space.axis !== carrier.axis || space.size !== carrier.size : shapes[i]![carrier.axis] !== 1)
      return false;
  }
  const y = state.define(node.outputs[0], carrier.axis, carrier.size, node);
  if (a) state.identity(a, y);
  if (b) state.identity(b, y);
  return true;
}

/** Ops that only rearrange a constant: a weight made by one of them at run time folds into an initializer. */
const REARRANGES = new Set(['Reshape', 'Transpose', 'Flatten', 'Squeeze', 'Unsqueeze', 'Cast']);

/**
 * Why a product whose second input is no constant is refused. A weight that is a constant rearranged at run
 * time (ONNX Runtime's MNIST reshapes its classifier's [16, 4, 4, 10] weight to [256, 10]) is named with what
 * makes it prunable: folding it into an initializer, which constant folding (onnxsim, ONNX Runtime's offline
 * optimisation) does.
 */
function computedWeight(state: ChannelState, node: NodeView): Refusal {
  const value = node.inputs[1];
  const producer = value ? state.graph.producer(value) : undefined;
  if (producer && producer.domain === '' && REARRANGES.has(producer.opType)) {
    const constant = resolveWeightSource(state, producer.inputs[0]);
    if (constant) {
      const why = `takes its weight from ${producer.opType} '${producer.name}' of the constant '${constant.tensor}' at run time (fold it into an initializer, as constant folding does, to prune through it)`;
      // Only the shape changes: the fix writes the initializer itself (fixModel, PR001).
      const fold = foldableWeight(state, value);
      return fold ? { why, fixes: [foldFix('PR001', fold)] } : { why };
    }
  }
  return { why: 'multiplies two computed values' };
}

/** Why a product is refused, and the fixes its finding offers. */
interface Refusal {
  why: string;
  fixes?: RawFinding['fixes'];
}

function isMatrix(w: Dim[] | undefined): w is [number, number] {
  return w !== undefined && w.length === 2 && typeof w[0] === 'number' && typeof w[1] === 'number';
}

/** A Gemm/MatMul this tool does not follow: the channels reaching it are locked (none: nothing to say). */
function refuse(state: ChannelState, node: NodeView, x: ChannelSpace | undefined, refusal: Refusal): void {
  if (!x) return;
  const reason = `${describe(node)} ${refusal.why}`;
  state.finding({
    code: 'PR001',
    message: `${reason}: the groups it touches are locked.`,
    node: node.name,
    space: x,
    ...(refusal.fixes ? { fixes: refusal.fixes } : {}),
  });
  lockInputs(state, node, reason);
}

export const LINEAR_OPS: OpFamily = {
  domain: '',
  ops: [
    ['Gemm', { shape: SHAPES.gemm, channels: gemm, macs: gemmMacs }],
    ['MatMul', { shape: SHAPES.matmul, channels: matmul, macs: matmulMacs(0) }],
    // Quantised products are not followed (their channels lock); their MACs count as the float ones'.
    ['MatMulInteger', { shape: SHAPES.declaredOnly, macs: matmulMacs(0) }],
    ['QLinearMatMul', { shape: SHAPES.declaredOnly, macs: matmulMacs(0) }],
  ],
};
