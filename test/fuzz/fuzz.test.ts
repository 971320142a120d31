// The fuzz run of `npm test`: seeded, bounded in time (about 30 s in all), the same harness as `npm run fuzz`.
// Cases run in a child process (this file's own bundle, see isFuzzChild) under a time and a memory bound.
// ONNX_PRUNER_FUZZ_SEED picks another seed; a failure prints the command that rebuilds its case.
import assert from 'node:assert/strict';
import { type TestContext, after, describe, test } from 'node:test';
import { mulberry32 } from '../../src/core/random';
import { corpusPresent } from '../support/corpus';
import { tempDir } from '../support/tempDir';
import { serveCases } from './child';
import { CaseRunner, type FuzzCase, DEFAULT_LIMITS, describeFailure, isFuzzChild, runFuzz } from './harness';
import { deep } from './mutations';
import { type SeedSet, builtinSeeds, seedSet } from './seeds';

const SEED = Number(process.env.ONNX_PRUNER_FUZZ_SEED ?? 20261128);

if (isFuzzChild) serveCases();
else
  describe('fuzzing: every mutated model ends in a result or a clear error, in bounded time and memory', () => {
    const work = tempDir('onnx-pruner-fuzz-');
    const runner = new CaseRunner(__filename, work, { caseTimeoutMs: 8_000, memoryMb: 1024 });
    after(() => runner.close());

    const expectNoFailures = async (t: TestContext, set: SeedSet, budgetMs: number, minCases: number) => {
      const stats = await runFuzz({ seed: SEED, seeds: seedSet(set), runner, budgetMs });
      const counts = Object.entries(stats.perOp).map(([op, c]) => `${op} ${c.cases}`);
      t.diagnostic(
        `seed ${SEED}: ${stats.cases} cases (${counts.join(', ')}), ${stats.failures.length} failures`,
      );
      const report = stats.failures.map((f) => describeFailure(f, set)).join('\n');
      assert.equal(
        stats.failures.length,
        0,
        `${stats.failures.length} of ${stats.cases} cases failed:\n${report}`,
      );
      // A run that did almost nothing (a broken child, say) must not pass as clean.
      assert.ok(stats.cases >= minCases, `only ${stats.cases} cases ran in ${budgetMs} ms`);
      // Nesting thousands deep is always refused; a truncated model mostly (a cut between two top-level
      // fields leaves a shorter valid model).
      assert.equal(stats.perOp.deep.ok, 0, 'nesting thousands deep was read');
      assert.ok(
        stats.perOp.truncate.refused > stats.perOp.truncate.ok,
        'truncated models were read as if whole',
      );
      return stats;
    };

    test('graphs in attributes and TypeProtos nested thousands deep are refused', async () => {
      for (let i = 0; i < 6; i++) {
        const { bytes, what } = deep(mulberry32(i), 1000 + 1000 * i);
        const fuzzCase: FuzzCase = {
          seed: SEED,
          index: -1 - i,
          op: 'deep',
          source: 'hand-made',
          what,
          bytes,
          files: {},
        };
        const { results, failure } = await runner.run(fuzzCase);
        assert.equal(failure, undefined, `${what}: ${failure}`);
        for (const r of results)
          assert.match(r.message ?? '', /nested|too deep|depth/i, `${what}: ${r.op}: ${r.message}`);
      }
    });

    test('mutations of the builder fixtures and the sample model', async (t) => {
      await expectNoFailures(t, 'builtin', 16_000, 100);
    });

    test(
      'mutations of the real models of the corpus',
      { skip: !corpusPresent && 'no ../shared/corpus' },
      async (t) => {
        await expectNoFailures(t, 'corpus', 8_000, 30);
      },
    );

    test('a case over the time or the memory bound is reported as a failure, not waited for', async () => {
      const sample = builtinSeeds().find((s) => s.name === 'sample:edsr-x4')!;
      const fuzzCase: FuzzCase = {
        seed: SEED,
        index: -100,
        op: 'bitflip',
        source: sample.name,
        what: 'unchanged',
        bytes: sample.bytes,
        files: {},
      };
      // Pruning the 640 kB sample takes far more than 1 ms; a resident size of 10 MB is below any Node process.
      const slow = new CaseRunner(__filename, work, { ...DEFAULT_LIMITS, caseTimeoutMs: 1 });
      const big = new CaseRunner(__filename, work, { ...DEFAULT_LIMITS, memoryMb: 10 });
      try {
        assert.match((await slow.run(fuzzCase)).failure ?? '', /no result within 1 ms/);
        assert.match(
          (await big.run(fuzzCase)).failure ?? '',
          /resident memory reached \d+ MB \(bound 10 MB\)/,
        );
      } finally {
        slow.close();
        big.close();
      }
      // The same case within the bounds is fine: the failures above came from the bounds alone.
      assert.equal((await runner.run(fuzzCase)).failure, undefined);
    });
  });
