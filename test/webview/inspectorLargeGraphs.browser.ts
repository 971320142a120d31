// The graph inspector on large graphs: first paint and pan/zoom frame times of ~1,000- and ~10,000-node
// chains, and 50,000-node models that open collapsed, open a big box in place, and search and reveal.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { writeBuilt } from '../builder/model-builder';
import { residualCnn, transformerLike } from '../support/largeModels';
import { convChain, writeSynthetic } from '../support/syntheticModels';
import { tempDir } from '../support/tempDir';
import { prepare } from './pageHarness';
import { ARTIFACTS, type PageInspector, inspectorPages, timings } from './inspectorPages';

const dir = tempDir();

describe('the graph inspector in headless Chromium', () => {
  const { models, open } = inspectorPages((origin, { models }) => {
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
