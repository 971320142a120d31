// The model editor's page in headless Chromium (Debian's, driven by playwright-core) against a stubbed host:
// the real page HTML (editorPage.ts), the real bundles (dist/webview.js, dist/layoutWorker.js), and the host's
// answers computed by the real core. Checks layout, search, selection with the group highlighted, details,
// themes, and the first-paint and frame times of 24-, ~1,000- and ~10,000-node graphs.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Browser, type Page, chromium } from 'playwright-core';
import { analyzeModel } from '../../src/core/analyze/analyze';
import { nodeDetails } from '../../src/core/inspect/nodeDetails';
import { ModelView } from '../../src/core/onnx/modelView';
import { openModel } from '../../src/core/onnx/reader';
import type { ModelEdit } from '../../src/protocol/server';
import { previewPrune } from '../../src/core/prune/preview';
import { pruneFile } from '../../src/core/prune/prune';
import { buildModel, conv3 } from '../builder/fixture-kit';
import { CORPUS } from '../support/corpus';
import { writeBuilt } from '../builder/model-builder';
import { residualCnn, transformerLike } from '../support/largeModels';
import { convChain, writeSynthetic } from '../support/syntheticModels';
import { tempDir } from '../support/tempDir';
import { allocateForTarget } from '../../src/core/quality/allocateTarget';
import type { AllocationTarget } from '../../src/core/quality/allocateTarget';
import { OrtClient } from '../../src/runtime/ortClient';
import { type SensitivityReport, measureSensitivity } from '../../src/runtime/sensitivity';
import { compareInRuntime } from '../../src/server/quality';
import { useFreshWorker } from '../runtime/workerBundle';
import { type Model, THEMES, fakeVsCodeApi, prepare } from './pageHarness';

const ROOT = process.cwd();
const ARTIFACTS = join(ROOT, 'test/e2e/artifacts/webview');
const SAMPLE = join(ROOT, 'media/sample/edsr-x4.onnx');
/** A real detector from the corpus (218 nodes, 15 findings), when the corpus is there. */
const FASTESTDET = join(CORPUS, 'ort-extensions/FastestDet.onnx');
const dir = tempDir();
useFreshWorker(); // the pruning panel's answers are measured in the real ONNX Runtime

/**
 * A detector-like model of 216 nodes: a residual trunk of 30 blocks (one channel group of 107 members: 77 Conv,
 * 30 BatchNormalization) and 16 heads, each upsampled by a pixel shuffle written as Reshape→Transpose→Reshape
 * (16 PS002, 16 PS001 and 16 PS006 findings: a screen of findings before they were grouped).
 */
function detectorLike(): Uint8Array {
  return buildModel([1, 3, 16, 16], (b, x) => {
    let trunk = b.relu(conv3(b, x, 8, '/stem/Conv'));
    for (let i = 0; i < 30; i++) {
      const y = b.relu(conv3(b, trunk, 8, `/blocks/blocks.${i}/conv1/Conv`));
      const z = b.batchNorm(conv3(b, y, 8, `/blocks/blocks.${i}/conv2/Conv`), {
        name: `/blocks/blocks.${i}/bn/BatchNormalization`,
      });
      trunk = b.add(trunk, z, { name: `/blocks/blocks.${i}/Add` });
    }
    return Array.from({ length: 16 }, (_, h) =>
      b.pixelShuffle(conv3(b, trunk, 12, `/heads/heads.${h}/Conv`), 2, { scope: `/heads/heads.${h}/up` }),
    );
  }).bytes;
}

/** What the tests reach of the page's inspector (window.inspector). */
interface PageInspector {
  canvas: {
    camera: { scale: number; tx: number; ty: number };
    laidOut: { x: Float64Array; y: Float64Array };
    emphasis: { members?: Set<number>; shuffles?: Set<number>; roots?: Set<number> };
    lastFrameMs: number;
    fit(node?: number): void;
    draw(): void;
    panBy(dx: number, dy: number): void;
    zoomAt(factor: number, x: number, y: number): void;
    scene: {
      nodes: number;
      shown: Uint8Array;
      expanded: Uint8Array;
      x: Float64Array;
      y: Float64Array;
      h: Float64Array;
      itemOf(node: number): number;
      shownItems(): number[];
    };
    boxMarks(): { group: Set<number> };
  };
  skeleton: {
    nodes: { name: string; box?: number; group?: string }[];
    boxes: { path: string; nodes: number; parent: number }[];
    groups: { id: string; members: number[] }[];
  };
  timings: Record<string, number>;
  expand(boxes: number[]): Promise<void>;
  api: { getState(): { selected?: string; camera: { scale: number } } };
}

