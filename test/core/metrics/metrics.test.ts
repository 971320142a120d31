// Parameters and MACs against counts worked out by hand from each fixture's layers (the convention is in
// src/core/metrics/macs.ts: Conv = output elements × Cin/group × kernel, + one add per output for a bias).
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import Long from 'long';
import { summarizeModel } from '../../../src/core/inspect/summary';
import { computeMetrics } from '../../../src/core/metrics/metrics';
import { ModelView } from '../../../src/core/onnx/modelView';
import { onnx } from '../../../src/core/onnx/proto/onnx.js';
import { openModel, openModelBytes } from '../../../src/core/onnx/reader';
import { FIXTURE_NAMES, buildFixture, type FixtureName } from '../../builder';

function metricsOf(name: FixtureName, inputShapes?: Record<string, number[]>) {
  return computeMetrics(new ModelView(openModelBytes(buildFixture(name).bytes)), { inputShapes });
}

function macsByNode(name: FixtureName): Record<string, number | null> {
  return Object.fromEntries(
    metricsOf(name)
      .nodes.filter((n) => n.macs !== 0)
      .map((n) => [n.node, n.macs]),
  );
}

/** plain-chain with the input's spatial dims made symbolic ('H', 'W'). */
function symbolicSpatialChain(): ModelView {
  const model = structuredClone(buildFixture('plain-chain').model) as onnx.ModelProto.$Properties;
  const dims = model.graph!.input![0].type!.tensor_type!.shape!.dim!;
  dims[2] = { dim_param: 'H' };
  dims[3] = { dim_param: 'W' };
  model.ir_version = Long.fromNumber(8);
  return new ModelView(openModelBytes(onnx.ModelProto.encode(model).finish()));
}

describe('MACs per node', () => {
  test('plain convs: output elements × Cin × kernel, plus the bias adds', () => {
    assert.deepEqual(macsByNode('plain-chain'), {
      '/conv1/Conv': 64 * 8 * (3 * 9 + 1),
      '/conv2/Conv': 64 * 16 * (8 * 9 + 1),
      '/conv3/Conv': 64 * 4 * (16 * 9 + 1),
    });
    assert.equal(metricsOf('plain-chain').macs, 14_336 + 74_752 + 37_120);
  });

  test('grouped and depthwise convs count Cin / group per output', () => {
    assert.deepEqual(macsByNode('grouped-conv'), {
      '/conv1/Conv': 64 * 12 * (3 * 9 + 1),
      '/group3/Conv': 64 * 12 * ((12 / 3) * 9 + 1),
      '/group4/Conv': 64 * 8 * ((12 / 4) * 9 + 1),
      '/conv2/Conv': 64 * 4 * (8 * 9 + 1),
    });
    assert.deepEqual(macsByNode('depthwise'), {
      '/expand/Conv': 64 * 12 * (4 + 1),
      '/depthwise/Conv': 64 * 12 * (9 + 1),
      '/depthwise_x2/Conv': 16 * 24 * (9 + 1), // stride 2: 4 × 4 outputs, 2 outputs per input channel
      '/project/Conv': 16 * 6 * (24 + 1),
    });
  });

  test('ConvTranspose counts per input element (the work done), plus the bias adds', () => {
    assert.deepEqual(macsByNode('conv-transpose'), {
      '/conv1/Conv': 16 * 8 * (3 * 9 + 1),
      '/up1/ConvTranspose': 8 * 16 * (6 * 16) + 6 * 64, // 8×4×4 in, [8, 6, 4, 4] weight; 6×8×8 out
      '/up2/ConvTranspose': 6 * 64 * (2 * 9), // group 2: [6, 2, 3, 3]; no bias
      '/conv2/Conv': 256 * 3 * (4 * 9 + 1),
    });
  });

  test('Gemm is M × K × N plus the bias; MatMul is output elements × K, its Add counts 0', () => {
    assert.deepEqual(macsByNode('flatten-gemm'), {
      '/features/Conv': 64 * 16 * (3 * 9 + 1),
      '/classifier/fc1/Gemm': 16 * 12 + 12,
      '/classifier/fc2/Gemm': 12 * 5 + 5,
    });
    assert.deepEqual(macsByNode('matmul'), {
      '/embed/Conv': 16 * 8 * (3 * 9 + 1),
      '/proj/MatMul': 16 * 6 * 8, // [1, 16, 8] × [8, 6]
    });
  });

  test('element-wise ops, activations, pools and pixel shuffles count 0', () => {
    const metrics = metricsOf('x4-two-stages');
    for (const node of metrics.nodes) {
      if (!['Conv', 'ConvTranspose', 'Gemm', 'MatMul'].includes(node.opType))
        assert.equal(node.macs, 0, node.node);
    }
  });
});

