// What the builder writes into the file: names, opset-dependent encodings, tensor storage, metadata.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { onnx } from '../../src/core/onnx/proto/onnx.js';
import { FIXTURES } from './fixtures';
import {
  attributeOf,
  declaredDims,
  decodeModel,
  externalEntries,
  intAttribute,
  intsAttribute,
  stringAttribute,
  toNumber,
} from './inspect';
import { ModelBuilder } from './model-builder';
import { runBuilt } from './runtime';

describe('names', () => {
  test('explicit names give torch-like node, output and parameter names', () => {
    const { graph } = decodeModel(FIXTURES['plain-chain']().bytes);
    assert.deepEqual(
      graph.node.map((n) => n.name),
      ['/conv1/Conv', '/Relu', '/conv2/Conv', '/Relu_1', '/conv3/Conv'],
    );
    assert.deepEqual(graph.node[0].input, ['input', 'conv1.weight', 'conv1.bias']);
    assert.deepEqual(graph.node[0].output, ['/conv1/Conv_output_0']);
    assert.deepEqual(
      graph.output.map((o) => o.name),
      ['output'],
    );
  });

  test('default names are exporter-like and unique; nested scopes give dotted parameter names', () => {
    const b = new ModelBuilder();
    const x = b.input('x', [1, 3, 8, 8]);
    const y = b.conv(b.conv(x, 4), 4, { name: '/layer1/layer1.0/conv1/Conv' });
    b.output(b.batchNorm(b.relu(b.relu(y))));
    const { graph } = decodeModel(b.build().bytes);
    assert.deepEqual(
      graph.node.map((n) => n.name),
      ['/conv1/Conv', '/layer1/layer1.0/conv1/Conv', '/Relu', '/Relu_1', '/bn1/BatchNormalization'],
    );
    assert.deepEqual(
      graph.initializer.map((t) => t.name),
      [
        'conv1.weight',
        'conv1.bias',
        'layer1.0.conv1.weight',
        'layer1.0.conv1.bias',
        'bn1.weight',
        'bn1.bias',
        'bn1.running_mean',
        'bn1.running_var',
      ],
    );
  });

  test('weights depend on the seed and the tensor name only', () => {
    const weightOf = (seed: number, extraLayerFirst: boolean) => {
      const b = new ModelBuilder({ seed });
      let x = b.input('x', [1, 3, 8, 8]);
      if (extraLayerFirst) x = b.conv(x, 3, { name: '/extra/Conv' });
      b.output(b.conv(x, 4, { name: '/conv1/Conv' }));
      return decodeModel(b.build().bytes).graph.initializer.find((t) => t.name === 'conv1.weight')?.raw_data;
    };
    assert.deepEqual(weightOf(1, false), weightOf(1, true));
    assert.notDeepEqual(weightOf(1, false), weightOf(2, false));
  });

  test('output() renames an unread value in place, and reroutes a value already read through an Identity', async () => {
    const b = new ModelBuilder();
    const x = b.input('x', [1, 3, 4, 4]);
    const features = b.relu(b.conv(x, 4, { kernel: 1 }));
    b.output(features, 'features');
    const gate = b.sigmoid(features);
    const gated = b.mul(features, gate);
    b.output(gate, 'gate');
    b.output(gated, 'gated');
    b.output(b.identity(gated), 'copy');
    const built = b.build();
    const { graph } = decodeModel(built.bytes);
    assert.deepEqual(
      graph.node.map((n) => [n.op_type, n.input[0], n.output[0]]),
      [
        ['Conv', 'x', '/conv1/Conv_output_0'],
        ['Relu', '/conv1/Conv_output_0', 'features'],
        ['Sigmoid', 'features', '/Sigmoid_output_0'],
        ['Mul', 'features', 'gated'],
        ['Identity', '/Sigmoid_output_0', 'gate'],
        ['Identity', 'gated', 'copy'],
      ],
    );
    const results = await runBuilt(built);
    assert.deepEqual(Object.keys(results).sort(), ['copy', 'features', 'gate', 'gated']);
    assert.deepEqual(results.copy.data, results.gated.data);
  });

  test('misuse is reported', () => {
    const b = new ModelBuilder();
    const x = b.input('x', [1, 6, 4, 4]);
    assert.throws(() => b.conv(x, 4, { group: 4 }), /group 4/);
    b.conv(x, 4, { kernel: 1, name: '/c/Conv' });
    assert.throws(() => b.conv(x, 4, { kernel: 1, name: '/c/Conv' }), /duplicate node name/);
    assert.throws(() => b.depthToSpace(x, 2), /6 channels/);
    assert.throws(() => new ModelBuilder({ opset: 9 }).depthToSpace(x, 2, { mode: 'CRD' }), /opset >= 11/);
    assert.throws(() => b.build(), /no outputs/);
    b.output(x);
    assert.throws(() => b.build({ typedFields: ['no.such.tensor'] }), /no tensor named no.such.tensor/);
  });
});

