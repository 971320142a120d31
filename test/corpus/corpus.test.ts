import { CORPUS, corpusModels, corpusPresent } from '../support/corpus';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import * as ort from 'onnxruntime-node';
import protobuf from 'protobufjs/minimal.js';
import { onnx } from '../../src/core/onnx/proto/onnx.js';
import { openModel } from '../../src/core/onnx/reader';
import { writeModel } from '../../src/core/onnx/writer';
import { cli } from '../support/cli';
import { randomFeeds, referenceInputs, runFile } from '../support/ortFeeds';
import { rebuildAll } from '../support/rebuild';
import { tempDir } from '../support/tempDir';

/** Models that must fail, with the message they must fail with (see the corpus manifest). */
const KNOWN_BAD: Record<string, RegExp> = {
  'espcn-webcam/performance_espcn_x2.onnx': /external data file 'espcn_x2\.onnx\.data' is missing/,
};

function looksLikeHtml(path: string): boolean {
  return /^\s*</.test(readFileSync(path).subarray(0, 64).toString('latin1'));
}

function decodeFile(path: string): onnx.ModelProto {
  const reader = protobuf.Reader.create(readFileSync(path));
  reader.discardUnknown = false;
  return onnx.ModelProto.decode(reader);
}

describe(
  'public model corpus: inspect and re-save every model',
  { skip: !corpusPresent && `no corpus at ${CORPUS}` },
  () => {
    const out = corpusPresent ? tempDir() : '';
    const models = corpusModels();
    test('the corpus has models', () => assert.ok(models.length >= 50, `${models.length} models`));
    for (const path of models) {
      const name = relative(CORPUS, path);
      test(name, async (t) => {
        const bad = KNOWN_BAD[name] ?? (looksLikeHtml(path) ? /is not an ONNX model/ : undefined);
        const run = await cli('inspect', path, '--json');
        if (bad) {
          assert.equal(run.code, 2);
          assert.match(run.stderr, bad);
          assert.ok(run.stderr.includes(path));
          return;
        }
        assert.equal(run.code, 0, run.stderr);
        const summary = JSON.parse(run.stdout);
        assert.ok(summary.nodes > 0);

        const model = openModel(path);
        const base = join(out, name.replace(/[\\/]/g, '__'));
        writeModel(model, model.proto, `${base}.same.onnx`);
        assert.ok(readFileSync(`${base}.same.onnx`).equals(readFileSync(path)), 'byte-identical re-save');
        writeModel(model, rebuildAll(model, true), `${base}.rewritten.onnx`);
        assert.ok(
          isDeepStrictEqual(decodeFile(`${base}.rewritten.onnx`), decodeFile(path)),
          'rewritten model decodes equal',
        );
        model.close();

        // Where ONNX Runtime runs the original, the rewritten model gives identical outputs.
        let feeds: Record<string, ort.Tensor>;
        try {
          const session = await ort.InferenceSession.create(path, { logSeverityLevel: 4 });
          feeds = referenceInputs(path, session.inputNames) ?? randomFeeds(session);
          await session.run(feeds);
          await session.release();
        } catch (error) {
          t.diagnostic(`ONNX Runtime cannot run it: ${(error as Error).message.split('\n')[0]}`);
          return;
        }
        assert.deepEqual(await runFile(`${base}.rewritten.onnx`, feeds), await runFile(path, feeds));
      });
    }
  },
);
