/**
 * `npm run bench`, second part: do pruned models run faster? Every model of ../shared/corpus is pruned with the
 * defaults (ratio 0.3 unless --ratio says otherwise, channel counts on this machine's block) and timed against
 * its original in ONNX Runtime's CPU provider: paired runs (the two alternate, warm-up first), and per model the
 * median of the per-pair ratios pruned / original. Prints one row per model and the median over the models
 * where something was removed and the original takes at least 0.5 ms. Not a test: it prints, it does not judge.
 * Kept counts come from each model's latency lookup table (measured once, cached in --cache-dir, default the
 * CLI's cache folder) unless --no-table is given.
 *
 *   node scripts/run-ts.mjs scripts/bench-latency.ts [--ratio R] [--align N] [--runs N] [--only TEXT]
 *     [--no-table] [--cache-dir DIR]
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pruneFile } from '../src/core/prune/prune';
import type { PruneSettings } from '../src/core/prune/select';
import { detectChannelBlock, withMachineAlignment } from '../src/runtime/channelBlock';
import { median, pairedRatios } from '../src/runtime/pairedTiming';
import { OrtClient } from '../src/runtime/ortClient';
import { WORKER_PATH_ENV } from '../src/runtime/ortConnection';
import { feedSpecs, generateFeeds } from '../src/runtime/randomFeeds';
import { defaultCacheDir } from '../src/runtime/latencyCache';
import { withLatencyTable } from '../src/runtime/latencyLookup';

const CORPUS = join(__dirname, '..', '..', '..', 'shared', 'corpus');
const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const RATIO = Number(arg('--ratio') ?? 0.3);
const RUNS = Number(arg('--runs') ?? 30);
const ALIGN = arg('--align');
const ONLY = arg('--only');
const TABLE = !process.argv.includes('--no-table');
const CACHE = arg('--cache-dir') ?? defaultCacheDir();
/** Models faster than this are timed, not judged: their timings are mostly the runtime's own overhead. */
const MIN_MS = 0.5;

interface Row {
  model: string;
  macs: number | undefined;
  originalMs: number | undefined;
  latency: number | undefined;
  note: string;
}

function models(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? models(join(dir, e.name)) : e.name.endsWith('.onnx') ? [join(dir, e.name)] : [],
    )
    .sort();
}

/** A row without a timing, and why. */
function untimed(model: string, macs: number | undefined, note: string): Row {
  return { model, macs, originalMs: undefined, latency: undefined, note };
}

async function measure(client: OrtClient, model: string, dir: string): Promise<Row> {
  const name = relative(CORPUS, model);
  const out = join(dir, 'pruned.onnx');
  const base: PruneSettings = { ratio: RATIO, criterion: 'l1', roundTo: 1, seed: 0, layers: {} };
  const settings =
    ALIGN === undefined
      ? withMachineAlignment(base)
      : { ...base, alignment: { block: Number(ALIGN), reason: '--align' } };
  let macs: number | undefined;
  let table = '';
  try {
    let chosen = settings;
    if (TABLE) {
      try {
        const measured = await withLatencyTable(model, settings, { cacheDir: CACHE, timeoutMs: 300_000 });
        chosen = measured.settings;
        table = measured.stats.cached ? 'table cached' : `table: ${measured.stats.probesMeasured} probes`;
      } catch (error) {
        table = `no table: ${(error as Error).message.slice(0, 40)}`;
      }
    }
    const outcome = pruneFile(model, out, chosen);
    if (outcome.removedChannels === 0) return untimed(name, 1, 'nothing removed');
    macs = outcome.metrics.after.macs / Math.max(outcome.metrics.before.macs, 1);
  } catch (error) {
    return untimed(name, macs, `not pruned: ${(error as Error).message.slice(0, 60)}`);
  }
  try {
    const a = await client.load(model);
    const b = await client.load(out);
    try {
      const feeds = generateFeeds(feedSpecs(a.inputs, b.inputs), 1);
      const [ta, tb] = await client.time(
        [
          { model: a, feeds },
          { model: b, feeds },
        ],
        { runs: RUNS, warmup: 3, timeoutMs: 300_000 },
      );
      return {
        model: name,
        macs,
        originalMs: median(ta),
        latency: median(pairedRatios(ta, tb)),
        note: table ? `${table}; ` : '',
      };
    } finally {
      await client.release(a);
      await client.release(b);
    }
  } catch (error) {
    return untimed(name, macs, `not run: ${(error as Error).message.slice(0, 60)}`);
  }
}

function rowText(r: Row): string {
  return `${r.model.padEnd(72)} ${r.macs === undefined ? '—'.padStart(6) : r.macs.toFixed(3).padStart(6)} ${r.originalMs === undefined ? '—'.padStart(8) : r.originalMs.toFixed(2).padStart(8)} ${r.latency === undefined ? '—'.padStart(8) : r.latency.toFixed(3).padStart(8)}  ${r.note}${r.originalMs !== undefined && r.originalMs < MIN_MS ? `under ${MIN_MS} ms: not judged` : ''}${r.latency !== undefined && r.latency > 1.02 && (r.originalMs ?? 0) >= MIN_MS ? 'SLOWER' : ''}`;
}

async function main(): Promise<void> {
  if (!existsSync(CORPUS)) {
    process.stdout.write(`corpus latency: skipped (${CORPUS} is absent)\n`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'onnx-pruner-latency-'));
  // The bundled worker of `npm run build` (this script is bundled into out/scripts, not dist/); the lookup
  // table's own clients find it through the environment.
  const workerPath = join(__dirname, '..', '..', 'dist', 'ortWorker.js');
  process.env[WORKER_PATH_ENV] ||= workerPath;
  const client = new OrtClient({ workerPath });
  const rows: Row[] = [];
  try {
    for (const model of models(CORPUS).filter((m) => !ONLY || m.includes(ONLY))) {
      if (statSync(model).size > 300e6) continue;
      process.stderr.write(`  ${relative(CORPUS, model)}\n`);
      const row = await measure(client, model, dir);
      rows.push(row);
      // Each row as it comes (a long run that is stopped still tells what it measured).
      process.stderr.write(`    ${rowText(row)}\n`);
    }
  } finally {
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const align =
    ALIGN === undefined ? `this machine's channel block (${detectChannelBlock().block})` : `--align ${ALIGN}`;
  const lines = [
    `Corpus latency: ratio ${RATIO}, l1, counts on ${align}${TABLE ? ", widths from each model's latency lookup table" : ''}; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(
        ' ',
      )}; ONNX Runtime CPU, ${RUNS} paired runs after 3 warm-up (median of pruned/original per pair)`,
    '',
    `${'model'.padEnd(72)} ${'MACs'.padStart(6)} ${'orig ms'.padStart(8)} ${'latency'.padStart(8)}  note`,
  ];
  for (const r of rows) lines.push(rowText(r));
  const judged = rows.filter((r) => r.latency !== undefined && (r.originalMs ?? 0) >= MIN_MS);
  const slower = judged.filter((r) => r.latency! > 1.02);
  lines.push(
    '',
    `${judged.length} models pruned and ≥ ${MIN_MS} ms: median latency ratio ${judged.length ? median(judged.map((r) => r.latency!)).toFixed(3) : '—'}, median MACs ratio ${judged.length ? median(judged.map((r) => r.macs!)).toFixed(3) : '—'}; ${slower.length} slower than the original (> 1.02)${slower.length ? `: ${slower.map((r) => r.model).join(', ')}` : ''}.`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

void main();
