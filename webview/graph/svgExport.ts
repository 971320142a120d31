// The graph view as an SVG document (Export SVG): what is shown (nodes, collapsed boxes, frames of expanded
// ones, edges) as laid out, every model string escaped.
import type { GraphSkeleton } from '../../src/core/inspect/graphSkeleton';
import { escapeHtml } from '../../src/shared/markup';
import { nodeLabel } from './canvasStyle';
import { type Scene, boxLabels } from './scene';

export function graphSvg(skeleton: GraphSkeleton, scene: Scene): string {
  const pad = 20;
  const b = scene.bounds();
  const X = (x: number) => (x - b.x0 + pad).toFixed(1);
  const Y = (y: number) => (y - b.y0 + pad).toFixed(1);
  const frames = scene.frames
    .map(
      (f) =>
        `<g class="frame"><title>${escapeHtml(skeleton.boxes[f.box].path)}</title>` +
        `<rect x="${X(f.x0)}" y="${Y(f.y0)}" width="${(f.x1 - f.x0).toFixed(1)}" height="${(f.y1 - f.y0).toFixed(1)}"/>` +
        `<text x="${X(f.x0 + 8)}" y="${Y(f.y0 + 11)}">${escapeHtml(boxLabels(skeleton, f.box)[0])}</text></g>`,
    )
    .join('\n');
  const edges = scene.edges
    .map((e) => {
      const points: string[] = [];
      for (let k = 0; k < e.path.length; k += 2) points.push(`${X(e.path[k])},${Y(e.path[k + 1])}`);
      return `<polyline points="${points.join(' ')}"/>`;
    })
    .join('\n');
  const nodes = scene
    .shownItems()
    .map((i) => {
      const box = i >= scene.nodes;
      const name = box ? skeleton.boxes[i - scene.nodes].path : skeleton.nodes[i].name;
      const label = box ? boxLabels(skeleton, i - scene.nodes).join(' · ') : nodeLabel(skeleton, i);
      const w = scene.w[i];
      const h = scene.h[i];
      return (
        `<g><title>${escapeHtml(name)}</title>` +
        `<rect x="${X(scene.x[i] - w / 2)}" y="${Y(scene.y[i] - h / 2)}" width="${w.toFixed(1)}" height="${h}" rx="${box ? 2 : 5}"/>` +
        `<text x="${X(scene.x[i])}" y="${Y(scene.y[i])}">${escapeHtml(label)}</text></g>`
      );
    })
    .join('\n');
  const width = Math.ceil(b.x1 - b.x0 + 2 * pad);
  const height = Math.ceil(b.y1 - b.y0 + 2 * pad);
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
<style>
polyline { fill: none; stroke: #888; stroke-width: 1; }
rect { fill: #f3f3f3; stroke: #666; }
.frame rect { fill: none; stroke: #aaa; }
.frame text { text-anchor: start; }
text { font: 12px sans-serif; text-anchor: middle; dominant-baseline: middle; fill: #222; }
</style>
<g class="frames">
${frames}
</g>
<g class="edges">
${edges}
</g>
<g class="nodes">
${nodes}
</g>
</svg>
`;
}
