// The long fuzz run: `npm run fuzz -- --minutes 10 --seed 7` (defaults: 1 minute, a seed from the clock,
// every seed model: fixtures, the sample and the corpus when present). `--case K` runs one case and saves
// its bytes to out/fuzz/case-K.onnx, to reproduce a failure. Prints progress, per-operation counts, every
// failure with the command that reproduces it, and one summary line; exits 1 when anything failed.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveCases } from '../test/fuzz/child';
import {
  CaseRunner,
  DEFAULT_LIMITS,
  describeFailure,
  isFuzzChild,
  makeCase,
  runFuzz,
  type RunStats,
} from '../test/fuzz/harness';
import { SEED_SETS, type SeedSet, seedSet } from '../test/fuzz/seeds';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

function perOp(stats: RunStats): string {
  return Object.entries(stats.perOp)
    .map(
      ([op, c]) =>
        `  ${op.padEnd(10)} ${String(c.cases).padStart(7)} cases  ${String(c.ok).padStart(7)} read  ${String(c.refused).padStart(7)} refused  ${String(c.failures).padStart(4)} failures`,
    )
    .join('\n');
}

async function main(): Promise<number> {
  const minutes = Number(option('minutes') ?? 1);
  const seed = Number(option('seed') ?? Date.now() % 1_000_000);
  const set = (option('seeds') ?? 'all') as SeedSet;
  const single = option('case');
  if (!SEED_SETS.includes(set) || !Number.isInteger(seed) || !(minutes > 0)) {
    console.error(
      `usage: npm run fuzz -- [--minutes M] [--seed N] [--seeds ${SEED_SETS.join('|')}] [--case K]`,
    );
    return 2;
  }
  const seeds = seedSet(set);
  const work = mkdtempSync(join(tmpdir(), 'onnx-pruner-fuzz-'));
  const runner = new CaseRunner(__filename, work, { ...DEFAULT_LIMITS, caseTimeoutMs: 20_000 });
  try {
    if (single !== undefined) {
      const fuzzCase = makeCase(seed, Number(single), seeds);
      mkdirSync('out/fuzz', { recursive: true });
      const saved = `out/fuzz/case-${single}.onnx`;
      writeFileSync(saved, fuzzCase.bytes);
      console.log(
        `seed ${seed} case ${single}: ${fuzzCase.op} of ${fuzzCase.source}: ${fuzzCase.what} (${fuzzCase.bytes.length} bytes, saved to ${saved})`,
      );
      const { results, failure } = await runner.run(fuzzCase);
      for (const r of results)
        console.log(`  ${r.op}: ${r.verdict}${r.message ? `: ${r.message.slice(0, 500)}` : ''}`);
      console.log(failure ? `FAILURE: ${failure}` : 'no failure');
      return failure ? 1 : 0;
    }
    console.log(`fuzz: seed ${seed}, ${seeds.length} seed models (${set}), ${minutes} minute(s)`);
    let lastReport = Date.now();
    const stats = await runFuzz({
      seed,
      seeds,
      runner,
      budgetMs: minutes * 60_000,
      onCase: (_c, failure, s) => {
        if (failure) console.log(`FAILURE ${describeFailure(s.failures[s.failures.length - 1], set)}`);
        if (Date.now() - lastReport > 30_000) {
          lastReport = Date.now();
          console.log(`… ${s.cases} cases, ${s.failures.length} failures`);
        }
      },
    });
    console.log(perOp(stats));
    console.log(
      `fuzz summary: ${stats.cases} cases in ${(stats.elapsedMs / 1000).toFixed(0)} s (seed ${seed}, seeds ${set}): ${stats.failures.length} failures`,
    );
    return stats.failures.length > 0 ? 1 : 0;
  } finally {
    runner.close();
    rmSync(work, { recursive: true, force: true });
  }
}

if (isFuzzChild) serveCases();
else void main().then((code) => process.exit(code));
