// The graph inspector's side bar beside a full-height graph: hidden, resized and remembered in the webview
// state; a screen of findings grouped by code; a channel group's members listed by op type. On a detector-like
// model of 216 nodes, and a real detector (FastestDet) when the corpus is there.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { buildModel, conv3 } from '../builder/fixture-kit';
import { CORPUS } from '../support/corpus';
import { tempDir } from '../support/tempDir';
import { prepare } from './pageHarness';
import { ARTIFACTS, inspectorPages } from './inspectorPages';

/** A real detector from the corpus (218 nodes, 15 findings), when the corpus is there. */
const FASTESTDET = join(CORPUS, 'ort-extensions/FastestDet.onnx');
const dir = tempDir();

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

describe('the graph inspector in headless Chromium', () => {
  const { open } = inspectorPages((origin, { models }) => {
    const detector = join(dir, 'detector.onnx');
    writeFileSync(detector, detectorLike());
    models.set('detector', prepare(detector, origin));
    if (existsSync(FASTESTDET)) models.set('fastestdet', prepare(FASTESTDET, origin));
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
});
