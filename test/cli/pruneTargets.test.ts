// prune's amounts chosen across the model: --global ranking, --target-macs and --target-latency (timed in
// ONNX Runtime, with its latency lookup table cached).
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { cli } from '../support/cli';
import { tempDir } from '../support/tempDir';
import { useFreshWorker } from '../runtime/workerBundle';

const SAMPLE = resolve('media/sample/edsr-x4.onnx');
const dir = tempDir();
useFreshWorker(); // one ONNX Runtime worker bundle for every verification in this file

describe('global pruning and MACs targets', () => {
  test('--target-macs 0.5 brings the MACs to at most half, globally, and the result verifies', async () => {
    const out = join(dir, 'half-macs.onnx');
    const reportPath = join(dir, 'half-macs.json');
    const run = await cli(
      'prune',
      SAMPLE,
      '-o',
      out,
      '--target-macs',
      '0.5',
      '--verify',
      '--report',
      reportPath,
    );
    assert.equal(run.code, 0, run.stderr + run.stdout);
    const report = JSON.parse(readFileSync(reportPath, 'utf8'));
    assert.ok(report.metrics.after.macs <= 0.5 * report.metrics.before.macs, `${report.metrics.after.macs}`);
    assert.ok(report.metrics.after.macs > 0.4 * report.metrics.before.macs, 'not much further than asked');
    assert.equal(report.verify.passed, true);
  });

  test('--global ranks all groups together: amounts differ between groups, the total matches the ratio', async () => {
    const out = join(dir, 'global.onnx');
    const reportPath = join(dir, 'global.json');
    assert.equal(
      (
        await cli(
          'prune',
          SAMPLE,
          '-o',
          out,
          '--ratio',
          '0.5',
          '--global',
          '--reduce',
          'max',
          '--report',
          reportPath,
        )
      ).code,
      0,
    );
    const report = JSON.parse(readFileSync(reportPath, 'utf8'));
    const pruned = report.groups.filter((g: { skipped?: string }) => !g.skipped);
    const kept = new Set(
      pruned.map((g: { keptChannels: number; channels: number }) => g.keptChannels / g.channels),
    );
    assert.ok(kept.size > 1, 'groups keep different shares');
    const total = pruned.reduce((n: number, g: { channels: number }) => n + g.channels, 0);
    const removed = pruned.reduce(
      (n: number, g: { channels: number; keptChannels: number }) => n + g.channels - g.keptChannels,
      0,
    );
    assert.ok(Math.abs(removed / total - 0.5) < 0.05, `${removed} of ${total}`);
  });

  test('--reduce takes only mean, sum or max', async () => {
    assert.equal(
      (await cli('prune', SAMPLE, '-o', join(dir, 'r.onnx'), '--ratio', '0.5', '--reduce', 'median')).code,
      2,
    );
  });
});

describe('--target-latency', () => {
  test('searches ratios by timing real prunes, prunes at the one found, says every step, and verifies', async () => {
    const out = join(dir, 'latency.onnx');
    const cache = join(dir, 'cache');
    const run = await cli(
      'prune',
      SAMPLE,
      '-o',
      out,
      '--target-latency',
      '0.6',
      '--verify',
      '--cache-dir',
      cache,
    );
    assert.equal(run.code, 0, run.stderr);
    const line =
      /Latency target 0\.6: global ratio ([\d.]+) runs in ([\d.]+) of the original's time \(ONNX Runtime CPU, median of 20 paired runs per step; measured: (.*)\)\./.exec(
        run.stdout,
      );
    assert.ok(line, run.stdout);
    const steps = [...line[3].matchAll(/ratio ([\d.]+) → ([\d.]+)/g)].map((m) => [
      Number(m[1]),
      Number(m[2]),
    ]);
    assert.ok(steps.length >= 1 && steps.length <= 7, `${steps.length} measured steps`);
    assert.deepEqual(
      steps.find(([ratio]) => ratio === Number(line[1])),
      [Number(line[1]), Number(line[2])],
      'the ratio chosen is one that was measured',
    );
    assert.match(run.stdout, /PASS/);
    assert.ok(existsSync(out));
    assert.match(
      run.stdout,
      /importance per unit of latency saved, from the latency lookup table \(\d+ groups timed/,
    );
    assert.equal(readdirSync(cache).length, 1, 'the table is cached in --cache-dir');
  });

  test('--latency-table: kept counts from the table, measured once, then read from the cache', async () => {
    const cache = join(dir, 'table-cache');
    const first = await cli(
      'prune',
      SAMPLE,
      '-o',
      join(dir, 't1.onnx'),
      '--ratio',
      '0.3',
      '--latency-table',
      '--cache-dir',
      cache,
    );
    assert.equal(first.code, 0, first.stderr);
    assert.match(
      first.stdout,
      /Latency lookup table: \d+ groups timed in ONNX Runtime at their candidate widths \(\d+ probes\)/,
    );
    const second = await cli(
      'prune',
      SAMPLE,
      '-o',
      join(dir, 't2.onnx'),
      '--ratio',
      '0.3',
      '--latency-table',
      '--cache-dir',
      cache,
    );
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /Latency lookup table: read from the cache/);
    assert.deepEqual(
      readFileSync(join(dir, 't2.onnx')),
      readFileSync(join(dir, 't1.onnx')),
      'the same table, the same prune',
    );
  });

  test('is one of the amounts: not with --ratio, and within [0.05, 1]', async () => {
    const both = await cli(
      'prune',
      SAMPLE,
      '-o',
      join(dir, 'x.onnx'),
      '--ratio',
      '0.5',
      '--target-latency',
      '0.6',
    );
    assert.equal(both.code, 2);
    assert.match(both.stderr, /give one of --ratio, --target-macs, --target-latency or --plan/);
    const tiny = await cli('prune', SAMPLE, '-o', join(dir, 'x.onnx'), '--target-latency', '0.01');
    assert.equal(tiny.code, 2);
    assert.match(tiny.stderr, /--target-latency must be a number in \[0\.05, 1\]/);
  });
});