describe('the graph inspector in headless Chromium', () => {
  let server: Server;
  let origin = '';
  let browser: Browser;
  const models = new Map<string, Model>();
  let compareReply: object = {};
  let sensitivity: SensitivityReport;
  let fidelityReply = '';

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', origin);
      const model = models.get(url.pathname.slice(1));
      if (model) {
        response.writeHead(200, { 'content-type': 'text/html' });
        response.end(model.html.replace('</head>', `<style>${THEMES}</style></head>`));
      } else if (url.pathname === '/dist/webview.js' || url.pathname === '/dist/layoutWorker.js') {
        response.writeHead(200, { 'content-type': 'text/javascript' });
        response.end(readFileSync(join(ROOT, url.pathname)));
      } else if (url.pathname === '/favicon.ico') {
        response.writeHead(204).end();
      } else {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
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
    compareReply = {
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
    const detector = join(dir, 'detector.onnx');
    writeFileSync(detector, detectorLike());
    models.set('detector', prepare(detector, origin));
    if (existsSync(FASTESTDET)) models.set('fastestdet', prepare(FASTESTDET, origin));
    // What the host would answer, measured for real: the sample's sensitivity and the prune's fidelity.
    sensitivity = JSON.parse(
      JSON.stringify(await measureSensitivity(SAMPLE, { ratios: [0.25, 0.5], samples: 2 })),
    ) as SensitivityReport;
    const client = new OrtClient();
    try {
      fidelityReply = JSON.stringify({
        type: 'fidelity',
        ...(await compareInRuntime(client, SAMPLE, prunedPath, undefined)),
      });
    } finally {
      await client.close();
    }
    const k1 = join(dir, 'chain1k.onnx');
    writeSynthetic(convChain(333), k1);
    models.set('chain1k', prepare(k1, origin));
    const k10 = join(dir, 'chain10k.onnx');
    writeSynthetic(convChain(3336), k10);
    models.set('chain10k', prepare(k10, origin));
    for (const [name, build] of [
      ['transformer50k', transformerLike],
      ['resnet50k', residualCnn],
    ] as const)
      models.set(name, prepare(writeBuilt(dir, `${name}.onnx`, build()), origin));
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  });

  after(async () => {
    await browser?.close();
    server?.close();
    for (const m of models.values()) m.file.close();
  });

  /** Opens a model's page with a stub of VS Code's webview API that answers as the host would. */
  async function open(
    name: string,
    theme = 'vscode-dark',
    initialState?: unknown,
  ): Promise<{ page: Page; posted: unknown[] }> {
    const model = models.get(name)!;
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    const posted: unknown[] = [];
    await page.exposeFunction('__host', (message: { type: string; node?: string }) => {
      posted.push(message);
      if (message.type === 'graph') return `{"type":"graph","ok":true,"skeleton":${model.skeletonJson}}`;
      if (message.type === 'details') {
        const details = nodeDetails(model.analysis, model.file, message.node!);
        return JSON.stringify({ type: 'details', node: message.node, ok: true, details });
      }
      if (message.type === 'plan') {
        if (name !== 'pruned') return '{"type":"plan"}'; // no plan beside the model yet
        const settings = { ratio: 0.5, criterion: 'l1' as const, roundTo: 1, seed: 0, layers: {} };
        const preview = previewPrune(model.analysis, model.file, settings);
        return JSON.stringify({
          type: 'plan',
          plan: 'model.prune.json',
          settings: { criterion: 'l1', mode: 'ratio', value: 0.5 },
          preview,
        });
      }
      if (message.type === 'compare') return JSON.stringify({ type: 'compare', ...compareReply });
      if (message.type === 'pick-calib') return '{"type":"calib","dir":"/photos/calib"}';
      if (message.type === 'sensitivity')
        return JSON.stringify({ type: 'sensitivity', ok: true, report: sensitivity });
      if (message.type === 'allocate') {
        const target = (message as unknown as { target: AllocationTarget }).target;
        const a = allocateForTarget(sensitivity.rows, target);
        return JSON.stringify({ type: 'allocation', ok: true, target, ...a });
      }
      if (message.type === 'fidelity') return fidelityReply;
      return '';
    });
    await page.addInitScript(fakeVsCodeApi, { theme, initialState });
    await page.goto(`${origin}/${name}`);
    await page.waitForSelector('#inspector[data-painted="true"]', { timeout: 30_000 });
    assert.deepEqual(errors, [], 'no errors in the page');
    return { page, posted };
  }

  const timings = (page: Page) =>
    page.evaluate(() => {
      const t = (window as unknown as { inspector: { timings: Record<string, number | string> } }).inspector
        .timings;
      return {
        paint: (t.firstPaint as number) - (t.received as number),
        engine: t.engine,
        layoutMs: t.layoutMs,
        steps: Object.entries((t.steps ?? {}) as unknown as Record<string, number>)
          .map(([k, v]) => `${k} ${v.toFixed(0)}`)
          .join(', '),
      };
    });

  test('the sample: first paint, layout, and the node under the pointer', async () => {
    const { page, posted } = await open('sample');
    const t = await timings(page);
    console.log(`sample (24 nodes): first paint ${t.paint.toFixed(0)} ms after the data (goal ≤ 300 ms)`);
    assert.ok(
      t.paint <= 3000,
      `first paint ${t.paint} ms (goal 300 ms; the bound is far from it for loaded machines)`,
    );
    assert.deepEqual(posted[0], { type: 'graph' });
    assert.match(
      await page.locator('#graph-status').innerText(),
      /24 nodes · \d+ groups · layout: (dagre|layered)/,
    );
    await page.screenshot({ path: join(ARTIFACTS, '1-sample-dark.png') });
    await page.close();
  });

  test('selecting the conv before a pixel shuffle highlights its group and shows its blocks', async () => {
    const { page, posted } = await open('sample');
    await page.waitForFunction(() =>
      /layout: dagre/.test(document.querySelector('#graph-status')?.textContent ?? ''),
    );
    // Scroll the conv into view, then click its box where the canvas drew it.
    const point = await page.evaluate(() => {
      const inspector = (window as unknown as { inspector: PageInspector }).inspector;
      const canvas = inspector.canvas;
      const i = inspector.skeleton.nodes.findIndex(
        (n: { name: string }) => n.name === '/tail/tail.0/tail.0.0/Conv',
      );
      canvas.fit(i);
      canvas.draw();
      const r = document.querySelector('#graph')!.getBoundingClientRect();
      return {
        x: r.left + canvas.camera.tx + canvas.laidOut.x[i] * canvas.camera.scale,
        y: r.top + canvas.camera.ty + canvas.laidOut.y[i] * canvas.camera.scale,
      };
    });
    await page.mouse.click(point.x, point.y);
    await page.waitForSelector('#inspector[data-selected="/tail/tail.0/tail.0.0/Conv"]');
    assert.ok(
      posted.some((m) => {
        const message = m as { type: string; node?: string; criterion?: string };
        return (
          message.type === 'details' &&
          message.node === '/tail/tail.0/tail.0.0/Conv' &&
          message.criterion === 'l1'
        );
      }),
      'the details of the conv are asked for, with the chart criterion',
    );
    const emphasis = await page.evaluate(() => {
      const e = (window as unknown as { inspector: PageInspector }).inspector.canvas.emphasis;
      return { members: e.members?.size ?? 0, shuffles: e.shuffles?.size ?? 0, roots: e.roots?.size ?? 0 };
    });
    assert.ok(
      emphasis.members >= 2 && emphasis.shuffles === 1 && emphasis.roots === 1,
      JSON.stringify(emphasis),
    );
    const details = page.locator('#details');
    await details.locator('h3', { hasText: 'Importance' }).waitFor();
    const text = await details.innerText();
    assert.match(text, /Channel group G\d+/);
    assert.match(text, /pixel shuffle: DepthToSpace CRD r=2/);
    assert.match(text, /128 channels in 32 units of 4/);
    assert.match(text, /sparsity/);
    await page.screenshot({ path: join(ARTIFACTS, '2-selected-group.png') });
    await page.close();
  });

  test('search finds nodes by op and by name; Enter selects the next match', async () => {
    const { page } = await open('sample', 'vscode-light');
    await page.fill('#search', 'DepthToSpace');
    // The two DepthToSpace nodes, and the two convs that read their outputs (tensor names match too).
    assert.equal(await page.locator('#search-count').innerText(), '4 found');
    await page.press('#search', 'Enter');
    await page.waitForSelector('#inspector[data-selected="/tail/tail.0/tail.0.1/DepthToSpace"]');
    await page.fill('#search', 'tail.0.2/Conv');
    assert.equal(
      await page.locator('#search-count').innerText(),
      '2 found',
      'the conv, and the node reading its output',
    );
    await page.screenshot({ path: join(ARTIFACTS, '3-search-light.png') });
    await page.close();
  });

  test("a finding's Reveal and a group's root select the node; Exclude Layer asks to exclude the group's roots", async () => {
    const { page, posted } = await open('sample');
    // The findings are grouped by code, closed until asked: open PS001's group (layout change of #17).
    await page.locator('details.finding-group[data-code="PS001"] > summary').click();
    await page.locator('vscode-button[data-reveal="/tail/tail.0/tail.0.1/DepthToSpace"]').click();
    await page.waitForSelector('#inspector[data-selected="/tail/tail.0/tail.0.1/DepthToSpace"]');
    await page.locator('code.reveal[data-reveal="/head/head.0/Conv"]').click();
    await page.waitForSelector('#inspector[data-selected="/head/head.0/Conv"]');
    await page
      .locator('li', { hasText: '/tail/tail.0/tail.0.1/DepthToSpace' })
      .locator('vscode-button[data-exclude-group]')
      .click();
    await page.waitForFunction(() => true);
    const exclude = posted.find((m) => (m as { type: string }).type === 'exclude');
    assert.deepEqual(exclude, { type: 'exclude', roots: ['/tail/tail.0/tail.0.0/Conv'] });
    await page.close();
  });

  test('view state: camera and selection come back when the page is rendered again', async () => {
    const { page } = await open('sample');
    await page.fill('#search', 'DepthToSpace');
    await page.press('#search', 'Enter');
    await page.waitForSelector('#inspector[data-selected]:not([data-selected=""])');
    const state = await page.evaluate(() => {
      const inspector = (window as unknown as { inspector: PageInspector }).inspector;
      return inspector.api.getState();
    });
    assert.equal(state.selected, '/tail/tail.0/tail.0.1/DepthToSpace');
    assert.ok(state.camera.scale > 0);
    await page.close();
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

  /** Where the page's main parts are, in CSS pixels. */
  const boxes = (page: Page) =>
    page.evaluate(() => {
      const box = (selector: string) => {
        const r = document.querySelector(selector)!.getBoundingClientRect();
        return {
          top: r.top,
          bottom: r.bottom,
          left: r.left,
          right: r.right,
          width: r.width,
          height: r.height,
        };
      };
      return {
        graph: box('#graph'),
        toolbar: box('#inspector .toolbar'),
        sidebar: box('#sidebar'),
        findings: box('details[data-pane="findings"]'),
        backing: (document.querySelector('#graph') as HTMLCanvasElement).width / devicePixelRatio,
        scrollHeight: document.scrollingElement!.scrollHeight,
        viewport: { width: innerWidth, height: innerHeight },
      };
    });

  test('layout: the graph takes the full height beside the side bar; hiding the side bar gives it the width', async () => {
    const { page } = await open('detector', 'vscode-light');
    const shown = await boxes(page);
    const { height, width } = shown.viewport;
    assert.ok(
      Math.abs(shown.graph.height - (height - shown.toolbar.height)) <= 4,
      `graph ${shown.graph.height} px high in a ${height} px editor with a ${shown.toolbar.height} px toolbar`,
    );
    assert.ok(shown.toolbar.height <= 90, `toolbar ${shown.toolbar.height} px`);
    assert.ok(shown.scrollHeight <= height, 'nothing below the fold: the page does not scroll');
    assert.ok(
      shown.sidebar.left >= shown.graph.right && shown.sidebar.right <= width + 1,
      'side bar on the right',
    );
    // 48 findings of three codes take three lines, not the first screen.
    assert.ok(shown.findings.height <= 140, `findings section ${shown.findings.height} px high`);
    await page.screenshot({ path: join(ARTIFACTS, '8-layout-light.png') });

    await page.locator('#toggle-sidebar').click();
    await page.waitForSelector('#inspector[data-sidebar="closed"]');
    assert.equal(await page.locator('#toggle-sidebar').getAttribute('aria-expanded'), 'false');
    await page.waitForFunction(
      () =>
        (document.querySelector('#graph') as HTMLCanvasElement).width / devicePixelRatio >= innerWidth - 4,
    );
    const hidden = await boxes(page);
    assert.ok(Math.abs(hidden.graph.width - width) <= 4, `graph ${hidden.graph.width} px wide of ${width}`);
    assert.ok(hidden.backing >= width - 4, 'the canvas draws at its new size');
    assert.ok(Math.abs(hidden.graph.height - (height - hidden.toolbar.height)) <= 4, 'still the full height');
    await page.screenshot({ path: join(ARTIFACTS, '8-layout-hidden-side-bar.png') });

    // The keyboard reaches both controls: Enter on the toggle shows the side bar, arrows on the sash resize it.
    await page.locator('#toggle-sidebar').press('Enter');
    await page.waitForSelector('#inspector[data-sidebar="open"]');
    const before = (await boxes(page)).sidebar.width;
    await page.locator('#sash').press('ArrowLeft');
    await page.locator('#sash').press('ArrowLeft');
    const wider = (await boxes(page)).sidebar.width;
    assert.ok(Math.abs(wider - before - 32) <= 2, `side bar ${before} → ${wider} px`);
    await page.close();
  });

  test('the side bar remembers what is hidden and open in the webview state, for the page rendered again', async () => {
    const { page } = await open('detector');
    await page.locator('details[data-pane="model"] > summary').click(); // close the summary
    await page.locator('details.finding-group[data-code="PS002"] > summary').click(); // open a findings group
    await page.locator('#toggle-sidebar').click();
    const state = (await page.evaluate(() =>
      (window as unknown as { webviewState(): unknown }).webviewState(),
    )) as {
      layout: { sidebar: string; open: Record<string, boolean> };
    };
    assert.equal(state.layout.sidebar, 'closed');
    assert.deepEqual(state.layout.open, { 'pane:model': false, 'findings:PS002': true });
    await page.close();
    const again = await open('detector', 'vscode-dark', state);
    const restored = await again.page.evaluate(() => ({
      sidebar: document.querySelector<HTMLElement>('#inspector')!.dataset.sidebar,
      model: document.querySelector<HTMLDetailsElement>('details[data-pane="model"]')!.open,
      ps002: document.querySelector<HTMLDetailsElement>('details.finding-group[data-code="PS002"]')!.open,
      ps001: document.querySelector<HTMLDetailsElement>('details.finding-group[data-code="PS001"]')!.open,
    }));
    assert.deepEqual(restored, { sidebar: 'closed', model: false, ps002: true, ps001: false });
    await again.page.close();
  });

  test(
    'a real detector (FastestDet): findings take a line per code and the graph the whole height',
    { skip: !existsSync(FASTESTDET) && 'the corpus is absent' },
    async () => {
      const { page } = await open('fastestdet');
      const b = await boxes(page);
      const codes = await page.locator('details.finding-group').count();
      assert.ok(
        codes >= 1 && b.findings.height <= 60 + 30 * codes,
        `${codes} codes in ${b.findings.height} px`,
      );
      assert.ok(
        Math.abs(b.graph.height - (b.viewport.height - b.toolbar.height)) <= 4,
        'the graph is full height',
      );
      await page.screenshot({ path: join(ARTIFACTS, '10-fastestdet-dark.png') });
      await page.close();
    },
  );

  test('findings are grouped by code with a count, most severe first, and open on demand', async () => {
    const { page } = await open('detector');
    const codes = await page
      .locator('details.finding-group')
      .evaluateAll((groups) =>
        groups.map(
          (g) => `${(g as HTMLElement).dataset.code}:${g.querySelector('summary vscode-badge')!.textContent}`,
        ),
      );
    assert.deepEqual(codes, ['PS002:16', 'PS001:16', 'PS006:16'], 'warnings before infos, then by code');
    const ps002 = page.locator('details.finding-group[data-code="PS002"]');
    assert.match(
      await ps002.locator('summary').innerText(),
      /Reshape→Transpose→Reshape/,
      'what the code means',
    );
    assert.equal(await ps002.locator('li').first().isVisible(), false, 'closed at first');
    // Keyboard: the group's summary is focusable and Enter opens it.
    await ps002.locator('summary').focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      () => document.querySelector<HTMLDetailsElement>('details.finding-group[data-code="PS002"]')!.open,
    );
    assert.equal(await ps002.locator('li:visible').count(), 16);
    assert.equal(
      await ps002.locator('vscode-button[data-fix="PS002"]:visible').count(),
      16,
      'each with its Fix',
    );
    await page.close();
  });

  test("a group's members are listed by op type with counts, the first 50 with Show all, each revealing its node", async () => {
    const { page } = await open('detector');
    await page.evaluate(() =>
      (window as unknown as { inspector: { reveal(name: string): void } }).inspector.reveal(
        '/blocks/blocks.3/conv2/Conv',
      ),
    );
    const members = page.locator('#details section.members');
    await members.waitFor();
    assert.equal(await members.locator('h3').innerText(), 'Members (107)');
    const ops = await members
      .locator('details.member-group > summary')
      .evaluateAll((s) => s.map((e) => (e as HTMLElement).innerText.replace(/\s+/g, ' ')));
    assert.deepEqual(ops, ['Conv 77', 'BatchNormalization 30'], 'by op type, most frequent first');
    const conv = members.locator('details.member-group[data-op="Conv"]');
    assert.equal(
      await conv.evaluate((d) => (d as HTMLDetailsElement).open),
      false,
      'a long list opens on demand',
    );
    await conv.locator('summary').click();
    assert.equal(await conv.locator('li:visible').count(), 50);
    const more = conv.locator('button.show-all');
    assert.equal(await more.innerText(), 'Show all 77');
    await page.screenshot({ path: join(ARTIFACTS, '9-group-members-dark.png') });
    await more.click();
    assert.equal(await conv.locator('li:visible').count(), 77);
    assert.equal(await conv.locator('button.show-all').count(), 0);
    // The roots are a list of links too; a member's link reveals (selects) its node.
    assert.equal(
      await page.locator('#details section.group > h3', { hasText: 'Roots' }).innerText(),
      'Roots (31)',
    );
    await conv.locator('button.link[data-reveal="/heads/heads.3/Conv"]').click();
    await page.waitForSelector('#inspector[data-selected="/heads/heads.3/Conv"]');
    await page.close();
  });

  test('high contrast theme', async () => {
    const { page } = await open('sample', 'vscode-high-contrast');
    await page.screenshot({ path: join(ARTIFACTS, '4-sample-high-contrast.png') });
    await page.close();
  });

  for (const [name, goal] of [
    ['chain1k', 1000],
    ['chain10k', 2000],
  ] as const) {
    // The goals are printed beside the figures (the README quotes them); the assertions are bounds far from
    // the normal figures, so a loaded CI machine cannot fail them while a broken renderer still does.
    test(`${name}: first paint and pan/zoom frames (goals ${goal} ms and 16 ms at the 95th percentile)`, async () => {
      const { page } = await open(name);
      const t = await timings(page);
      await page.waitForTimeout(500); // idle time: the overview image of a large graph is drawn then
      const nodes = models.get(name)!.analysis.state.graph.nodes.length;
      const frames = await page.evaluate(() => {
        const canvas = (window as unknown as { inspector: PageInspector }).inspector.canvas;
        const times: number[] = [];
        // Warm-up frames (first text layout, JIT) are not pan frames.
        for (let k = 0; k < 3; k++) {
          canvas.panBy(1, 1);
          canvas.draw();
        }
        for (let k = 0; k < 20; k++) {
          canvas.panBy(15, 10);
          canvas.draw();
          times.push(canvas.lastFrameMs);
        }
        canvas.fit();
        canvas.draw(); // everything in view, the most work
        times.push(canvas.lastFrameMs);
        for (let k = 0; k < 10; k++) {
          canvas.zoomAt(1.3, 400, 300);
          canvas.draw();
          times.push(canvas.lastFrameMs);
        }
        return times;
      });
      const worst = Math.max(...frames);
      const p95 = [...frames].sort((a, b) => a - b)[Math.floor(frames.length * 0.95)];
      if (worst > 16) console.log(`frame times: ${frames.map((f) => f.toFixed(1)).join(' ')}`);
      console.log(
        `${name} (${nodes} nodes, skeleton ${(models.get(name)!.skeletonJson.length / 1024).toFixed(0)} KiB): ` +
          `first paint ${t.paint.toFixed(0)} ms after the data (${t.engine}, layout ${Number(t.layoutMs).toFixed(0)} ms), ` +
          `95th percentile frame ${p95.toFixed(1)} ms, worst ${worst.toFixed(1)} ms over ${frames.length}`,
      );
      assert.ok(t.paint <= 10 * goal, `first paint ${t.paint} ms`);
      assert.ok(p95 <= 160, `95th percentile frame ${p95} ms`);
      await page.screenshot({ path: join(ARTIFACTS, `5-${name}.png`) });
      await page.close();
    });
  }

  for (const name of ['transformer50k', 'resnet50k']) {
    // Issue 17 §5. Goals (printed beside the figures): first readable paint ≤ 1 s after the data arrives,
    // opening a box of thousands of items ≤ 300 ms, pan/zoom frames ≤ 16 ms at every zoom, data ≤ 10 MB. The
    // assertions are bounds ten times the goals, so a loaded CI machine cannot fail them while a broken view
    // still does.
    test(`${name}: opens collapsed and readable; a big box opens in place; frames at every zoom; search and reveal`, async () => {
      const model = models.get(name)!;
      const { page } = await open(name);
      const t = await timings(page);
      const mb = model.skeletonJson.length / 1e6;
      const first = await page.evaluate(() => {
        const inspector = (window as unknown as { inspector: PageInspector }).inspector;
        const canvas = inspector.canvas;
        const r = document.querySelector('#graph')!.getBoundingClientRect();
        const { scale, tx, ty } = canvas.camera;
        const onScreen = canvas.scene.shownItems().filter((i) => {
          const x = tx + canvas.scene.x[i] * scale;
          const y = ty + canvas.scene.y[i] * scale;
          return x > 0 && x < r.width && y > 0 && y < r.height;
        }).length;
        return { scale, onScreen, shown: canvas.scene.shownItems().length };
      });
      console.log(
        `${name} (${model.analysis.state.graph.nodes.length} nodes): data sent to the page ${mb.toFixed(2)} MB (goal ≤ 10 MB); ` +
          `first readable paint ${t.paint.toFixed(0)} ms after the data (goal ≤ 1000 ms; ${t.steps} ms), ` +
          `${first.shown} items shown at ${(first.scale * 100).toFixed(0)} %, ${first.onScreen} on screen`,
      );
      assert.ok(mb <= 10, `${mb} MB sent`);
      assert.ok(t.paint <= 10_000, `first paint ${t.paint} ms`);
      assert.ok(first.scale >= 0.75, `labels readable at open (${first.scale})`);
      assert.ok(first.onScreen >= 1, 'something on screen');
      await page.screenshot({ path: join(ARTIFACTS, `8-${name}-first-view.png`) });

      // Open the box with the most items in it: laid out alone, and nothing drawn above it moves.
      const opened = await page.evaluate(async () => {
        const inspector = (window as unknown as { inspector: PageInspector }).inspector;
        const { scene } = inspector.canvas;
        const boxes = inspector.skeleton.boxes;
        const children = new Map<number, number>();
        inspector.skeleton.nodes.forEach((n) => {
          if (n.box !== undefined) children.set(n.box, (children.get(n.box) ?? 0) + 1);
        });
        boxes.forEach((b) => b.parent >= 0 && children.set(b.parent, (children.get(b.parent) ?? 0) + 1));
        const closed = boxes
          .map((_, b) => b)
          .filter((b) => scene.shown[scene.nodes + b])
          .sort((a, b) => (children.get(b) ?? 0) - (children.get(a) ?? 0));
        const box = closed[0];
        const item = scene.nodes + box;
        const top = scene.y[item] - scene.h[item] / 2;
        const before = scene.shownItems().filter((i) => i !== item && scene.y[i] + scene.h[i] / 2 <= top);
        const positions = before.map((i) => [scene.x[i], scene.y[i]]);
        await inspector.expand([box]);
        const moved = before.filter(
          (i, k) => scene.x[i] !== positions[k][0] || scene.y[i] !== positions[k][1],
        );
        return {
          path: boxes[box].path,
          nodes: boxes[box].nodes,
          items: children.get(box) ?? 0,
          ms: inspector.timings.expandMs,
          above: before.length,
          moved: moved.length,
        };
      });
      console.log(
        `${name}: opening ${opened.path} (${opened.items} items, ${opened.nodes} nodes) took ${opened.ms.toFixed(0)} ms ` +
          `(goal ≤ 300 ms for 2,000); ${opened.above} items above it, ${opened.moved} moved`,
      );
      assert.ok(opened.items >= 500, `a big box (${opened.items} items)`);
      assert.ok(opened.ms <= 3000, `opening took ${opened.ms} ms`);
      assert.equal(opened.moved, 0, 'nothing drawn above the box moves');

      // Pan and zoom frames at every zoom from 400 % to 0.1 %, and something drawn at each.
      const zooms = await page.evaluate(() => {
        const canvas = (window as unknown as { inspector: PageInspector }).inspector.canvas;
        const element = document.querySelector<HTMLCanvasElement>('#graph')!;
        const out: { scale: number; worst: number; drawn: boolean }[] = [];
        const r = element.getBoundingClientRect();
        const item = canvas.scene.shownItems()[0];
        for (let scale = 4; scale >= 0.001; scale /= 2) {
          // Centred on an item: at every zoom something is in view, and must be drawn.
          canvas.camera = {
            scale,
            tx: r.width / 2 - canvas.scene.x[item] * scale,
            ty: r.height / 2 - canvas.scene.y[item] * scale,
          };
          const times: number[] = [];
          for (let k = 0; k < 8; k++) {
            canvas.panBy(k % 2 ? -20 : 20, k % 2 ? -15 : 15);
            canvas.draw();
            times.push(canvas.lastFrameMs);
          }
          canvas.zoomAt(1.1, 400, 300);
          canvas.draw();
          times.push(canvas.lastFrameMs);
          const pixels = element.getContext('2d')!.getImageData(0, 0, element.width, element.height).data;
          let drawn = false;
          for (let p = 4; p < pixels.length && !drawn; p += 4 * 7)
            drawn = pixels[p] !== pixels[0] || pixels[p + 1] !== pixels[1] || pixels[p + 2] !== pixels[2];
          out.push({ scale, worst: Math.max(...times.slice(1)), drawn });
        }
        return out;
      });
      console.log(
        `${name}: worst pan/zoom frame per zoom (goal ≤ 16 ms): ` +
          zooms.map((z) => `${(z.scale * 100).toPrecision(2)} % ${z.worst.toFixed(1)} ms`).join(', '),
      );
      for (const z of zooms) {
        assert.ok(z.drawn, `something drawn at ${z.scale}`);
        assert.ok(z.worst <= 160, `frame ${z.worst} ms at ${z.scale}`);
      }

      // Search a node deep in closed boxes; Enter reveals it at 100 %, opening the boxes around it.
      const target = await page.evaluate(() => {
        const inspector = (window as unknown as { inspector: PageInspector }).inspector;
        const { scene } = inspector.canvas;
        const nodes = inspector.skeleton.nodes;
        const hidden = nodes.map((_, i) => i).filter((i) => scene.itemOf(i) !== i && nodes[i].group);
        return nodes[hidden[Math.floor(hidden.length * 0.7)]].name;
      });
      await page.fill('#search', target);
      await page.press('#search', 'Enter');
      await page.waitForSelector(`#inspector[data-revealed="${target}"]`, { timeout: 30_000 });
      const revealed = await page.evaluate((target: string) => {
        const inspector = (window as unknown as { inspector: PageInspector }).inspector;
        const canvas = inspector.canvas;
        const i = inspector.skeleton.nodes.findIndex((n) => n.name === target);
        const r = document.querySelector('#graph')!.getBoundingClientRect();
        return {
          scale: canvas.camera.scale,
          shown: canvas.scene.itemOf(i) === i,
          dx: canvas.camera.tx + canvas.scene.x[i] * canvas.camera.scale - r.width / 2,
          dy: canvas.camera.ty + canvas.scene.y[i] * canvas.camera.scale - r.height / 2,
          ms: inspector.timings.expandMs,
          // The group's members still in closed boxes: those boxes are marked.
          unmarked: (() => {
            const group = inspector.skeleton.groups.find((g) => g.id === inspector.skeleton.nodes[i].group)!;
            const marks = canvas.boxMarks().group;
            return group.members
              .map((m) => canvas.scene.itemOf(m))
              .filter((item) => item >= canvas.scene.nodes && !marks.has(item)).length;
          })(),
        };
      }, target);
      console.log(`${name}: revealed ${target} in ${revealed.ms.toFixed(0)} ms at ${revealed.scale * 100} %`);
      assert.equal(revealed.scale, 1, 'shown at 100 %');
      assert.ok(revealed.shown, 'its boxes opened');
      assert.ok(Math.abs(revealed.dx) < 2 && Math.abs(revealed.dy) < 2, 'centred');
      assert.equal(revealed.unmarked, 0, 'every closed box holding a member of its group is marked');
      await page.screenshot({ path: join(ARTIFACTS, `9-${name}-revealed.png`) });
      await page.close();
    });
  }
});
