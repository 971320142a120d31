// The graph inspector's pruning panel on a page with a prune applied: the plan and its preview, per-layer
// keeps, the latency target and calibration controls, sensitivity and allocation, and the compare view. The
// host's answers are measured for real: a prune of the sample, its sensitivity and fidelity in ONNX Runtime.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { analyzeModel } from '../../src/core/analyze/analyze';
import { ModelView } from '../../src/core/onnx/modelView';
import { openModel } from '../../src/core/onnx/reader';
import type { ModelEdit } from '../../src/protocol/server';
import { pruneFile } from '../../src/core/prune/prune';
import { tempDir } from '../support/tempDir';
import { OrtClient } from '../../src/runtime/ortClient';
import { type SensitivityReport, measureSensitivity } from '../../src/runtime/sensitivity';
import { compareInRuntime } from '../../src/server/quality';
import { useFreshWorker } from '../runtime/workerBundle';
import { prepare } from './pageHarness';
import { ARTIFACTS, SAMPLE, inspectorPages } from './inspectorPages';

const dir = tempDir();
useFreshWorker(); // the pruning panel's answers are measured in the real ONNX Runtime

describe('the graph inspector in headless Chromium', () => {
  let sensitivity: SensitivityReport;
  /** Changes the host's sensitivity answer (the pages ask for it when Run Sensitivity is clicked). */
  let answerSensitivity: (report: SensitivityReport) => void;

  const { open } = inspectorPages(async (origin, { models, answers }) => {
    models.set('sample', prepare(SAMPLE, origin));
    // A page with a prune applied: the compare view is on it; the host's compare answer is computed here.
    const prunedPath = join(dir, 'pruned.onnx');
    const settings = { ratio: 0.5, criterion: 'l1' as const, roundTo: 1, seed: 0, layers: {} };
    const outcome = pruneFile(SAMPLE, prunedPath, settings);
    const edit: ModelEdit = {
      kind: 'prune',
      label: 'Prune channels (model.prune.json)',
      planUri: 'file:///model.prune.json',
      planText: '{}',
    };
    models.set('pruned', prepare(SAMPLE, origin, [edit]));
    const after = analyzeModel(new ModelView(openModel(prunedPath)));
    answers.compare = {
      ok: true,
      rows: [...models.get('sample')!.analysis.roots.values()].map((r) => ({
        root: r.node,
        op: r.op,
        before: r.channels,
        after: after.roots.get(r.node)?.channels ?? 0,
      })),
      parameters: { before: outcome.metrics.before.parameters, after: outcome.metrics.after.parameters },
      macs: { before: outcome.metrics.before.macs, after: outcome.metrics.after.macs },
    };
    // What the host would answer, measured for real: the sample's sensitivity and the prune's fidelity.
    sensitivity = JSON.parse(
      JSON.stringify(await measureSensitivity(SAMPLE, { ratios: [0.25, 0.5], samples: 2 })),
    ) as SensitivityReport;
    const client = new OrtClient();
    try {
      answers.fidelity = JSON.stringify({
        type: 'fidelity',
        ...(await compareInRuntime(client, SAMPLE, prunedPath, { calibDir: undefined })),
      });
    } finally {
      await client.close();
    }
    answers.sensitivity = sensitivity;
    answerSensitivity = (report) => (answers.sensitivity = report);
  });

  test('the pruning panel shows the plan and its preview; a per-layer keep asks the host to edit the plan', async () => {
    const { page, posted } = await open('pruned', 'vscode-light');
    await page.waitForSelector('#prune-preview table');
    const totals = await page.locator('#prune-preview .totals').innerText();
    assert.match(totals, /Parameters 158\.98K → [\d.]+K \([\d.]+×\) · MACs 289\.75M → /);
    const keep = page.locator('#prune-preview input[data-root="/tail/tail.0/tail.0.0/Conv"]');
    assert.equal(await keep.inputValue(), '64');
    await keep.fill('96');
    await keep.press('Enter');
    await keep.blur();
    await page.waitForFunction(() => true);
    assert.ok(
      posted.some(
        (m) =>
          JSON.stringify(m) ===
          JSON.stringify({ type: 'layer', root: '/tail/tail.0/tail.0.0/Conv', keep: 96, channels: 128 }),
      ),
      JSON.stringify(posted),
    );
    await page.locator('#prune').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, '6-prune-panel-light.png') });
    await page.close();
  });

  test('the pruning panel: latency target, greedy criterion, calibration folder, reconstruct', async () => {
    const { page, posted } = await open('pruned', 'vscode-light');
    await page.waitForSelector('#prune-preview table');
    const options = async (id: string) =>
      page.locator(`#${id} vscode-option`).evaluateAll((os) => os.map((o) => o.getAttribute('value')));
    assert.deepEqual(await options('prune-criterion'), ['l1', 'l2', 'bn', 'random', 'greedy']);
    assert.deepEqual(await options('prune-mode'), ['ratio', 'global', 'macs', 'latency']);
    await page.evaluate(() => {
      const set = (id: string, value: string) =>
        Object.assign(document.getElementById(id) as HTMLElement & { value: string }, { value });
      set('prune-criterion', 'greedy');
      set('prune-mode', 'latency');
      set('prune-value', '0.6');
    });
    await page.locator('#prune-write').click();
    await page.locator('#prune-calib-pick').click();
    await page.waitForFunction(() => document.getElementById('prune-calib')?.textContent === '/photos/calib');
    await page.locator('#prune-reconstruct').click();
    await page.locator('#prune-apply').click();
    await page.waitForFunction(() => true);
    const sent = posted.map((m) => JSON.stringify(m));
    assert.ok(
      sent.includes(
        JSON.stringify({
          type: 'write-plan',
          settings: { criterion: 'greedy', mode: 'latency', value: 0.6 },
        }),
      ),
      sent.join('\n'),
    );
    assert.ok(sent.includes('{"type":"pick-calib"}'));
    assert.ok(sent.includes(JSON.stringify({ type: 'apply-plan', reconstruct: true })), sent.join('\n'));
    await page.close();
  });

  test('sensitivity: one line per group, hover names the layer; Allocate by sensitivity previews the fidelity', async () => {
    const { page, posted } = await open('pruned');
    await page.locator('#sens-run').click();
    await page.waitForSelector('#sens-chart svg');
    const groups = new Set(sensitivity.rows.map((r) => r.group));
    assert.equal(await page.locator('#sens-chart g.series').count(), groups.size);
    assert.equal(await page.locator('#sens-chart circle').count(), sensitivity.rows.length);
    const root = sensitivity.rows[0].roots[0];
    await page.locator(`#sens-chart g.series[data-root="${root}"] circle`).first().hover();
    assert.match(
      await page.locator('#sens-hover').innerText(),
      new RegExp(`^${root.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`),
    );
    assert.match(await page.locator('#sens-status').innerText(), /groups × 2 ratios/);
    await page.evaluate(() => {
      Object.assign(document.getElementById('alloc-kind') as HTMLElement & { value: string }, {
        value: 'psnr',
      });
      Object.assign(document.getElementById('alloc-value') as HTMLElement & { value: string }, {
        value: '30',
      });
    });
    await page.locator('#alloc-run').click();
    await page.waitForFunction(() =>
      /Predicted/.test(document.getElementById('alloc-status')?.textContent ?? ''),
    );
    assert.ok(
      posted.some(
        (m) => JSON.stringify(m) === JSON.stringify({ type: 'allocate', target: { kind: 'psnr', db: 30 } }),
      ),
    );
    assert.match(
      await page.locator('#alloc-status').innerText(),
      /written to the plan\. Predicted .*MACs [\d.]+ % .*PSNR [\d.]+ dB/,
    );
    await page.locator('#sensitivity').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, '8-sensitivity-dark.png') });
    await page.close();
  });

  test('sensitivity of fewer groups than the model has says which and what they cover', async () => {
    const capped = JSON.parse(
      JSON.stringify(await measureSensitivity(SAMPLE, { ratios: [0.5], samples: 1, maxGroups: 2 })),
    ) as SensitivityReport;
    assert.ok(capped.coverage.prunable > 2, 'the sample has more groups than the limit');
    answerSensitivity(capped);
    try {
      const { page } = await open('pruned');
      await page.locator('#sens-run').click();
      await page.waitForSelector('#sens-chart svg');
      assert.equal(await page.locator('#sens-chart g.series').count(), 2);
      assert.match(
        await page.locator('#sens-status').innerText(),
        new RegExp(
          `^2 of ${capped.coverage.prunable} groups \\(those with the most MACs: [\\d.]+ % of the prunable layers' MACs; Allocate cuts only these\\) × 1 ratio \\(`,
        ),
      );
      await page.close();
    } finally {
      answerSensitivity(sensitivity);
    }
  });

  test('compare view: fidelity figures, original / pruned / difference pictures, honest latency', async () => {
    const { page } = await open('pruned', 'vscode-light');
    await page.locator('#fidelity-run').click();
    await page.waitForSelector('#fidelity table');
    const text = await page.locator('#fidelity').innerText();
    assert.match(text, /PSNR\s+[\d.]+ dB/);
    assert.match(text, /SSIM\s+0\.\d{4}/);
    assert.match(text, /cosine\s+0\.\d{6}/);
    assert.equal(await page.locator('#fidelity canvas').count(), 3);
    assert.match(
      await page.locator('#fidelity-latency').innerText(),
      /paired median of 20 runs after 3 warm-up, quartiles [\d.]+–[\d.]+, \d+ threads/,
    );
    await page.locator('#fidelity').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, '9-compare-fidelity-light.png') });
    await page.close();
  });

  test('after a prune, the compare view lists every layer before and after', async () => {
    const { page } = await open('pruned');
    await page.waitForSelector('#compare-table table');
    const text = await page.locator('#compare-table').innerText();
    assert.match(text, /Parameters 158\.98K → 40\.32K \(3\.94×\) · MACs 289\.75M → 76\.48M \(3\.79×\)/);
    assert.match(text, /\/tail\/tail\.0\/tail\.0\.0\/Conv\s+Conv\s+128 → 64\s+64/);
    await page.locator('#compare').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, '7-compare-dark.png') });
    await page.close();
  });
});
