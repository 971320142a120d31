import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import protobuf from 'protobufjs/minimal.js';
import { onnx } from '../../../src/core/onnx/proto/onnx.js';
import { PAYLOAD_FIELDS } from '../../../src/core/onnx/schema';
import { openModel } from '../../../src/core/onnx/reader';
import { writeModel } from '../../../src/core/onnx/writer';
import { FIXTURE_NAMES, buildFixture } from '../../builder/fixtures';
import { writeBuilt } from '../../builder/model-builder';
import { randomInputs, runModel } from '../../builder/runtime';
import { rebuildAll } from '../../support/rebuild';
import { tempDir } from '../../support/tempDir';

const root = tempDir();

function decodeFile(path: string): onnx.ModelProto {
  const reader = protobuf.Reader.create(readFileSync(path));
  reader.discardUnknown = false;
  return onnx.ModelProto.decode(reader);
}

/** The full decode with tensor element data removed: what the lazy reader's structure must equal. */
function withoutPayload(model: onnx.ModelProto): onnx.ModelProto {
  const strip = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(strip);
    else if (value instanceof onnx.TensorProto) {
      // Element data is left out by the lazy reader: no own property at all.
      for (const field of PAYLOAD_FIELDS) {
        delete (value as Partial<onnx.TensorProto>)[field];
      }
    } else if (value && typeof value === 'object' && !ArrayBuffer.isView(value)) {
      Object.values(value).forEach(strip);
    }
  };
  strip(model);
  return model;
}

/** A comparable plain form: prototypes dropped, byte arrays (Buffer or Uint8Array) as number arrays. */
function plain(value: unknown): unknown {
  if (ArrayBuffer.isView(value)) return Array.from(value as Uint8Array);
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

describe('every fixture topology round-trips through the reader and the writer', () => {
  for (const name of FIXTURE_NAMES) {
    test(name, async () => {
      const built = buildFixture(name);
      const dir = join(root, name);
      const path = writeBuilt(dir, 'model.onnx', built);
      const model = openModel(path);

      // The lazy structure equals protobufjs's full decode, element data aside.
      assert.deepStrictEqual(plain(model.proto), plain(withoutPayload(decodeFile(path))));

      // Unmodified: byte-identical.
      const same = join(dir, 'same.onnx');
      writeModel(model, model.proto, same);
      assert.deepEqual(readFileSync(same), readFileSync(path));

      // Every container re-encoded; then every tensor rewritten too: decodes to the same model.
      const original = decodeFile(path);
      const outputs = [join(dir, 'reencoded.onnx'), join(dir, 'rewritten.onnx')];
      writeModel(model, rebuildAll(model), outputs[0]);
      writeModel(model, rebuildAll(model, true), outputs[1]);
      for (const out of outputs)
        assert.ok(isDeepStrictEqual(decodeFile(out), original), `${out} decodes equal`);

      // And runs in ONNX Runtime with identical outputs.
      const feeds = randomInputs(built, 3);
      const expected = await runModel(path, feeds);
      for (const out of outputs) assert.deepEqual(await runModel(out, feeds), expected);
      model.close();
    });
  }
});
