// Where a tensor's data lies is found from the row the walk wrote on the decoded tensor: only this file's own
// tensors are found, never another file's tensor at the same row, and an edit's copy (which carries the row)
// is not found at all.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withChanges } from '../../../src/core/onnx/edit';
import { openModelBytes } from '../../../src/core/onnx/reader';
import { readTensorAsFloat32 } from '../../../src/core/onnx/tensorData';
import { addBiasModel, encodeModel, floatTensor } from '../../support/minimalModels';

test("a file finds its own tensors' data, not another file's tensor at the same row", () => {
  const a = openModelBytes(encodeModel(addBiasModel()), 'a.onnx');
  const b = openModelBytes(
    encodeModel(addBiasModel({ ...floatTensor('bias', [4], [5, 6, 7, 8]) })),
    'b.onnx',
  );
  const ta = a.proto.graph!.initializer![0];
  const tb = b.proto.graph!.initializer![0];
  assert.deepEqual([...readTensorAsFloat32(a, ta)], [1, 2, 3, 4]);
  assert.deepEqual([...readTensorAsFloat32(b, tb)], [5, 6, 7, 8]);
  assert.equal(a.rowOf(ta), b.rowOf(tb), 'the same row in both files');
  assert.equal(b.rowOf(ta), undefined);
  assert.equal(b.locate(ta).kind, 'empty', "b does not read a's tensor from its own bytes");
  assert.equal(a.withProto(a.proto).locate(ta).kind, 'raw', 'a file made by withProto shares the rows');
  const copy = withChanges(ta, {});
  assert.equal(a.rowOf(copy), undefined, "an edit's copy has no row");
  // The copy carries the row (an ordinary property, copied with the rest), which the file answers only for
  // the tensor it decoded there: the copy's data is not taken for the original's.
  assert.equal(a.locate(copy).kind, 'empty', "nor does it find the original's data");
  assert.ok(!JSON.stringify(ta).includes('row'));
});
