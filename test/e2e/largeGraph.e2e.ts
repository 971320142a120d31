// Large graphs in a real VS Code (issue 17): the 10,009-node chain and the 50,001-node transformer-like model
// open readable (labels at 100 %, the graph's inputs at the top, name scopes collapsed into boxes); search
// jumps to a node and shows it at readable size, opening the boxes around it; a box opens in place; a
// channel-group member in a closed box is revealed. Screenshots for the README.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { writeBuilt } from '../builder/model-builder';
import { transformerLike } from '../support/largeModels';
import { convChain, writeSynthetic } from '../support/syntheticModels';
import { tempDir } from '../support/tempDir';
import { VsCode } from './harness/vscode';

/** What the checks read of the page's inspector (window.inspector). */
interface PageInspector {
  canvas: {
    camera: { scale: number; tx: number; ty: number };
    scene: {
      nodes: number;
      x: Float64Array;
      y: Float64Array;
      itemOf(node: number): number;
      shownItems(): number[];
    };
    boxMarks(): { group: Set<number> };
  };
  skeleton: {
    nodes: { name: string; group?: string; box?: number }[];
    boxes: { path: string; parent: number }[];
    groups: { id: string; members: number[] }[];
  };
  expand(boxes: number[]): Promise<void>;
  reveal(name: string): void;
}

/** Waits for the details panel to show the node named `name`. */
async function detailsOf(frame: Awaited<ReturnType<VsCode['webviewFrame']>>, name: string): Promise<void> {
  assert.ok(name, 'a node is selected');
  const heading = frame.locator('#details h2');
  await heading.filter({ hasText: name }).waitFor({ timeout: 30_000 });
  assert.equal(await heading.textContent(), name);
}

const dir = tempDir();
let vs: VsCode;
before(async () => {
  const chain = join(dir, 'chain10k.onnx');
  writeSynthetic(convChain(3336), chain);
  const big = writeBuilt(dir, 'transformer50k.onnx', transformerLike());
  vs = await VsCode.start({
    name: 'large-graph',
    files: { 'chain10k.onnx': readFileSync(chain), 'transformer50k.onnx': readFileSync(big) },
  });
});
after(async () => {
  if (!vs) return;
  const survivors = await vs.stop();
  assert.deepEqual(survivors, [], 'every process the suite started is gone after stop()');
});

for (const [file, nodes] of [
  ['chain10k.onnx', '10,009'],
  ['transformer50k.onnx', '50,001'],
] as const) {
  test(`${file}: readable at open; search, reveal, a box opened, a group member revealed`, () =>
    vs.check(`large-${file}`, async () => {
      await vs.openFile(file);
      const frame = await vs.webviewFrame();
      await frame.locator('#inspector[data-painted="true"]').waitFor({ timeout: 120_000 });
      assert.match(await frame.locator('#graph-status').innerText(), new RegExp(`${nodes} nodes`));
      const first = await frame.evaluate(() => {
        const canvas = (window as unknown as { inspector: PageInspector }).inspector.canvas;
        return { scale: canvas.camera.scale, shown: canvas.scene.shownItems().length };
      });
      assert.ok(first.scale >= 0.75, `labels readable at open (${first.scale})`);
      await vs.screenshot(`large-${file}-1-open`);

      // Search: Enter jumps to the first match at 100 %, opening the boxes that hold it.
      await frame.locator('#search').fill('Conv');
      await frame.locator('#search').press('Enter');
      await frame.locator('#inspector[data-revealed]').waitFor({ timeout: 30_000 });
      const searched = await frame.evaluate(
        () => (window as unknown as { inspector: PageInspector }).inspector.canvas.camera.scale,
      );
      assert.equal(searched, 1, 'the match at 100 %');
      // Its details (read from the analysis the server keeps, not from the model read again) are shown.
      const selected = (await frame.locator('#inspector').getAttribute('data-selected')) ?? '';
      await detailsOf(frame, selected);
      await vs.screenshot(`large-${file}-2-search`);

      // Open the first closed box in view.
      const opened = await frame.evaluate(async () => {
        const inspector = (window as unknown as { inspector: PageInspector }).inspector;
        const { scene } = inspector.canvas;
        const box = scene.shownItems().find((i) => i >= scene.nodes);
        if (box === undefined) return undefined;
        await inspector.expand([box - scene.nodes]);
        return inspector.skeleton.boxes[box - scene.nodes].path;
      });
      if (opened) await vs.screenshot(`large-${file}-3-box-opened`);

      // A channel-group member inside a closed box: its box is marked while the group is highlighted, and
      // Reveal opens it.
      const member = await frame.evaluate(() => {
        const inspector = (window as unknown as { inspector: PageInspector }).inspector;
        const { scene } = inspector.canvas;
        const nodes = inspector.skeleton.nodes;
        const hidden = nodes.findIndex(
          (n, i) => n.group !== undefined && scene.itemOf(i) !== i && i > nodes.length / 2,
        );
        return hidden >= 0 ? nodes[hidden].name : undefined;
      });
      if (member) {
        await frame.evaluate(
          (name: string) => (window as unknown as { inspector: PageInspector }).inspector.reveal(name),
          member,
        );
        await frame.locator(`#inspector[data-revealed="${member}"]`).waitFor({ timeout: 30_000 });
        await detailsOf(frame, member);
        await vs.screenshot(`large-${file}-4-member-revealed`);
      }
    }));
}
