import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Long from 'long';
import type { onnx } from '../../../src/core/onnx/proto/onnx.js';
import { analyzeProto, codes, groupOf } from '../../support/analysis';
import { floatTensor, tensorInfo } from '../../support/minimalModels';

type Attr = number | number[] | string;
interface Spec {
  op: string;
  in: string[];
  out: string[];
  attrs?: Record<string, Attr>;
  domain?: string;
  name?: string;
  graph?: onnx.GraphProto.$Properties;
}

function attribute(name: string, value: Attr): onnx.AttributeProto.$Properties {
  if (typeof value === 'string') return { name, type: 3, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: 7, ints: value.map((v) => Long.fromNumber(v)) };
  return Number.isInteger(value) ? { name, type: 2, i: Long.fromNumber(value) } : { name, type: 1, f: value };
}

/** A model from node specs; `weights` are float initializers by name and dims, `ints` are int64 ones. */
function model(
  nodes: Spec[],
  weights: Record<string, number[]>,
  options: {
    input?: (number | string)[];
    opset?: number;
    ints?: Record<string, number[]>;
    outputs?: string[];
  } = {},
): onnx.ModelProto.$Properties {
  const ints = Object.entries(options.ints ?? {}).map(([name, values]) => ({
    name,
    data_type: 7,
    dims: [Long.fromNumber(values.length)],
    raw_data: new Uint8Array(new BigInt64Array(values.map(BigInt)).buffer),
  }));
  const last = nodes[nodes.length - 1].out[0];
  return {
    ir_version: Long.fromNumber(8),
    opset_import: [{ domain: '', version: Long.fromNumber(options.opset ?? 17) }],
    graph: {
      name: 'g',
      node: nodes.map((n, i) => ({
        op_type: n.op,
        name: n.name ?? `/${n.op.toLowerCase()}${i}`,
        input: n.in,
        output: n.out,
        domain: n.domain,
        attribute: [
          ...Object.entries(n.attrs ?? {}).map(([k, v]) => attribute(k, v)),
          ...(n.graph ? [{ name: 'then_branch', type: 5, g: n.graph }] : []),
        ],
      })),
      initializer: [...Object.entries(weights).map(([name, dims]) => floatTensor(name, dims)), ...ints],
      input: [tensorInfo('x', options.input ?? [1, 3, 8, 8])],
      output: (options.outputs ?? [last]).map((name) => ({ name })),
    },
  };
}

const conv = (name: string, x: string, y: string, w: string): Spec => ({
  op: 'Conv',
  name,
  in: [x, w],
  out: [y],
  attrs: { kernel_shape: [1, 1] },
});

/** conv a (3→8) → OP → conv b (8→4): whether OP lets a's channels be pruned. */
function around(
  middle: Spec[],
  extra: Record<string, number[]> = {},
  options: Parameters<typeof model>[2] = {},
) {
  const nodes = [
    conv('/a', 'x', 'a', 'wa'),
    ...middle,
    conv('/b', middle.length ? middle[middle.length - 1].out[0] : 'a', 'y', 'wb'),
  ];
  return analyzeProto(model(nodes, { wa: [8, 3, 1, 1], wb: [4, 8, 1, 1], ...extra }, options));
}

