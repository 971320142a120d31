// A graph's plain nodes are read into its node table, not into messages: opening and analysing never make
// them, the messages made when an edit or the writer asks are what protobufjs decodes, and the writer copies
// them by range while they are unchanged. A node with anything else is decoded whole, as before.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Long from 'long';
import protobuf from 'protobufjs/minimal.js';
import { analyzeModel } from '../../../src/core/analyze/analyze';
import { summarizeModel } from '../../../src/core/inspect/summary';
import { withChanges } from '../../../src/core/onnx/edit';
import { ModelView } from '../../../src/core/onnx/modelView';
import { nodeTableOf } from '../../../src/core/onnx/nodeTable';
import { onnx } from '../../../src/core/onnx/proto/onnx.js';
import { openModel } from '../../../src/core/onnx/reader';
import { readTensorAsFloat32, readTensorBytes } from '../../../src/core/onnx/tensorData';
import { writeModel } from '../../../src/core/onnx/writer';
import { assertFrozen, assertSame, expected } from '../../support/decodedModels';
import { floatTensor, tensorInfo } from '../../support/minimalModels';
import { tempDir } from '../../support/tempDir';

const dir = tempDir();
const ints = (name: string, values: number[]) => ({
  name,
  type: 7,
  ints: values.map((v) => Long.fromInt(v)),
});

/** A conv chain of plain nodes, with one node of each kind the table does not keep as columns between them. */
function mixedModel(): Uint8Array {
  const conv = (i: number, extra: Partial<onnx.INodeProto> = {}): onnx.INodeProto => ({
    name: `conv${i}`,
    op_type: 'Conv',
    input: [i === 0 ? 'x' : `y${i - 1}`, `w${i}`, `b${i}`],
    output: [`y${i}`],
    attribute: [ints('kernel_shape', [1, 1]), ints('pads', [0, 0, 0, 0])],
    ...extra,
  });
  const subgraph = {
    name: 'then',
    node: [{ op_type: 'Identity', input: ['y3'], output: ['t'] }],
    output: [tensorInfo('t', [1, 4, 2, 2])],
  };
  const nodes: onnx.INodeProto[] = [
    conv(0),
    conv(1, { doc_string: 'a doc string' }),
    conv(2, { domain: '' }),
    conv(3, {
      attribute: [ints('kernel_shape', [1, 1]), { name: 'note', type: 3, s: new Uint8Array(300).fill(110) }],
    }),
    {
      name: 'const',
      op_type: 'Constant',
      output: ['c'],
      attribute: [{ name: 'value', type: 4, t: floatTensor('cv', [1], [1]) }],
    },
    {
      name: 'if',
      op_type: 'If',
      input: ['cond'],
      output: ['z'],
      attribute: [
        { name: 'then_branch', type: 5, g: subgraph },
        { name: 'else_branch', type: 5, g: subgraph },
      ],
    },
    { name: 'relu', op_type: 'Relu', input: ['y3'], output: ['r'] },
    { op_type: 'Identity', input: ['r'], output: ['out'] }, // unnamed
  ];
  const initializer = [0, 1, 2, 3].flatMap((i) => [
    floatTensor(
      `w${i}`,
      [4, 4, 1, 1],
      Array.from({ length: 16 }, (_, k) => k + i),
    ),
    floatTensor(`b${i}`, [4], [1, 2, 3, 4]),
  ]);
  const model = onnx.ModelProto.create({
    ir_version: Long.fromInt(8),
    opset_import: [{ domain: '', version: Long.fromInt(17) }],
    graph: {
      name: 'g',
      node: nodes,
      initializer,
      input: [
        tensorInfo('x', [1, 4, 2, 2]),
        { name: 'cond', type: { tensor_type: { elem_type: 9, shape: { dim: [] } } } },
      ],
      output: [tensorInfo('out', [1, 4, 2, 2])],
    },
  });
  return new Uint8Array(onnx.ModelProto.encode(model).finish());
}

/** The places of the nodes that are columns of the table (no message until one is asked for). */
const PLAIN = [0, 2, 6, 7];

test('plain nodes are columns of the table; opening, analysing and summarising never make their messages', () => {
  const path = join(dir, 'mixed.onnx');
  writeFileSync(path, mixedModel());
  const file = openModel(path);
  const table = nodeTableOf(file.proto.graph!)!;
  assert.ok(table, 'the graph read from the file has a node table');
  assert.equal(table.count, 8);
  const made = () => table.protos.flatMap((p, i) => (p ? [] : [i]));
  assert.deepEqual(made(), PLAIN);
  const view = new ModelView(file);
  const analysis = analyzeModel(view);
  assert.deepEqual(made(), PLAIN, 'the analysis read the nodes through the view');
  const summary = summarizeModel(view);
  assert.deepEqual(made(), PLAIN, "nor did the editor's summary (its tensors are found without them)");
  assert.equal(summary.nodes, 8);
  assert.deepEqual(
    view.graph.nodes.map((n) => [
      n.name,
      n.opType,
      n.inputs.length,
      n.outputs.length,
      n.attributeList.length,
    ]),
    [
      ['conv0', 'Conv', 3, 1, 2],
      ['conv1', 'Conv', 3, 1, 2],
      ['conv2', 'Conv', 3, 1, 2],
      ['conv3', 'Conv', 3, 1, 2],
      ['const', 'Constant', 0, 1, 1],
      ['if', 'If', 1, 1, 2],
      ['relu', 'Relu', 1, 1, 0],
      ['#7', 'Identity', 1, 1, 0],
    ],
  );
  assert.equal(view.graph.nodes[0].attributes.ints('kernel_shape')?.join(), '1,1');
  assert.equal(view.graph.subgraphs.length, 2, "the If node's branches are subgraphs of the view");
  // The view looks for subgraphs only in the attributes of nodes with a message: a column row holds none.
  assert.deepEqual(
    PLAIN.filter((i) => table.mayHoldGraphs(i)),
    [],
  );
  assert.ok(table.mayHoldGraphs(5));
  assert.ok(analysis.report.groups.length > 0);
  file.close();
});

