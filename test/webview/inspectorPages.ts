// What the graph inspector's browser suites share: the model editor's page in headless Chromium (Debian's,
// driven by playwright-core) against a stubbed host: the real page HTML (editorPage.ts), the real bundles
// (dist/webview.js, dist/layoutWorker.js), and the host's answers computed by the real core.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { type Browser, type Page, chromium } from 'playwright-core';
import { nodeDetails } from '../../src/core/inspect/nodeDetails';
import { previewPrune } from '../../src/core/prune/preview';
import { allocateForTarget } from '../../src/core/quality/allocateTarget';
import type { AllocationTarget } from '../../src/core/quality/allocateTarget';
import type { SensitivityReport } from '../../src/runtime/sensitivity';
import { type Model, THEMES, fakeVsCodeApi } from './pageHarness';

const ROOT = process.cwd();
export const ARTIFACTS = join(ROOT, 'test/e2e/artifacts/webview');
export const SAMPLE = join(ROOT, 'media/sample/edsr-x4.onnx');

/** What the tests reach of the page's inspector (window.inspector). */
export interface PageInspector {
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

/** What the host answers the pruning panel (on the 'pruned' page), computed by the suite that opens it. */
interface HostAnswers {
  compare: object;
  sensitivity?: SensitivityReport;
  fidelity: string;
}

interface InspectorPages {
  /** The models by page name (the page's path); set by the suite's `prepare`. */
  models: Map<string, Model>;
  answers: HostAnswers;
  /** Opens a model's page with a stub of VS Code's webview API that answers as the host would. */
  open(name: string, theme?: string, initialState?: unknown): Promise<{ page: Page; posted: unknown[] }>;
}

/**
 * Registers the suite's hooks: before its tests, a server for the pages and bundles, the suite's `prepare`
 * (which fills `models` and `answers` for the server's origin) and the browser; after them, all closed.
 */
export function inspectorPages(
  prepare: (origin: string, pages: InspectorPages) => void | Promise<void>,
): InspectorPages {
  let server: Server;
  let origin = '';
  let browser: Browser;
  const models = new Map<string, Model>();
  const answers: HostAnswers = { compare: {}, fidelity: '' };

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
      if (message.type === 'compare') return JSON.stringify({ type: 'compare', ...answers.compare });
      if (message.type === 'pick-calib') return '{"type":"calib","dir":"/photos/calib"}';
      if (message.type === 'sensitivity')
        return JSON.stringify({ type: 'sensitivity', ok: true, report: answers.sensitivity });
      if (message.type === 'allocate') {
        const target = (message as unknown as { target: AllocationTarget }).target;
        const a = allocateForTarget(answers.sensitivity!.rows, target);
        return JSON.stringify({ type: 'allocation', ok: true, target, ...a });
      }
      if (message.type === 'fidelity') return answers.fidelity;
      return '';
    });
    await page.addInitScript(fakeVsCodeApi, { theme, initialState });
    await page.goto(`${origin}/${name}`);
    await page.waitForSelector('#inspector[data-painted="true"]', { timeout: 30_000 });
    assert.deepEqual(errors, [], 'no errors in the page');
    return { page, posted };
  }

  const pages: InspectorPages = { models, answers, open };

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
    await prepare(origin, pages);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  });

  after(async () => {
    await browser?.close();
    server?.close();
    for (const m of models.values()) m.file.close();
  });

  return pages;
}

/** The page's own timings of its first paint (after the graph data arrived) and its layout. */
export const timings = (page: Page) =>
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
