// What a hostile model folder must not make the reader and the writer do with files (issue 12): read a
// range outside its data file, decode data_location two ways, copy data past a failing checksum or drop the
// checksum, widen a file's mode, leave a failed two-file save unexplained, keep killed writers' leftovers,
// or write through a link planted at a target.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Long from 'long';
import protobuf from 'protobufjs/minimal.js';
import { withChanges } from '../../../src/core/onnx/edit';
import { OnnxError } from '../../../src/core/onnx/errors';
import { onnx } from '../../../src/core/onnx/proto/onnx.js';
import { openModel } from '../../../src/core/onnx/reader';
import { readTensorAsFloat32 } from '../../../src/core/onnx/tensorData';
import { writeModel } from '../../../src/core/onnx/writer';
import { ModelBuilder, writeBuilt } from '../../builder';
import type { Built } from '../../builder';
import { tempDir } from '../../support/tempDir';

const root = tempDir();
let folders = 0;
const folder = (): string => {
  const dir = join(root, `f${folders++}`);
  mkdirSync(dir);
  return dir;
};

/** A conv whose weight and bias both live in the external file `location`. */
function externalConv(location = 'weights.bin'): Built {
  const b = new ModelBuilder({ opset: 17, seed: 5 });
  const x = b.input('x', [1, 3, 8, 8]);
  b.output(b.conv(x, 8, { kernel: 3, pads: 1, name: '/c/Conv' }));
  return b.build({ externalData: { location, threshold: 0, align: 64 } });
}

/** The built model with every external tensor's entries rewritten by `entries`. */
function withEntries(
  built: Built,
  entries: (old: onnx.StringStringEntryProto.$Properties[]) => onnx.StringStringEntryProto.$Properties[],
): Built {
  const model = structuredClone(built.model);
  for (const t of model.graph!.initializer!) if (t.external_data) t.external_data = entries(t.external_data);
  return { ...built, bytes: onnx.ModelProto.encode(model).finish() };
}

const sha1 = (bytes: Uint8Array) => createHash('sha1').update(bytes).digest('hex');
const entryOf = (t: onnx.TensorProto.$Properties, key: string) =>
  t.external_data?.find((e) => e.key === key)?.value;
const io001 = (pattern: RegExp) => (error: unknown) =>
  error instanceof OnnxError && error.code === 'IO001' && pattern.test(error.message);

function weights(path: string): number[][] {
  const model = openModel(path);
  try {
    return model.proto.graph!.initializer!.map((t) => Array.from(readTensorAsFloat32(model, t)));
  } finally {
    model.close();
  }
}

describe('external data ranges', () => {
  test('an offset past the end of the file without a length is refused (no negative length)', () => {
    const built = externalConv();
    const size = built.files['weights.bin'].length;
    const bad = withEntries(built, (entries) => [
      ...entries.filter((e) => e.key !== 'offset' && e.key !== 'length'),
      { key: 'offset', value: String(size + 4096) },
    ]);
    const path = writeBuilt(folder(), 'model.onnx', bad);
    assert.throws(() => openModel(path), io001(/starts at byte \d+ of 'weights\.bin', which has only/));
  });
});

describe('data_location', () => {
  /** The model with its first initializer's data_location written as the varint `value`. */
  function withDataLocation(built: Built, value: number): Uint8Array {
    const model = built.model;
    const [first, ...rest] = model.graph!.initializer!;
    const { data_location: _dropped, ...plain } = first;
    const tensorBytes = concat(
      onnx.TensorProto.encode(plain).finish(),
      protobuf.Writer.create()
        .uint32((14 << 3) | 0)
        .uint64(Long.fromNumber(value, true))
        .finish(),
    );
    const graph = concat(
      onnx.GraphProto.encode({ ...model.graph!, initializer: rest }).finish(),
      protobuf.Writer.create()
        .uint32((5 << 3) | 2)
        .bytes(tensorBytes)
        .finish(),
    );
    return concat(
      onnx.ModelProto.encode({ ...model, graph: undefined }).finish(),
      protobuf.Writer.create()
        .uint32((7 << 3) | 2)
        .bytes(graph)
        .finish(),
    );
  }

  test('2^32 + 1 is EXTERNAL for the structure walk and the decoded tensor alike (protobuf truncates to int32)', () => {
    const built = externalConv();
    const dir = folder();
    writeBuilt(dir, 'model.onnx', built);
    const path = join(dir, 'odd.onnx');
    writeFileSync(path, withDataLocation(built, 2 ** 32 + 1));
    const model = openModel(path);
    try {
      const initializers = model.proto.graph!.initializer!;
      const external = initializers.filter((t) => model.locate(t).kind === 'external');
      assert.equal(external.length, 2, 'both tensors read as external');
      assert.deepEqual(
        new Set(model.externalTensors),
        new Set(external),
        'the tensors checked at open are those read as external',
      );
    } finally {
      model.close();
    }
    assert.deepEqual(
      weights(path).map((w) => w.length),
      [8, 8 * 3 * 9], // the bias, then the weight moved to the end
    );
  });
});

