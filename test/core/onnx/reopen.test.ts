// ModelFile.reopened: a closed model's structure read through a new descriptor of its file, for reading weights
// later (the editor's node details, from a cached analysis) without reading a large structure again; never a
// file that is not the version read.
import assert from 'node:assert/strict';
import { utimesSync, writeFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { analyzeModel } from '../../../src/core/analyze/analyze';
import { nodeDetails } from '../../../src/core/inspect/nodeDetails';
import { summarizeModel } from '../../../src/core/inspect/summary';
import { ModelView } from '../../../src/core/onnx/modelView';
import { openModel, openModelBytes } from '../../../src/core/onnx/reader';
import { readTensorAsNumbers } from '../../../src/core/onnx/tensorData';
import { FIXTURE_NAMES, buildFixture } from '../../builder/fixtures';
import { tempDir } from '../../support/tempDir';

const dir = tempDir();

function written(name: string): string {
  const path = join(dir, name);
  writeFileSync(path, buildFixture('d2s-crd').bytes);
  return path;
}

test('a closed model reopened reads the same weights through its own messages', () => {
  const path = written('same.onnx');
  const file = openModel(path);
  const weights = (file.proto.graph?.initializer ?? []).map((t) => readTensorAsNumbers(file, t));
  file.close();
  const again = file.reopened();
  assert.ok(again, 'the file is unchanged');
  assert.equal(again.proto, file.proto, 'the structure is not read again');
  (file.proto.graph?.initializer ?? []).forEach((t, i) =>
    assert.deepEqual(readTensorAsNumbers(again, t), weights[i], t.name ?? ''),
  );
  again.close();
  assert.ok(file.reopened(), 'as often as asked');
  file.reopened()?.close();
});

test('a file changed, touched or gone since it was read is not reopened', () => {
  const grown = written('grown.onnx');
  const file = openModel(grown);
  file.close();
  writeFileSync(grown, Buffer.concat([buildFixture('d2s-crd').bytes, Buffer.alloc(1)]));
  assert.equal(file.reopened(), undefined, 'another size');

  const touched = written('touched.onnx');
  const second = openModel(touched);
  second.close();
  const { mtime } = statSync(touched);
  utimesSync(touched, mtime, new Date(mtime.getTime() + 5000));
  assert.equal(second.reopened(), undefined, 'another modification time (same size)');

  const gone = written('gone.onnx');
  const third = openModel(gone);
  third.close();
  rmSync(gone);
  assert.equal(third.reopened(), undefined, 'no file');

  assert.equal(openModelBytes(buildFixture('d2s-crd').bytes).reopened(), undefined, 'not read from a file');
});

test("node details through the analysis' own structure reopened equal those of the model opened afresh", () => {
  const path = written('details.onnx');
  const first = openModel(path, { checkExternalData: false });
  const analysis = analyzeModel(new ModelView(first));
  first.close();
  const reopened = analysis.state.graph.model.file.reopened()!;
  const fresh = openModel(path, { checkExternalData: false });
  for (const node of analysis.state.graph.nodes) {
    for (const criterion of ['l1', 'l2', 'bn'] as const) {
      const own = nodeDetails(analysis, reopened, node.name, criterion);
      assert.deepEqual(own, nodeDetails(analysis, fresh, node.name, criterion), `${node.name} ${criterion}`);
    }
  }
  const conv = nodeDetails(analysis, reopened, '/up/up.0/Conv')!;
  assert.ok(conv.inputs[1].weight?.stats, 'weights read through the reopened file');
  assert.equal(conv.importance?.channels.length, 16);
  reopened.close();
  fresh.close();
});

test("every fixture's summary through its reopened structure and the analysis' facts equals the summary of the model opened afresh", () => {
  // What the editor's model state does (modelState.ts): the summary's MACs from the facts the analysis
  // inferred, not inferred again.
  for (const name of FIXTURE_NAMES) {
    const path = join(dir, `${name}.onnx`);
    writeFileSync(path, buildFixture(name).bytes);
    const first = openModel(path, { checkExternalData: false });
    const analysis = analyzeModel(new ModelView(first));
    first.close();
    const reopened = analysis.state.graph.model.file.reopened()!;
    const fresh = openModel(path, { checkExternalData: false });
    assert.deepEqual(
      summarizeModel(new ModelView(reopened), { facts: analysis.state.facts }),
      summarizeModel(new ModelView(fresh)),
      name,
    );
    reopened.close();
    fresh.close();
  }
});
