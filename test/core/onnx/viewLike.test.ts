// A view of a pruned model made `like` the original's view shares the original's indexes by name and its edges
// (issue #17 §4: a prune's "after" totals built a second set of them). Pinned: on every builder fixture the
// shared view answers every question a fresh view of the same graph answers, with its own nodes; and an edit
// that rewires or adds a node gets a view of its own, still right.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyzeModel } from '../../../src/core/analyze/analyze';
import { topologicalOrder } from '../../../src/core/graph/topology';
import { withChanges } from '../../../src/core/onnx/edit';
import { type GraphView, ModelView } from '../../../src/core/onnx/modelView';
import { openModel } from '../../../src/core/onnx/reader';
import type { onnx } from '../../../src/core/onnx/proto/onnx.js';
import { applyRemoval } from '../../../src/core/prune/apply';
import { selectUnits } from '../../../src/core/prune/select';
import { FIXTURE_NAMES, buildFixture, writeBuilt } from '../../builder';
import { tempDir } from '../../support/tempDir';

const dir = tempDir();
let shared = 0; // fixtures whose pruned view shared the original's indexes

/** Every answer of `view` about its nodes, values and weights, as plain data (node indices, not views). */
function answers(view: GraphView): unknown {
  const nodes = view.nodes.map((node) => ({
    proto: node.proto,
    graphIsOwn: node.graph === view,
    outputs: node.outputs.map((value, o) => ({
      slot: view.outputSlot(node, o),
      byName: value ? view.valueSlot(value) : -1,
      producer: value ? view.producer(value)?.index : undefined,
      producerIsOwn: value ? view.producer(value) === node : true,
      consumers: value ? view.consumers(value).map((c) => c.index) : [],
      consumersAreOwn: value ? view.consumers(value).every((c) => view.nodes[c.index] === c) : true,
    })),
    inputs: node.inputs.map((value, i) => ({
      slot: view.inputSlot(node, i),
      consumers: value ? view.consumers(value).map((c) => c.index) : [],
    })),
  }));
  const weights: [string, onnx.TensorProto.$Properties][] = [];
  view.forEachInitializer((tensor, name) => weights.push([name, tensor]));
  return {
    nodes,
    weights,
    inputs: view.inputs,
    outputs: view.outputs,
    valueInfo: [...view.valueInfo.keys()],
    slots: view.valueSlots,
    order: topologicalOrder(view).map((n) => n.index),
    clashes: [...view.initializerOutputs()],
  };
}

function sharesWith(view: GraphView, original: GraphView): boolean {
  return view.sharedWith === original;
}

describe('a view made like the original', () => {
  for (const name of FIXTURE_NAMES) {
    test(`${name}: the pruned graph's shared view answers as a fresh one`, () => {
      const file = openModel(writeBuilt(dir, `${name}.onnx`, buildFixture(name)));
      try {
        const original = new ModelView(file);
        const analysis = analyzeModel(original);
        const { removed } = selectUnits(analysis, file, {
          ratio: 0.5,
          criterion: 'l1',
          roundTo: 1,
          seed: 0,
          layers: {},
        });
        const pruned = file.withProto(applyRemoval(analysis, file, removed).proto);
        const fresh = new ModelView(pruned);
        const like = new ModelView(pruned, original);
        assert.deepEqual(answers(like.graph), answers(fresh.graph));
        // Shared exactly when every node keeps its inputs and outputs (a shared shape constant's copy rewires).
        const nodes = pruned.proto.graph?.node ?? [];
        const names = (list: readonly string[] | null | undefined) => (list ?? []).join('\u0000');
        const sameWiring =
          original.graph.subgraphs.length === 0 &&
          nodes.length === original.graph.nodes.length &&
          nodes.every(
            (node, i) =>
              names(node.input) === names(original.graph.nodes[i].inputs) &&
              names(node.output) === names(original.graph.nodes[i].outputs),
          );
        assert.equal(sharesWith(like.graph, original.graph), sameWiring);
        if (sameWiring) shared++;
      } finally {
        file.close();
      }
    });
  }

  test('most fixtures took the shared way', () => {
    assert.ok(shared >= FIXTURE_NAMES.length / 2, `${shared} of ${FIXTURE_NAMES.length}`);
  });

  test('a node rewired or added, or a weight added under an old name, gets a view of its own', () => {
    const file = openModel(writeBuilt(dir, 'rewired.onnx', buildFixture(FIXTURE_NAMES[0])));
    try {
      const original = new ModelView(file);
      const graph = file.proto.graph!;
      const nodes = graph.node ?? [];
      const last = nodes[nodes.length - 1];
      const edits: onnx.NodeProto.$Properties[][] = [
        // The last node reads the graph's first input instead of its own first input.
        [
          ...nodes.slice(0, -1),
          withChanges(last, { input: [graph.input![0].name!, ...(last.input ?? []).slice(1)] }),
        ],
        // A node added at the end.
        [...nodes, { op_type: 'Identity', name: 'added', input: [last.output![0]], output: ['added_out'] }],
      ];
      const weights = graph.initializer ?? [];
      const graphs = [
        ...edits.map((node) => withChanges(graph, { node })),
        // A weight added after the others under an old weight's name (it would stand for that one).
        withChanges(graph, { initializer: [...weights, withChanges(weights[0], {})] }),
      ];
      for (const edit of graphs) {
        const edited = file.withProto(withChanges(file.proto, { graph: edit }));
        const like = new ModelView(edited, original);
        assert.ok(!sharesWith(like.graph, original.graph));
        assert.deepEqual(answers(like.graph), answers(new ModelView(edited).graph));
      }
    } finally {
      file.close();
    }
  });
});
