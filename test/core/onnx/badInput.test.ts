import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import Long from 'long';
import { MemorySource } from '../../../src/core/onnx/byteSource';
import { OnnxError } from '../../../src/core/onnx/errors';
import { FileSource } from '../../../src/core/onnx/fileSource';
import { openModel } from '../../../src/core/onnx/reader';
import { readTensorBytes } from '../../../src/core/onnx/tensorData';
import { cli } from '../../support/cli';
import { addBiasModel, encodeModel, nestedGraphs } from '../../support/minimalModels';
import { tempDir } from '../../support/tempDir';

const dir = tempDir();

function file(name: string, bytes: Uint8Array | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** Every bad input: exit code 2, one sentence on stderr that names the file, no stack trace, no stdout. */
async function expectRefused(path: string, pattern: RegExp): Promise<string> {
  const run = await cli('inspect', path);
  assert.equal(run.code, 2, `exit code for ${path}: ${run.stderr}`);
  assert.equal(run.stdout, '');
  assert.match(run.stderr, pattern);
  assert.ok(run.stderr.includes(path), `message names the file: ${run.stderr}`);
  assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(run.stderr.trim().split('\n').length, 1, 'one line');
  return run.stderr;
}

describe('bad input gets one clear sentence and exit code 2', () => {
  test('an HTML page named .onnx', async () => {
    const path = file(
      'page.onnx',
      '<!DOCTYPE html>\n<html><head><title>Not Found</title></head><body>404</body></html>\n',
    );
    await expectRefused(path, /is not an ONNX model: it looks like a text file \(an HTML page\)/);
  });

  test('an empty file', async () => {
    await expectRefused(file('empty.onnx', new Uint8Array(0)), /is empty/);
  });

  test('a truncated file', async () => {
    const bytes = encodeModel(addBiasModel());
    await expectRefused(
      file('truncated.onnx', bytes.subarray(0, Math.floor(bytes.length * 0.6))),
      /truncated or corrupt/,
    );
  });

  test('a length that runs past the end', async () => {
    // field 7 (graph), wire type 2, length 1000, then only 5 bytes
    await expectRefused(
      file('past-end.onnx', Uint8Array.from([0x3a, 0xe8, 0x07, 1, 2, 3, 4, 5])),
      /declares 1000 bytes but only 5 remain/,
    );
  });

  test('an absurd declared size', async () => {
    // field 7, length 2^62
    const huge = [0x3a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40, 0x01];
    await expectRefused(
      file('huge-length.onnx', Uint8Array.from(huge)),
      /declares \d+ bytes but only 1 remain/,
    );
  });

  test('a tensor whose shape claims more data than any tensor holds', () => {
    const model = addBiasModel({ dims: [Long.fromNumber(1e6), Long.fromNumber(1e6)] });
    const path = file('huge-dims.onnx', encodeModel(model));
    const opened = openModel(path);
    assert.throws(
      () => readTensorBytes(opened, opened.proto.graph!.initializer![0]),
      (error: unknown) => {
        assert.ok(error instanceof OnnxError);
        assert.match(error.message, /declares 4000000000000 bytes/);
        return true;
      },
    );
    opened.close();
  });

  test('a dimension beyond what a number holds exactly', async () => {
    const model = addBiasModel({ dims: [Long.fromString('9007199254740993')] });
    await expectRefused(file('overflow-dim.onnx', encodeModel(model)), /beyond the range/);
  });

  test('a negative dimension (inspect counted it as -4 parameters)', async () => {
    const model = addBiasModel({ dims: [Long.fromNumber(-4)] });
    await expectRefused(
      file('negative-dim.onnx', encodeModel(model)),
      /a dimension of tensor 'bias' \(-4\) is negative/,
    );
  });

  test('a dimension of INT64_MIN', async () => {
    const model = addBiasModel({ dims: [Long.MIN_VALUE] });
    await expectRefused(
      file('int64-min-dim.onnx', encodeModel(model)),
      /-9223372036854775808\) is beyond the range/,
    );
  });

  test('a tensor whose data does not match its shape', () => {
    const model = addBiasModel({ dims: [Long.fromNumber(5)] }); // 4 floats of data for 5 elements
    const opened = openModel(file('short-data.onnx', encodeModel(model)));
    assert.throws(
      () => readTensorBytes(opened, opened.proto.graph!.initializer![0]),
      /has 16 bytes of data, but its shape \[5\] needs 20/,
    );
    opened.close();
  });

  test('absurd nesting of graphs in attributes', async () => {
    await expectRefused(file('deep.onnx', encodeModel(nestedGraphs(30))), /nested more than 64 levels deep/);
  });

  test('a protobuf that is not a model', async () => {
    await expectRefused(
      file('not-model.onnx', Uint8Array.from([0x08, 0x01])),
      /is not an ONNX model: it has no graph/,
    );
  });

  test('binary junk', async () => {
    const png = Uint8Array.from([
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52,
    ]);
    await expectRefused(file('image.onnx', png), /is not an ONNX model/);
  });

  test('a directory', async () => {
    const path = join(dir, 'folder.onnx');
    mkdirSync(path);
    await expectRefused(path, /is a directory/);
  });

  test('a missing file', async () => {
    await expectRefused(join(dir, 'nope.onnx'), /no such file/);
  });

  test('a file without read permission', { skip: process.platform !== 'linux' }, () => {
    const path = file('secret.onnx', encodeModel(addBiasModel()));
    chmodSync(path, 0o000);
    // Root reads anything, so run the CLI as an unprivileged user when we are root.
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const result = spawnSync(process.execPath, [resolve('dist/cli.js'), 'inspect', path], {
      encoding: 'utf8',
      ...asNobody,
    });
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /secret\.onnx: permission denied/);
  });
});

