// Hash flooding: the reader's and the graph view's tables hash names with FNV-1a, which anyone can find
// multicollisions for. A file of 16,384 names of one FNV-1a hash took 8 s to analyse (quadratic: minutes for a
// 15 MB file). Each process starts its hashes from a random basis, so names chosen for FNV-1a's own spread.
import assert from 'node:assert/strict';
import Long from 'long';
import { test } from 'node:test';
import { analyzeModel } from '../../../src/core/analyze/analyze';
import { ModelView } from '../../../src/core/onnx/modelView';
import { HASH_BASIS, NameIndex, nameHash } from '../../../src/core/onnx/nameIndex';
import { openModelBytes } from '../../../src/core/onnx/reader';
import { StringTable } from '../../../src/core/onnx/stringTable';
import { FNV_BASIS, collidingNames, fnv1a } from '../../support/hashFlood';
import { encodeModel, tensorInfo } from '../../support/minimalModels';

const names = collidingNames(12); // 4,096 names

test('names of one FNV-1a hash spread over the tables of this process', () => {
  assert.equal(new Set(names).size, 4096);
  assert.equal(new Set(names.map((n) => fnv1a(n))).size, 1, 'the names collide for FNV-1a');
  assert.notEqual(HASH_BASIS, FNV_BASIS);
  // Random 32-bit hashes of 4,096 names: a couple of pairs collide at most, as a rule.
  assert.ok(new Set(names.map((n) => nameHash(n))).size >= 4080);
  const index = new NameIndex<number>();
  names.forEach((n, i) => index.set(n, i));
  names.forEach((n, i) => assert.equal(index.get(n), i));
  const strings = new StringTable();
  names.forEach((n, i) => assert.equal(strings.idOf(n), i));
  names.forEach((n, i) => assert.equal(strings.find(n), i));
});

test('names of one FNV-1a hash spread from every start that differs from its basis in the top byte only', () => {
  // FNV-1a's bit k depends on bits ≤ k alone: from these starts (1 process in ~130 drew one like them) FNV-1a
  // keeps the collision, and a table probed one chain of 4,096 names. The tables' hash folds high bits down.
  for (let top = 1; top < 256; top++) {
    const basis = (FNV_BASIS ^ (top << 24)) | 0;
    assert.equal(new Set(names.map((n) => fnv1a(n, basis))).size, 1, 'FNV-1a collides from this start too');
    const spread = new Set(names.map((n) => nameHash(n, basis))).size;
    assert.ok(spread >= 4080, `start ${basis}: ${spread} hashes`);
  }
});

test('a model whose every node and value name has one FNV-1a hash opens and analyses to the right graph', () => {
  // x → Relu → Relu → … → y: each output named by one of the names, each node by the next.
  const outputs = names.slice(0, -1);
  const node = outputs.map((out, i) => ({
    op_type: 'Relu',
    name: names[i + 1],
    input: [i === 0 ? 'x' : outputs[i - 1]],
    output: [out],
  }));
  node.push({ op_type: 'Identity', name: 'last', input: [outputs[outputs.length - 1]], output: ['y'] });
  const bytes = encodeModel({
    ir_version: Long.fromNumber(8),
    opset_import: [{ domain: '', version: Long.fromNumber(17) }],
    graph: { name: 'g', node, input: [tensorInfo('x', [1, 4])], output: [tensorInfo('y', [1, 4])] },
  });
  const view = new ModelView(openModelBytes(bytes));
  const graph = view.graph;
  assert.equal(graph.nodes.length, 4096);
  // Every name decoded as written (the reader's string table) and found again (the view's indexes).
  outputs.forEach((out, i) => {
    assert.equal(graph.nodes[i].outputs[0], out);
    assert.equal(graph.producer(out), graph.nodes[i]);
  });
  const analysis = analyzeModel(view);
  assert.deepEqual(
    analysis.state.shape(outputs[outputs.length - 1]),
    [1, 4],
    'shapes inferred along the whole chain',
  );
});
