// The bodies of calls in the model editor's page, in headless Chromium against a stubbed host (issue 17 §1):
// an If is drawn as one box; a click opens it in place (the If node and its two branches), a branch opens to its
// nodes, Reveal opens the branch holding a node, and a body node's details come from the page (the host's
// analysis has no such node), while the graph's own nodes still ask the host.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Browser, type Page, chromium } from 'playwright-core';
import { nodeDetails } from '../../src/core/inspect/nodeDetails';
import { writeBuilt } from '../builder/model-builder';
import { ifModel } from '../support/bodyModels';
import { tempDir } from '../support/tempDir';
import { type Model, THEMES, fakeVsCodeApi, prepare } from './pageHarness';

const ROOT = process.cwd();
const ARTIFACTS = join(ROOT, 'test/e2e/artifacts/webview');

/** What the test reaches of the page's inspector (window.inspector). */
interface PageInspector {
  canvas: {
    camera: { scale: number; tx: number; ty: number };
    scene: {
      nodes: number;
      shown: Uint8Array;
      expanded: Uint8Array;
      x: Float64Array;
      y: Float64Array;
      itemOf(node: number): number;
    };
  };
  skeleton: {
    nodes: { name: string; box?: number }[];
    boxes: { label: string; call?: number; parent: number }[];
    bodies?: { start: number };
  };
  expand(boxes: number[]): Promise<void>;
  select(index: number | undefined, save: boolean, reveal?: boolean): void;
  reveal(name: string): void;
}

describe('bodies of calls in the page', () => {
  let server: Server;
  let origin = '';
  let browser: Browser;
  let model: Model;

  before(async () => {
    server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', origin);
      if (url.pathname === '/model') {
        response.writeHead(200, { 'content-type': 'text/html' });
        response.end(model.html.replace('</head>', `<style>${THEMES}</style></head>`));
      } else if (url.pathname === '/dist/webview.js' || url.pathname === '/dist/layoutWorker.js') {
        response.writeHead(200, { 'content-type': 'text/javascript' });
        response.end(readFileSync(join(ROOT, url.pathname)));
      } else response.writeHead(url.pathname === '/favicon.ico' ? 204 : 404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    model = prepare(writeBuilt(tempDir(), 'if.onnx', ifModel()), origin);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  });

  after(async () => {
    await browser?.close();
    server?.close();
    model?.file.close();
  });

  /** The page with a stub of VS Code's webview API answering the graph and the graph's nodes' details. */
  async function open(): Promise<{
    page: Page;
    posted: { type: string; node?: string }[];
    errors: string[];
  }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    const posted: { type: string; node?: string }[] = [];
    await page.exposeFunction('__host', (message: { type: string; node?: string }) => {
      posted.push(message);
      if (message.type === 'graph') return `{"type":"graph","ok":true,"skeleton":${model.skeletonJson}}`;
      if (message.type === 'details') {
        const details = nodeDetails(model.analysis, model.file, message.node!);
        return JSON.stringify(
          details
            ? { type: 'details', node: message.node, ok: true, details }
            : { type: 'details', node: message.node, ok: false, message: 'no such node' },
        );
      }
      return '';
    });
    await page.addInitScript(fakeVsCodeApi, { theme: 'vscode-dark' });
    await page.goto(`${origin}/model`);
    await page.waitForSelector('#inspector[data-painted="true"]', { timeout: 30_000 });
    return { page, posted, errors };
  }

  test('an If is one box; a click opens it, Reveal opens a branch, a body node shows its own details', async () => {
    const { page, posted, errors } = await open();
    assert.match(
      await page.locator('#graph-status').innerText(),
      /^5 nodes · \d+ groups · 1 box by name scope, 1 call with bodies \(8 nodes\)/,
    );
    // The If's box where the canvas drew it: a click opens it.
    const point = await page.evaluate(() => {
      const inspector = (window as unknown as { inspector: PageInspector }).inspector;
      const { scene, camera } = inspector.canvas;
      const call = inspector.skeleton.boxes.findIndex((b) => b.call !== undefined);
      const item = scene.nodes + call;
      const r = document.querySelector('#graph')!.getBoundingClientRect();
      return {
        call,
        shown: scene.shown[item],
        expanded: scene.expanded[call],
        label: inspector.skeleton.boxes[call].label,
        x: r.left + camera.tx + scene.x[item] * camera.scale,
        y: r.top + camera.ty + scene.y[item] * camera.scale,
      };
    });
    assert.deepEqual([point.label, point.shown, point.expanded], ['If · then 5, else 3 nodes', 1, 0]);
    await page.mouse.click(point.x, point.y);
    await page.waitForFunction(
      (call) =>
        (window as unknown as { inspector: PageInspector }).inspector.canvas.scene.expanded[call] === 1,
      point.call,
    );
    // Reveal of a node in the else branch opens that branch; selecting it shows the page's own details.
    const revealed = await page.evaluate(async () => {
      const inspector = (window as unknown as { inspector: PageInspector }).inspector;
      const name = '/else/Relu_1';
      inspector.reveal(name);
      await new Promise((resolve) => setTimeout(resolve, 0));
      const index = inspector.skeleton.nodes.findIndex((n) => n.name === name);
      for (let k = 0; k < 100 && inspector.canvas.scene.itemOf(index) !== index; k++)
        await new Promise((resolve) => setTimeout(resolve, 20));
      return {
        index,
        start: inspector.skeleton.bodies!.start,
        drawn: inspector.canvas.scene.itemOf(index) === index,
      };
    });
    assert.ok(revealed.index >= revealed.start, 'a body node');
    assert.ok(revealed.drawn, 'Reveal opened the branch');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, '12-if-bodies-dark.png') });
    const details = await page.locator('#details').innerText();
    assert.match(details, /\/else\/Relu_1/);
    assert.match(details, /Inside the else_branch of If node/);
    assert.match(details, /\/gate\/If/);
    assert.ok(!posted.some((m) => m.type === 'details'), 'the host is not asked about a body node');
    // A node of the graph still asks the host.
    await page.evaluate(() => {
      const inspector = (window as unknown as { inspector: PageInspector }).inspector;
      inspector.select(
        inspector.skeleton.nodes.findIndex((n) => n.name === '/head/Conv'),
        true,
      );
    });
    await page.waitForFunction(() => /Channel group/.test(document.querySelector('#details')!.textContent!));
    assert.deepEqual(
      posted.filter((m) => m.type === 'details').map((m) => m.node),
      ['/head/Conv'],
    );
    assert.deepEqual(errors, [], 'no errors in the page');
    await page.close();
  });
});