describe('opset-dependent encodings', () => {
  const splitNode = (opset: number, sizes: number[] | number) => {
    const b = new ModelBuilder({ opset });
    b.split(b.input('x', [1, 6, 2, 2]), sizes).forEach((v) => b.output(v));
    return decodeModel(b.build().bytes).graph.node[0];
  };

  test('Split: sizes as an input from opset 13, as an attribute before, num_outputs from 18', () => {
    assert.equal(splitNode(13, [2, 4]).input.length, 2);
    assert.equal(attributeOf(splitNode(13, [2, 4]), 'split'), undefined);
    assert.deepEqual(intsAttribute(splitNode(11, [2, 4]), 'split'), [2, 4]);
    assert.equal(intAttribute(splitNode(18, 3), 'num_outputs'), 3);
    assert.equal(attributeOf(splitNode(13, 3), 'num_outputs'), undefined);
  });

  test('DepthToSpace writes mode only when asked', () => {
    const modes = (name: 'd2s-crd' | 'd2s-dcr' | 'd2s-nomode') =>
      decodeModel(FIXTURES[name]().bytes)
        .graph.node.filter((n) => n.op_type === 'DepthToSpace')
        .map((n) => stringAttribute(n, 'mode'));
    assert.deepEqual(modes('d2s-crd'), ['CRD']);
    assert.deepEqual(modes('d2s-dcr'), ['DCR']);
    assert.deepEqual(modes('d2s-nomode'), [undefined]);
  });

  test('dynamic pixel shuffles compute their targets from Shape instead of initializers', () => {
    const { graph } = decodeModel(FIXTURES['rtr-crd-dynamic']().bytes);
    const ops = new Set(graph.node.map((n) => n.op_type));
    for (const op of [
      'Shape',
      'Gather',
      'Div',
      'Mul',
      'Unsqueeze',
      'Concat',
      'Reshape',
      'Transpose',
      'Constant',
    ]) {
      assert.ok(ops.has(op), op);
    }
    const transpose = graph.node.find((n) => n.op_type === 'Transpose');
    assert.deepEqual(transpose && intsAttribute(transpose, 'perm'), [0, 1, 4, 2, 5, 3]);
    assert.ok(graph.initializer.every((t) => t.data_type === onnx.TensorProto.DataType.FLOAT));
  });
});

