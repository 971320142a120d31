// The prune worker keeps the model its last preview read for the next preview: only for the same file, unchanged,
// without external data; a failure other than a cancel drops it, and what a kept model previews is what a
// fresh open previews.
import assert from 'node:assert/strict';
import { readFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { analyzeModel } from '../../src/core/analyze/analyze';
import { ModelView } from '../../src/core/onnx/modelView';
import { openModel } from '../../src/core/onnx/reader';
import { previewPrune } from '../../src/core/prune/preview';
import { chooseUnits, PrunableModel, pruneFile } from '../../src/core/prune/prune';
import type { PruneSettings } from '../../src/core/prune/select';
import { LastPreviewModel, type PreviewModel, fileStamp, previewModel } from '../../src/server/previewModel';
import { buildFixture } from '../builder/fixtures';
import { writeBuilt } from '../builder/model-builder';
import { tempDir } from '../support/tempDir';

const dir = tempDir();
const notCancel = () => false;
const settings = (ratio: number): PruneSettings => ({
  ratio,
  criterion: 'l1',
  roundTo: 1,
  seed: 0,
  layers: {},
});

function models(last: LastPreviewModel, path: string, times: number): PreviewModel[] {
  return Array.from({ length: times }, () => last.with(path, (m) => m, notCancel));
}

/** A preview of `model` at `ratio` by l1, as the worker works one out. */
function previewOf({ file, analysis, context, metrics }: PreviewModel, ratio: number) {
  return previewPrune(
    analysis,
    file,
    settings(ratio),
    chooseUnits(analysis, file, settings(ratio), context),
    metrics,
  );
}

/** Prunes `kept` (taken over) at `ratio`: byte for byte what a prune of a fresh open of `path` writes. */
function prunesAsFresh(path: string, kept: PreviewModel, name: string, ratio: number): void {
  const model = PrunableModel.adopt(path, kept.file, kept.analysis, {}, kept.context);
  try {
    model.prune(join(dir, `${name}.kept.onnx`), settings(ratio));
  } finally {
    model.close();
  }
  pruneFile(path, join(dir, `${name}.fresh.onnx`), settings(ratio));
  assert.ok(
    readFileSync(join(dir, `${name}.kept.onnx`)).equals(readFileSync(join(dir, `${name}.fresh.onnx`))),
  );
}

test('the same file, unchanged, is handed out again; a rewritten one is read afresh', () => {
  const path = writeBuilt(dir, 'same.onnx', buildFixture('d2s-crd'));
  const last = new LastPreviewModel();
  const [a, b] = models(last, path, 2);
  assert.equal(b, a);
  // Another model at the same path (written with a later time: a write within the clock's tick moves the
  // change time anyway, but the test should not depend on the file system's resolution).
  writeBuilt(dir, 'same.onnx', buildFixture('rtr-crd-static'));
  const later = new Date(Date.now() + 5000);
  utimesSync(path, later, later);
  const [c] = models(last, path, 1);
  assert.notEqual(c, a);
  assert.notDeepEqual(
    c.analysis.state.graph.nodes.map((n) => n.opType),
    a.analysis.state.graph.nodes.map((n) => n.opType),
  );
  assert.throws(() => a.file.source.read(0, 1), /is closed/, 'the model it replaced was closed');
  last.drop();
  assert.throws(() => c.file.source.read(0, 1), /is closed/, 'drop closes the kept model');
  assert.notEqual(models(last, path, 1)[0], c);
  last.drop();
});

test('a model with external data is never kept, and is closed after each use', () => {
  const path = writeBuilt(dir, 'external-data.onnx', buildFixture('external-data'));
  const last = new LastPreviewModel();
  const [a, b] = models(last, path, 2);
  assert.notEqual(b, a);
  assert.throws(() => a.file.source.read(0, 1), /is closed/);
  assert.throws(() => b.file.source.read(0, 1), /is closed/);
});

test('a failure drops the kept model; a cancel keeps it', () => {
  const path = writeBuilt(dir, 'failing.onnx', buildFixture('d2s-crd'));
  const last = new LastPreviewModel();
  class Cancelled extends Error {}
  const isCancel = (e: unknown) => e instanceof Cancelled;
  const [a] = models(last, path, 1);
  assert.throws(() =>
    last.with(
      path,
      () => {
        throw new Cancelled();
      },
      isCancel,
    ),
  );
  assert.equal(models(last, path, 1)[0], a, 'kept after a cancel');
  assert.throws(() =>
    last.with(
      path,
      () => {
        throw new Error('unreadable weight');
      },
      isCancel,
    ),
  );
  assert.throws(() => a.file.source.read(0, 1), /is closed/);
  assert.notEqual(models(last, path, 1)[0], a, 'read afresh after a failure');
  last.drop();
});

test('previews of a kept model, one after another, are what previews of fresh opens are', () => {
  const path = writeBuilt(dir, 'previews.onnx', buildFixture('edsr-x4'));
  const kept = new LastPreviewModel();
  const preview = (last: LastPreviewModel, ratio: number) =>
    last.with(path, (m) => previewOf(m, ratio), notCancel);
  for (const ratio of [0.25, 0.5, 0.75, 0.5]) {
    const fresh = new LastPreviewModel();
    const fromKept = preview(kept, ratio);
    const fromFresh = preview(fresh, ratio);
    fresh.drop();
    assert.deepEqual(fromKept, fromFresh, `ratio ${ratio}`);
    assert.ok(fromKept.parameters.after < fromKept.parameters.before, 'the preview removes something');
  }
  kept.drop();
});

test('a prune takes the kept model over and writes what a prune of a fresh open writes', () => {
  const path = writeBuilt(dir, 'taken.onnx', buildFixture('edsr-x4'));
  const last = new LastPreviewModel();
  last.with(
    path,
    ({ file, analysis, context }) => chooseUnits(analysis, file, settings(0.25), context),
    notCancel,
  );
  const kept = last.take(path);
  assert.ok(kept, 'the preview kept the model');
  assert.equal(last.take(path), undefined, 'taken over: no longer kept');
  prunesAsFresh(path, kept, 'taken', 0.5);
  // A changed file is not handed over (and what was kept is closed).
  const [again] = models(last, path, 1);
  const later = new Date(Date.now() + 5000);
  utimesSync(path, later, later);
  assert.equal(last.take(path), undefined);
  assert.throws(() => again.file.source.read(0, 1), /is closed/);
});

test('a prune gives its model back: the next previews and prune use it and make what fresh opens make', () => {
  const path = writeBuilt(dir, 'given-back.onnx', buildFixture('edsr-x4'));
  const last = new LastPreviewModel();
  const stamp = fileStamp(path);
  const model = PrunableModel.open(path);
  model.prune(join(dir, 'given-back.first.onnx'), settings(0.5));
  model.release();
  const given = previewModel(model.file, model.analysis, model.context);
  last.keep(path, stamp, given);
  const preview = (ratio: number) =>
    last.with(
      path,
      (m) => {
        assert.equal(m, given, 'the model the prune used');
        return previewOf(m, ratio);
      },
      notCancel,
    );
  const fresh = new LastPreviewModel();
  for (const ratio of [0.25, 0.75]) {
    const expected = fresh.with(path, (m) => previewOf(m, ratio), notCancel);
    assert.deepEqual(preview(ratio), expected, `ratio ${ratio}`);
  }
  fresh.drop();
  // Pruned again from the kept model, with another plan: the bytes of a prune of a fresh open.
  const kept = last.take(path);
  assert.equal(kept, given);
  prunesAsFresh(path, kept, 'given-back', 0.25);
});

test('a model given back after its file changed, or with external data, is closed, not kept', () => {
  // Opened as the worker's previews open them (not read whole): a closed one refuses reads.
  const opened = (path: string) => {
    const file = openModel(path);
    return previewModel(file, analyzeModel(new ModelView(file)));
  };
  const path = writeBuilt(dir, 'changed-since.onnx', buildFixture('edsr-x4'));
  const last = new LastPreviewModel();
  const stamp = fileStamp(path);
  const model = opened(path);
  const later = new Date(Date.now() + 5000);
  utimesSync(path, later, later);
  last.keep(path, stamp, model);
  assert.throws(() => model.file.source.read(0, 1), /is closed/);
  assert.equal(last.take(path), undefined);

  const external = writeBuilt(dir, 'external-given.onnx', buildFixture('external-data'));
  const withData = opened(external);
  last.keep(external, fileStamp(external), withData);
  assert.throws(() => withData.file.source.read(0, 1), /is closed/);
  assert.equal(last.take(external), undefined);
});