test("the table's messages are what protobufjs decodes, frozen, each the message of its row", () => {
  const bytes = mixedModel();
  const path = join(dir, 'mixed-messages.onnx');
  writeFileSync(path, bytes);
  const file = openModel(path);
  const view = new ModelView(file);
  // A node's message asked for through the view: the graph's list is made, once, and the view gives its own.
  const relu = view.graph.nodes[6].proto;
  const nodes = file.proto.graph!.node!;
  assert.equal(relu, nodes[6]);
  assert.equal(file.proto.graph!.node, nodes, 'made once');
  assertSame(file.proto, expected(bytes), 'model');
  assertFrozen(file.proto);
  for (const node of nodes) assert.notEqual(file.rowOf(node), undefined, `${node.name}: a row of the file`);
  file.close();
});

test('an edited graph is written with its unchanged nodes copied, and its copy holds messages, not the table', () => {
  const bytes = mixedModel();
  const path = join(dir, 'mixed-edit.onnx');
  writeFileSync(path, bytes);
  const file = openModel(path);
  const graph = file.proto.graph!;
  const renamed = withChanges(graph.node![0], { name: 'first' });
  const edited = withChanges(graph, { node: [renamed, ...graph.node!.slice(1)] });
  assert.equal(nodeTableOf(edited), undefined, "an edit's copy has no table");
  assert.ok(Object.getOwnPropertyDescriptor(edited, 'node')!.value, 'its nodes are a list of its own');
  const view = new ModelView(file.withProto(withChanges(file.proto, { graph: edited })));
  assert.deepEqual(view.graph.nodes.map((n) => n.name).slice(0, 2), ['first', 'conv1']);
  const out = join(dir, 'mixed-edited.onnx');
  writeModel(file, withChanges(file.proto, { graph: edited }), out);
  file.close();
  const want = expected(bytes);
  want.graph!.node![0].name = 'first';
  assertSame(expected(new Uint8Array(readFileSync(out))), want, 'saved');
});

test("a graph's initializers read by their own walk are what protobufjs decodes, with their data where it lies", () => {
  const field = (no: number, wireType: number) => protobuf.Writer.create().uint32((no << 3) | wireType);
  const dim = (v: number | Long) => field(1, 0).int64(v).finish();
  const raw = (bytes: number[]) => field(9, 2).bytes(new Uint8Array(bytes)).finish();
  const tensor = (...parts: Uint8Array[]) => Buffer.concat(parts);
  const tensors = [
    // As C++ protobuf writes them (proto2: dims not packed), small dims shared, large and negative ones not.
    tensor(dim(1), dim(3), field(2, 0).int32(2).finish(), field(8, 2).string('a').finish(), raw([1, 2, 3])),
    tensor(dim(70000), dim(Long.fromNumber(2 ** 40)), field(8, 2).string('b').finish(), dim(-1)),
    // Packed and not in one tensor (appended in order), data before the name, the name given twice.
    tensor(
      field(1, 2).fork().int64(4).int64(5).ldelim().finish(),
      raw([9]),
      dim(6),
      field(8, 2).string('x').finish(),
      field(8, 2).string('c').finish(),
    ),
    // Not packed, then packed: appended in order.
    tensor(dim(7), field(1, 2).fork().int64(8).int64(9).ldelim().finish(), field(8, 2).string('e').finish()),
    // Typed data not packed around the name and the dims; the data type given twice (the last wins).
    tensor(
      field(2, 0).int32(0).finish(),
      field(4, 5).float(1.5).finish(),
      field(8, 2).string('d').finish(),
      dim(2),
      field(4, 5).float(2.5).finish(),
      field(2, 0).int32(1).finish(),
    ),
  ];
  const graph = Buffer.concat(tensors.map((t) => field(5, 2).bytes(t).finish()));
  const bytes = new Uint8Array(
    Buffer.concat([
      onnx.ModelProto.encode({ ir_version: Long.fromInt(8) }).finish(),
      field(7, 2).bytes(graph).finish(),
    ]),
  );
  const path = join(dir, 'tensors.onnx');
  writeFileSync(path, bytes);
  const file = openModel(path);
  assertSame(file.proto, expected(bytes), 'model');
  assertFrozen(file.proto);
  const [a, b, c, , d] = file.proto.graph!.initializer!;
  assert.deepEqual(Array.from(readTensorBytes(file, a)), [1, 2, 3]);
  assert.equal(file.locate(c).kind, 'raw');
  assert.equal(file.locate(d).kind, 'typed');
  assert.deepEqual(Array.from(readTensorAsFloat32(file, d)), [1.5, 2.5]);
  assert.equal(file.rowOf(b), file.rowOf(a)! + 1, 'each the message of its row');
  file.close();
});