describe('checksums', () => {
  test('a checksum that fails stops a save before any data is copied', () => {
    const bad = withEntries(externalConv(), (e) => [...e, { key: 'checksum', value: '0'.repeat(40) }]);
    const path = writeBuilt(folder(), 'model.onnx', bad);
    const out = folder();
    const model = openModel(path);
    try {
      assert.throws(() => writeModel(model, model.proto, join(out, 'copy.onnx')), io001(/fails its SHA-1/));
    } finally {
      model.close();
    }
    assert.deepEqual(readdirSync(out), []);
  });

  test('written anew, the data file gets its own SHA-1 in the entries that had one', () => {
    const built = externalConv();
    const good = withEntries(built, (e) => [
      ...e,
      { key: 'checksum', value: sha1(built.files['weights.bin']) },
    ]);
    const dir = folder();
    const path = writeBuilt(dir, 'model.onnx', good);
    const model = openModel(path);
    const [weight, bias] = model.proto.graph!.initializer!;
    const newBias = withChanges(bias, {});
    model.setTensorData(newBias, [new Uint8Array(new Float32Array(8).fill(3).buffer)]);
    const edited = withChanges(model.proto, {
      graph: withChanges(model.proto.graph!, { initializer: [weight, newBias] }),
    });
    const out = join(dir, 'edited.onnx');
    writeModel(model, edited, out, { externalThreshold: 0 });
    model.close();
    const saved = openModel(out);
    try {
      const [w, b] = saved.proto.graph!.initializer!;
      assert.equal(entryOf(w, 'location'), 'edited.onnx.data');
      assert.equal(entryOf(w, 'checksum'), sha1(readFileSync(`${out}.data`)));
      assert.equal(entryOf(b, 'checksum'), undefined, 'new data had no checksum to keep');
      assert.deepEqual(Array.from(readTensorAsFloat32(saved, b)), new Array(8).fill(3));
    } finally {
      saved.close();
    }
  });
});

describe('saving', () => {
  test("the output keeps the source's mode (a 0600 model stays 0600, its data file too)", () => {
    const path = writeBuilt(folder(), 'model.onnx', externalConv());
    chmodSync(path, 0o600);
    const out = join(folder(), 'copy.onnx');
    const model = openModel(path);
    try {
      writeModel(model, model.proto, out);
    } finally {
      model.close();
    }
    assert.equal(statSync(out).mode & 0o777, 0o600);
    assert.equal(statSync(`${out}.data`).mode & 0o777, 0o600);
  });

  test('a two-file save failing at the model says which file was already replaced', () => {
    const path = writeBuilt(folder(), 'model.onnx', externalConv());
    const dir = folder();
    const out = join(dir, 'out.onnx');
    mkdirSync(join(out, 'in-the-way'), { recursive: true }); // the rename of the model fails
    const model = openModel(path);
    try {
      assert.throws(
        () => writeModel(model, model.proto, out),
        (error: unknown) =>
          error instanceof OnnxError &&
          error.kind === 'unwritable' &&
          error.message.includes(`cannot write ${out}:`) &&
          error.message.includes(`${out}.data was already replaced`),
      );
    } finally {
      model.close();
    }
    assert.deepEqual(readdirSync(dir).sort(), ['out.onnx', 'out.onnx.data'], 'no temporary file is left');
  });

  test('a file the source model reads its weights from is never written over (but by a save over the model)', () => {
    const dir = folder();
    const path = writeBuilt(dir, 'model.onnx', externalConv('copy.onnx.data'));
    const data = readFileSync(join(dir, 'copy.onnx.data'));
    const model = openModel(path);
    try {
      const [weight, bias] = model.proto.graph!.initializer!;
      const newBias = withChanges(bias, {});
      model.setTensorData(newBias, [new Uint8Array(new Float32Array(8).fill(3).buffer)]);
      const edited = withChanges(model.proto, {
        graph: withChanges(model.proto.graph!, { initializer: [weight, newBias] }),
      });
      const refused = (target: string) => (error: unknown) =>
        error instanceof OnnxError &&
        error.message.startsWith(`cannot write ${target}: `) &&
        /reads its weights from that file/.test(error.message);
      // <output>.data would be the model's own data file.
      assert.throws(
        () => writeModel(model, edited, join(dir, 'copy.onnx'), { externalThreshold: 0 }),
        refused(join(dir, 'copy.onnx.data')),
      );
      // The output itself would be it.
      assert.throws(
        () => writeModel(model, model.proto, join(dir, 'copy.onnx.data')),
        refused(join(dir, 'copy.onnx.data')),
      );
      assert.deepEqual(readFileSync(join(dir, 'copy.onnx.data')), data);
      assert.deepEqual(readdirSync(dir).sort(), ['copy.onnx.data', 'model.onnx']);
    } finally {
      model.close();
    }
  });

  test("a killed writer's temporary file is removed by the next save into that folder, whatever its name", () => {
    const dir = folder();
    // pid 999999999 is past any system's pid_max: that writer is gone.
    const stale = join(dir, '.other.onnx.999999999-k2a.tmp');
    const live = join(dir, `.other.onnx.${process.pid}-k2b.tmp`);
    writeFileSync(stale, 'half a model');
    writeFileSync(live, 'a model being written');
    const model = openModel(writeBuilt(folder(), 'model.onnx', externalConv()));
    try {
      writeModel(model, model.proto, join(dir, 'copy.onnx'));
    } finally {
      model.close();
    }
    assert.ok(!existsSync(stale), 'the dead writer’s file is removed');
    assert.ok(existsSync(live), 'a live writer’s file is left alone');
  });
});

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