describe('tensor storage', () => {
  test('raw_data by default', () => {
    for (const t of decodeModel(FIXTURES['inline-storage']().bytes).graph.initializer) {
      assert.ok(t.raw_data.length > 0 && t.float_data.length === 0 && t.int64_data.length === 0, t.name);
    }
  });

  test('typed fields for the tensors asked for', () => {
    const { graph } = decodeModel(FIXTURES['typed-fields']().bytes);
    const byName = new Map(graph.initializer.map((t) => [t.name, t]));
    assert.equal(byName.get('conv1.weight')?.float_data.length, 16 * 3 * 9);
    assert.equal(byName.get('conv1.weight')?.raw_data.length, 0);
    assert.deepEqual(byName.get('shuffle.shape')?.int64_data.map(toNumber), [-1, 2, 8, 8, 8]);
    assert.equal(byName.get('conv1.bias')?.raw_data.length, 16 * 4);
  });

  test('external data: large initializers point into the side file, back to back', () => {
    const built = FIXTURES['external-data']();
    const file = built.files['external-data.onnx.data'];
    let expectedOffset = 0;
    const moved: string[] = [];
    for (const t of decodeModel(built.bytes).graph.initializer) {
      if (t.data_location !== onnx.TensorProto.DataLocation.EXTERNAL) {
        assert.ok(t.raw_data.length < 1024, `${t.name} should be inline`);
        continue;
      }
      const entries = externalEntries(t);
      assert.equal(entries.location, 'external-data.onnx.data');
      assert.equal(Number(entries.offset), expectedOffset);
      assert.equal(t.raw_data.length, 0);
      expectedOffset += Number(entries.length);
      moved.push(t.name);
    }
    assert.deepEqual(moved, ['conv1.weight', 'conv2.weight', 'conv3.weight']);
    assert.equal(expectedOffset, (16 * 3 + 16 * 16 + 4 * 16) * 9 * 4);
    assert.equal(file.length, expectedOffset);
  });

  test('external data offsets honour the alignment option', () => {
    const b = new ModelBuilder();
    b.output(b.conv(b.conv(b.input('x', [1, 3, 4, 4]), 16, { kernel: 1 }), 16, { kernel: 1 }));
    const built = b.build({ externalData: { location: 'w.bin', threshold: 0, align: 64 } });
    const initializers = decodeModel(built.bytes).graph.initializer;
    const offsets = initializers.map((t) => Number(externalEntries(t).offset));
    assert.ok(offsets.every((o) => o % 64 === 0));
    assert.equal(initializers.at(-1)?.name, 'conv2.bias');
    assert.equal(built.files['w.bin'].length, (offsets.at(-1) ?? 0) + 16 * 4);
  });

  test('initializers listed as graph inputs do not count as runtime inputs', () => {
    const built = FIXTURES['initializers-as-inputs']();
    const { graph } = decodeModel(built.bytes);
    assert.equal(graph.input.length, 1 + graph.initializer.length);
    assert.deepEqual(
      built.inputs.map((i) => i.name),
      ['input'],
    );
  });
});

describe('model metadata', () => {
  test('IR version, producer, doc strings, metadata_props and value_info', () => {
    const { model, graph } = decodeModel(FIXTURES['metadata-docs']().bytes);
    assert.equal(toNumber(model.ir_version), 9);
    assert.equal(model.producer_name, 'fixture-producer');
    assert.equal(model.doc_string, 'a model with every optional string filled in');
    assert.equal(graph.doc_string, 'the main graph');
    assert.equal(graph.node[0].doc_string, 'first conv');
    assert.deepEqual(
      model.metadata_props.map((p) => [p.key, p.value]),
      [
        ['author', 'onnx-pruner tests'],
        ['license', 'MIT'],
      ],
    );
    assert.deepEqual(
      graph.value_info.map((v) => v.name),
      ['/conv1/Conv_output_0', '/Relu_output_0'],
    );
    assert.deepEqual(declaredDims(graph.value_info[0]), [1, 8, 8, 8]);
  });

  test('default IR version follows the opset; symbolic dims are written as dim_param', () => {
    const { model, graph } = decodeModel(FIXTURES['edsr-x4']().bytes);
    assert.equal(toNumber(model.ir_version), 8);
    assert.equal(toNumber(model.opset_import[0].version), 17);
    assert.deepEqual(declaredDims(graph.input[0]), ['N', 3, 8, 8]);
    assert.deepEqual(declaredDims(graph.output[0]), ['N', 3, 32, 32]);
  });
});
