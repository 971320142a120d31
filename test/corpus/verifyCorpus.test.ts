// Every corpus model at the settings a new user tries (issue 13's acceptance): the pruned model runs in ONNX
// Runtime and passes verify, or the prune or the verification is refused with one sentence naming why; never
// an internal error, never a FAIL. One ONNX Runtime child serves every verification, without timing runs.
import { CORPUS, corpusModels, corpusPresent } from '../support/corpus';
import assert from 'node:assert/strict';
import { join, relative } from 'node:path';
import { after, describe, test } from 'node:test';
import { computeMetrics } from '../../src/core/metrics/metrics';
import { OnnxError } from '../../src/core/onnx/errors';
import { ModelView } from '../../src/core/onnx/modelView';
import { openModel } from '../../src/core/onnx/reader';
import { pruneFile } from '../../src/core/prune/prune';
import type { PruneSettings } from '../../src/core/prune/select';
import { OrtClient } from '../../src/runtime/ortClient';
import { formatVerify } from '../../src/runtime/verify/formatVerify';
import { VerifyInputError } from '../../src/runtime/verify/types';
import { verifyModels } from '../../src/runtime/verify/verifyModels';
import { useFreshWorker } from '../runtime/workerBundle';
import { tempDir } from '../support/tempDir';

const SETTINGS: [string, Partial<PruneSettings>][] = [
  ['--ratio 0.3', { ratio: 0.3 }],
  ['--ratio 0.5', { ratio: 0.5 }],
  ['--global --ratio 0.4', { ratio: 0.4, global: true }],
  ['--target-macs 0.6', { targetMacs: 0.6 }],
];

/**
 * Every model runs by default (the whole suite took 3.5 min on this 2-core machine, VGG-19's 550 MB and 20 GMACs
 * a run included). ONNX_PRUNER_CORPUS_QUICK=1 skips the heaviest ones for a quick local run.
 */
const BUDGET = { parameters: 10e6, macs: 1e9 };
const ALL = process.env.ONNX_PRUNER_CORPUS_QUICK !== '1';

describe(
  'the corpus at the usual settings: pruned and verified, or refused in a sentence',
  {
    skip: !corpusPresent && `no corpus at ${CORPUS}`,
  },
  () => {
    useFreshWorker();
    const out = corpusPresent ? tempDir() : '';
    const client = new OrtClient();
    after(() => client.close());
    for (const path of corpusModels()) {
      const name = relative(CORPUS, path);
      test(name, async (t) => {
        const size = weight(path);
        if (size && !ALL && (size.parameters > BUDGET.parameters || size.macs > BUDGET.macs)) {
          t.diagnostic(
            `skipped: ${size.parameters.toLocaleString('en-US')} parameters, ${size.macs.toExponential(1)} MACs (ONNX_PRUNER_CORPUS_QUICK=1 skips it; unset it to run it)`,
          );
          return;
        }
        const problems: string[] = [];
        for (const [label, amount] of SETTINGS) {
          const pruned = join(out, `${name.replace(/[\\/]/g, '__')}.pruned.onnx`);
          const settings: PruneSettings = {
            ratio: 0,
            criterion: 'l1',
            roundTo: 1,
            seed: 0,
            layers: {},
            ...amount,
          };
          const outcome = refusedOr(() => pruneFile(path, pruned, settings, { hashOriginal: true }));
          let verdict: string;
          if (typeof outcome === 'string') verdict = `prune refused: ${outcome}`;
          else {
            const result = await refusedOrAsync(() => verifyModels(path, pruned, { runs: 0, client }));
            if (typeof result === 'string') verdict = `verify refused: ${result}`;
            else if (result.passed) verdict = `PASS (${outcome.removedChannels} channels removed)`;
            else verdict = `FAIL\n${formatVerify(result)}`;
          }
          const bad = /^(FAIL|internal:)/.test(verdict.replace(/^(prune|verify) refused: /, ''));
          const refusal = verdict.match(/refused: (.*)$/s)?.[1];
          const oneSentence = !refusal || !refusal.trim().includes('\n');
          if (bad || !oneSentence) problems.push(`${label}: ${verdict}`);
          t.diagnostic(`${label}: ${verdict.split('\n')[0]}`);
        }
        assert.deepEqual(problems, []);
      });
    }
  },
);

/** Parameters and MACs of a model, or undefined when it cannot be read (the prune then says why). */
function weight(path: string): { parameters: number; macs: number } | undefined {
  try {
    const file = openModel(path);
    try {
      const metrics = computeMetrics(new ModelView(file));
      return { parameters: metrics.parameters, macs: metrics.macs };
    } finally {
      file.close();
    }
  } catch {
    return undefined;
  }
}

/** The value, or the one-sentence refusal a user would see; anything else is an internal error. */
function refusedOr<T>(run: () => T): T | string {
  try {
    return run();
  } catch (error) {
    return refusal(error);
  }
}

async function refusedOrAsync<T>(run: () => Promise<T>): Promise<T | string> {
  try {
    return await run();
  } catch (error) {
    return refusal(error);
  }
}

function refusal(error: unknown): string {
  if (error instanceof OnnxError || error instanceof VerifyInputError) return error.message;
  return `internal: ${(error as Error).stack ?? String(error)}`;
}