describe('channel rules', () => {
  test('a product whose weight is a constant reshaped at run time is locked, and says folding it prunes through', () => {
    // ONNX Runtime's MNIST: Flatten → MatMul whose weight is Reshape(initializer [16, 4, 4, 10], [256, 10]).
    const nodes = (weight: string): Spec[] => [
      conv('/a', 'x', 'a', 'wa'),
      { op: 'Flatten', in: ['a'], out: ['f'] },
      { op: 'MatMul', name: '/fc', in: ['f', weight], out: ['y'] },
    ];
    const reshaped = analyzeProto(
      model(
        [{ op: 'Reshape', name: '/w_reshape', in: ['w4d', 'shape'], out: ['w'] }, ...nodes('w')],
        { wa: [8, 3, 1, 1], w4d: [8, 8, 8, 2] },
        { ints: { shape: [512, 2] } },
      ),
    );
    const group = groupOf(reshaped, '/a');
    assert.equal(group.prunable, false);
    const why =
      "MatMul '/fc' takes its weight from Reshape '/w_reshape' of the constant 'w4d' at run time (fold it into an initializer, as constant folding does, to prune through it)";
    assert.equal(group.locked, why);
    assert.ok(reshaped.report.diagnostics.some((d) => d.code === 'PR001' && d.message.startsWith(why)));
    // Folded into an initializer, the same product prunes through.
    const folded = analyzeProto(model(nodes('w'), { wa: [8, 3, 1, 1], w: [512, 2] }));
    assert.ok(groupOf(folded, '/a').prunable);
    // Two computed values are still said to be that.
    const product = analyzeProto(model(nodes('a2'), { wa: [8, 3, 1, 1] }, { outputs: ['y'] }));
    assert.equal(groupOf(product, '/a').locked, "MatMul '/fc' multiplies two computed values");
  });

  test('InstanceNormalization slices scale and bias', () => {
    const a = around([{ op: 'InstanceNormalization', in: ['a', 's', 'b'], out: ['n'] }], { s: [8], b: [8] });
    const g = groupOf(a, '/a');
    assert.ok(g.prunable);
    assert.deepEqual(
      g.members.filter((m) => m.role === 'scale' || m.role === 'bias').map((m) => m.tensor),
      ['s', 'b'],
    );
  });

  test('GroupNormalization (opset 21): a whole group of C/G channels goes together', () => {
    const a = around(
      [{ op: 'GroupNormalization', in: ['a', 's', 'b'], out: ['n'], attrs: { num_groups: 2 } }],
      { s: [8], b: [8] },
      { opset: 21 },
    );
    assert.equal(groupOf(a, '/a').unit, 4);
    assert.ok(groupOf(a, '/a').prunable);
  });

  test('GroupNormalization before opset 21 (per-group scale) is locked', () => {
    const a = around(
      [{ op: 'GroupNormalization', in: ['a', 's', 'b'], out: ['n'], attrs: { num_groups: 2 } }],
      { s: [2], b: [2] },
      { opset: 18 },
    );
    assert.equal(groupOf(a, '/a').prunable, false);
  });

  test('LayerNormalization over the channels locks (PR004); over the last axis passes through', () => {
    const over = around([{ op: 'LayerNormalization', in: ['a', 's'], out: ['n'], attrs: { axis: 1 } }], {
      s: [8, 8, 8],
    });
    assert.equal(groupOf(over, '/a').prunable, false);
    assert.ok(codes(over).includes('PR004'));
    const last = around([{ op: 'LayerNormalization', in: ['a', 's'], out: ['n'], attrs: { axis: -1 } }], {
      s: [8],
    });
    assert.ok(groupOf(last, '/a').prunable);
  });

  test('Softmax over the channel axis locks; over another axis passes through', () => {
    assert.equal(
      groupOf(around([{ op: 'Softmax', in: ['a'], out: ['s'], attrs: { axis: 1 } }]), '/a').prunable,
      false,
    );
    assert.ok(
      groupOf(around([{ op: 'Softmax', in: ['a'], out: ['s'], attrs: { axis: -1 } }]), '/a').prunable,
    );
  });

  test('LRN mixes neighbouring channels: locked', () => {
    assert.equal(
      groupOf(around([{ op: 'LRN', in: ['a'], out: ['l'], attrs: { size: 3 } }]), '/a').prunable,
      false,
    );
  });

  test('Pad passes channels through unless it pads the channel axis', () => {
    const spatial = around(
      [{ op: 'Pad', in: ['a', 'pads'], out: ['p'] }],
      {},
      { ints: { pads: [0, 0, 1, 1, 0, 0, 1, 1] } },
    );
    assert.ok(groupOf(spatial, '/a').prunable);
    const channels = around(
      [{ op: 'Pad', in: ['a', 'pads'], out: ['p'] }],
      {},
      { ints: { pads: [0, 1, 0, 0, 0, 1, 0, 0] } },
    );
    assert.equal(groupOf(channels, '/a').prunable, false);
  });

  test('Transpose to NHWC and back keeps the channels coupled (tf2onnx layout)', () => {
    const a = around([
      { op: 'Transpose', in: ['a'], out: ['t'], attrs: { perm: [0, 2, 3, 1] } },
      { op: 'Relu', in: ['t'], out: ['r'] },
      { op: 'Transpose', in: ['r'], out: ['u'], attrs: { perm: [0, 3, 1, 2] } },
    ]);
    const g = groupOf(a, '/a');
    assert.ok(g.prunable);
    assert.ok(g.members.some((m) => m.tensor === 'wb' && m.axis === 1));
  });

  test('Slice of the channel axis with a step locks; a plain channel Slice keeps the kept channels', () => {
    const stepped = around(
      [{ op: 'Slice', in: ['a', 'st', 'en', 'ax', 'sp'], out: ['s'] }],
      {},
      { ints: { st: [0], en: [8], ax: [1], sp: [2] } },
    );
    assert.equal(groupOf(stepped, '/a').prunable, false);
  });

  test('Concat along a spatial axis couples the inputs channel by channel', () => {
    const nodes: Spec[] = [
      conv('/a', 'x', 'a', 'wa'),
      conv('/c', 'x', 'c', 'wc'),
      { op: 'Concat', in: ['a', 'c'], out: ['k'], attrs: { axis: 2 } },
      conv('/b', 'k', 'y', 'wb'),
    ];
    const a = analyzeProto(model(nodes, { wa: [8, 3, 1, 1], wc: [8, 3, 1, 1], wb: [4, 8, 1, 1] }));
    assert.deepEqual(groupOf(a, '/a').roots, ['/a', '/c']);
  });

  test('Sum of three convs is one group', () => {
    const nodes: Spec[] = [
      conv('/a', 'x', 'a', 'wa'),
      conv('/c', 'x', 'c', 'wc'),
      conv('/d', 'x', 'd', 'wd'),
      { op: 'Sum', in: ['a', 'c', 'd'], out: ['s'] },
      conv('/b', 's', 'y', 'wb'),
    ];
    const a = analyzeProto(
      model(nodes, { wa: [8, 3, 1, 1], wc: [8, 3, 1, 1], wd: [8, 3, 1, 1], wb: [4, 8, 1, 1] }),
    );
    assert.deepEqual(groupOf(a, '/a').roots, ['/a', '/c', '/d']);
  });

  test('Gemm without transB slices its weight on axis 1 (out) and 0 (in)', () => {
    const nodes: Spec[] = [
      { op: 'Gemm', name: '/fc1', in: ['x', 'w1', 'b1'], out: ['h'] },
      { op: 'Gemm', name: '/fc2', in: ['h', 'w2'], out: ['y'] },
    ];
    const a = analyzeProto(model(nodes, { w1: [6, 10], b1: [10], w2: [10, 3] }, { input: [2, 6] }));
    const g = groupOf(a, '/fc1');
    assert.deepEqual(
      g.members.map((m) => `${m.tensor}:${m.axis}`),
      ['w1:1', 'b1:0', 'w2:0'],
    );
  });

  test('ConvTranspose slices its weight on axis 1 (out) and the next one on axis 0 (in)', () => {
    const nodes: Spec[] = [
      {
        op: 'ConvTranspose',
        name: '/up',
        in: ['x', 'w1'],
        out: ['u'],
        attrs: { kernel_shape: [2, 2], strides: [2, 2] },
      },
      {
        op: 'ConvTranspose',
        name: '/up2',
        in: ['u', 'w2'],
        out: ['y'],
        attrs: { kernel_shape: [2, 2], strides: [2, 2] },
      },
    ];
    const a = analyzeProto(model(nodes, { w1: [3, 6, 2, 2], w2: [6, 2, 2, 2] }));
    assert.deepEqual(
      groupOf(a, '/up').members.map((m) => `${m.tensor}:${m.axis}`),
      ['w1:1', 'w2:0'],
    );
  });

  test('a per-axis DequantizeLinear weight slices the quantised weight, its scales and zero points', () => {
    const nodes: Spec[] = [
      { op: 'DequantizeLinear', in: ['wq', 'ws', 'wz'], out: ['wa'], attrs: { axis: 0 } },
      conv('/a', 'x', 'a', 'wa'),
      conv('/b', 'a', 'y', 'wb'),
    ];
    const proto = model(nodes, { wq: [8, 3, 1, 1], ws: [8], wz: [8], wb: [4, 8, 1, 1] });
    const g = groupOf(analyzeProto(proto), '/a');
    assert.deepEqual(
      g.members.filter((m) => m.axis === 0).map((m) => m.tensor),
      ['wq', 'ws', 'wz'],
    );
  });

  test('QLinearConv is locked, not guessed at', () => {
    const a = around([{ op: 'QLinearConv', in: ['a', 's', 'z', 'w', 's', 'z', 's', 'z'], out: ['q'] }], {
      s: [1],
      z: [1],
      w: [8, 8, 1, 1],
    });
    assert.equal(groupOf(a, '/a').prunable, false);
    assert.ok(codes(a).includes('PR001'));
  });

  test('Gather on the channel axis has no rule: locked', () => {
    const a = around(
      [{ op: 'Gather', in: ['a', 'idx'], out: ['g'], attrs: { axis: 1 } }],
      {},
      { ints: { idx: [0, 1, 2, 3, 4, 5, 6, 7] } },
    );
    assert.equal(groupOf(a, '/a').prunable, false);
  });

  test('per-axis Quantize/DequantizeLinear on activations: the scale is sliced only when its axis is the channel axis', () => {
    // x is [1, 3, 8, 8]: a's output is [1, 8, 8, 8], so a scale of 8 fits the channel axis and axis 2 alike.
    const qdq = (axis: number): Spec[] => [
      { op: 'QuantizeLinear', in: ['a', 'qs'], out: ['q'], attrs: { axis } },
      { op: 'DequantizeLinear', in: ['q', 'ds'], out: ['d'], attrs: { axis } },
    ];
    const scales = (a: ReturnType<typeof around>) =>
      groupOf(a, '/a')
        .members.filter((m) => m.tensor === 'qs' || m.tensor === 'ds')
        .map((m) => m.tensor);
    for (const axis of [1, -3]) {
      const a = around(qdq(axis), { qs: [8], ds: [8] });
      assert.ok(groupOf(a, '/a').prunable, `axis ${axis}`);
      assert.deepEqual(scales(a), ['qs', 'ds'], `axis ${axis}`);
    }
    for (const axis of [2, -1]) {
      const a = around(qdq(axis), { qs: [8], ds: [8] });
      assert.deepEqual(scales(a), [], `axis ${axis}: a scale along the rows is not the channels'`);
    }
  });

  test('values used inside an If subgraph are locked', () => {
    const then: onnx.GraphProto.$Properties = {
      name: 'then',
      node: [{ op_type: 'Relu', input: ['a'], output: ['t'] }],
      output: [{ name: 't' }],
    };
    const nodes: Spec[] = [
      conv('/a', 'x', 'a', 'wa'),
      { op: 'If', in: ['cond'], out: ['o'], graph: then },
      conv('/b', 'a', 'y', 'wb'),
    ];
    const proto = model(nodes, { wa: [8, 3, 1, 1], wb: [4, 8, 1, 1], cond: [1] }, { outputs: ['y', 'o'] });
    const a = analyzeProto(proto);
    assert.equal(groupOf(a, '/a').prunable, false);
    assert.match(groupOf(a, '/a').locked ?? '', /inside a subgraph/);
  });
});
