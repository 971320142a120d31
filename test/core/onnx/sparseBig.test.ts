// The e2e suites' 2 GiB+ model, made in a moment as a sparse file: it must be a real model to our reader.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { ModelFile } from '../../../src/core/onnx/modelFile';
import { openModel } from '../../../src/core/onnx/reader';
import { writeSparseBigModel } from '../../support/sparseModel';
import { tempDir } from '../../support/tempDir';

test('a sparse model over 2 GiB opens lazily, its tensor lying past 2 GiB', () => {
  const path = join(tempDir(), 'big.onnx');
  const bytes = 2 ** 31 + 4096;
  const size = writeSparseBigModel(path, bytes);
  assert.ok(size > 2 ** 31);
  const model = openModel(path);
  const w = model.proto.graph!.initializer![0];
  assert.equal(w.name, 'W');
  assert.equal(ModelFile.elementCount(w), bytes / 4);
  assert.equal(model.proto.graph!.node![0].op_type, 'Add');
  model.close();
});
