// The graph inspector on the sample model: first paint and layout, selecting a node highlights its channel
// group and shows its details, search, Reveal from the findings and the groups, the view state kept when the
// page is rendered again, and the high contrast theme.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { prepare } from './pageHarness';
import { ARTIFACTS, type PageInspector, SAMPLE, inspectorPages, timings } from './inspectorPages';

describe('the graph inspector in headless Chromium', () => {
  const { open } = inspectorPages((origin, { models }) => {
    models.set('sample', prepare(SAMPLE, origin));
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

  test('high contrast theme', async () => {
    const { page } = await open('sample', 'vscode-high-contrast');
    await page.screenshot({ path: join(ARTIFACTS, '4-sample-high-contrast.png') });
    await page.close();
  });
});