describe('MACs and symbolic dims', () => {
  const sample = () => new ModelView(openModel(resolve('media/sample/edsr-x4.onnx')));

  test('a symbolic batch counts as 1; concrete input shapes scale the count', () => {
    const symbolic = computeMetrics(sample());
    assert.deepEqual(symbolic.uncounted, []);
    assert.equal(computeMetrics(sample(), { inputShapes: { input: [1, 3, 32, 32] } }).macs, symbolic.macs);
    assert.equal(
      computeMetrics(sample(), { inputShapes: { input: [2, 3, 32, 32] } }).macs,
      2 * symbolic.macs,
    );
    assert.equal(
      computeMetrics(sample(), { inputShapes: { input: [1, 3, 64, 64] } }).macs,
      4 * symbolic.macs,
    );
  });

  test('symbolic spatial dims leave the convs uncounted, until the input shape is given', () => {
    const metrics = computeMetrics(symbolicSpatialChain());
    // conv3 writes the graph output, whose declared shape [1, 4, 8, 8] is fixed: it still counts.
    assert.deepEqual(metrics.uncounted, ['/conv1/Conv', '/conv2/Conv']);
    assert.equal(metrics.macs, 64 * 4 * (16 * 9 + 1));
    assert.equal(metrics.nodes.find((n) => n.node === '/conv1/Conv')?.macs, null);
    const given = computeMetrics(symbolicSpatialChain(), { inputShapes: { input: [1, 3, 8, 8] } });
    assert.deepEqual(given.uncounted, []);
    assert.equal(given.macs, metricsOf('plain-chain').macs);
  });
  test('an input named like an Object.prototype property takes no shape from the prototype', () => {
    // The spatial chain with its input called `constructor`: input shapes given for no input (or for it by
    // name) read only what the caller gave, never Object.prototype.constructor (which once threw here).
    const model = structuredClone(buildFixture('plain-chain').model) as onnx.ModelProto.$Properties;
    const graph = model.graph!;
    graph.input![0].name = 'constructor';
    for (const node of graph.node!) node.input = node.input!.map((i) => (i === 'input' ? 'constructor' : i));
    const dims = graph.input![0].type!.tensor_type!.shape!.dim!;
    dims[2] = { dim_param: 'H' };
    dims[3] = { dim_param: 'W' };
    model.ir_version = Long.fromNumber(8);
    const view = () => new ModelView(openModelBytes(onnx.ModelProto.encode(model).finish()));
    assert.deepEqual(computeMetrics(view(), { inputShapes: {} }).uncounted, ['/conv1/Conv', '/conv2/Conv']);
    const given = computeMetrics(view(), { inputShapes: { constructor: [1, 3, 8, 8] } });
    assert.deepEqual(given.uncounted, []);
    assert.equal(given.macs, 14_336 + 74_752 + 37_120);
  });
});

describe('parameters', () => {
  test('per node: the floating-point weights it reads', () => {
    const nodes = metricsOf('conv-bn-relu').nodes;
    assert.equal(nodes.find((n) => n.node === '/conv1/Conv')?.params, 8 * 3 * 9, 'no bias');
    const bn = nodes.filter((n) => n.opType === 'BatchNormalization');
    assert.deepEqual(
      bn.map((n) => n.params),
      [4 * 8, 4 * 12],
      'scale, bias, mean, variance',
    );
    const fromConstant = metricsOf('constant-node-weight').nodes.find((n) => n.node === '/conv1/Conv');
    assert.equal(fromConstant?.params, 8 * 3 * 9 + 8, 'a weight held in a Constant node counts too');
  });

  test('in total: the same count as inspect, on every fixture', () => {
    for (const name of FIXTURE_NAMES) {
      const view = new ModelView(openModelBytes(buildFixture(name).bytes));
      assert.equal(computeMetrics(view).parameters, summarizeModel(view).parameters, name);
    }
  });
});