describe('external data that is missing or escapes the model folder fails with IO001', () => {
  const external = (location: string) =>
    addBiasModel({
      raw_data: undefined,
      data_location: 1,
      external_data: [
        { key: 'location', value: location },
        { key: 'offset', value: '0' },
        { key: 'length', value: '16' },
      ],
    });

  test('missing file', async () => {
    const path = file('missing-ext.onnx', encodeModel(external('weights.bin')));
    await expectRefused(path, /external data file 'weights.bin' is missing/);
  });

  test('absolute path', async () => {
    await expectRefused(file('abs-ext.onnx', encodeModel(external('/etc/passwd'))), /is an absolute path/);
  });

  test('.. out of the folder', async () => {
    await expectRefused(
      file('dotdot-ext.onnx', encodeModel(external('../../etc/passwd'))),
      /points outside the model's folder/,
    );
  });

  test('a link that leads out of the folder', async () => {
    symlinkSync('/etc/hostname', join(dir, 'link.bin'));
    await expectRefused(
      file('link-ext.onnx', encodeModel(external('link.bin'))),
      /is a link that leads outside/,
    );
  });

  test('a folder link that leads out of the model folder', async () => {
    mkdirSync(join(dir, 'inside'));
    symlinkSync('/etc', join(dir, 'inside', 'etc'));
    await expectRefused(
      file('dir-link-ext.onnx', encodeModel(external('inside/etc/hostname'))),
      /is a link that leads outside the model's folder/,
    );
  });

  test('an offset beyond what a number holds exactly', async () => {
    writeFileSync(join(dir, 'data.bin'), new Uint8Array(16));
    const model = external('data.bin');
    model.graph!.initializer![0].external_data![1].value = '9007199254740993';
    await expectRefused(
      file('huge-offset-ext.onnx', encodeModel(model)),
      /invalid external data offset '9007199254740993'/,
    );
  });

  test('an offset past the end of the data file', async () => {
    writeFileSync(join(dir, 'short.bin'), new Uint8Array(8));
    await expectRefused(
      file('short-ext.onnx', encodeModel(external('short.bin'))),
      /reads bytes 0–16 of 'short.bin', which has only 8/,
    );
  });

  test('the error carries the IO001 code', () => {
    const path = file('code-ext.onnx', encodeModel(external('absent.bin')));
    assert.throws(
      () => openModel(path),
      (error: unknown) => error instanceof OnnxError && error.code === 'IO001',
    );
  });
});

describe('a model read whole at open (a prune preloads it)', () => {
  const messageOf = (open: () => unknown): string => {
    try {
      open();
    } catch (error) {
      return (error as Error).message;
    }
    return 'opened';
  };

  test('refuses every bad file with the same sentence as the windowed walk', () => {
    const good = encodeModel(addBiasModel());
    const paths = [
      file('whole-truncated.onnx', good.subarray(0, Math.floor(good.length * 0.6))),
      file('whole-past-end.onnx', Uint8Array.from([0x3a, 0xe8, 0x07, 1, 2, 3, 4, 5])),
      file('whole-page.onnx', '<html><body>404</body></html>\n'),
      file('whole-one-byte.onnx', Uint8Array.from([0x3a])),
    ];
    for (const path of paths) {
      const windowed = messageOf(() => openModel(path).close());
      assert.notEqual(windowed, 'opened', path);
      assert.equal(
        messageOf(() => openModel(path, { preload: 1 << 30 }).close()),
        windowed,
        path,
      );
    }
  });

  test('decodes the same model, and reads its weights from memory', () => {
    const path = file('whole-good.onnx', encodeModel(addBiasModel()));
    const windowed = openModel(path);
    const whole = openModel(path, { preload: 1 << 30 });
    const tooSmall = openModel(path, { preload: 16 }); // over the limit: the windowed walk, as without it
    try {
      assert.deepEqual(whole.proto, windowed.proto);
      assert.deepEqual(tooSmall.proto, windowed.proto);
      assert.ok(whole.source instanceof MemorySource);
      assert.ok(tooSmall.source instanceof FileSource);
      const tensor = (m: typeof whole) => m.proto.graph!.initializer![0];
      assert.deepEqual(readTensorBytes(whole, tensor(whole)), readTensorBytes(windowed, tensor(windowed)));
      assert.equal(whole.mode, windowed.mode, 'the file mode is kept for the files written from it');
    } finally {
      windowed.close();
      whole.close();
      tooSmall.close();
    }
  });
});
