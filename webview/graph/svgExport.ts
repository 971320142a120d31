// The graph as an SVG document (Export SVG): boxes, labels and edges as laid out, every model string escaped.
import type { GraphSkeleton } from '../../src/core/inspect/graphSkeleton';
import { escapeHtml } from '../../src/shared/markup';
import { NODE_HEIGHT, nodeLabel } from './graphCanvas';
import type { LayoutResult } from './layout';

export function graphSvg(skeleton: GraphSkeleton, layout: LayoutResult, widths: number[]): string {
  const pad = 20;
  const edges = layout.paths
    .map((p) => {
      const points: string[] = [];
      for (let k = 0; k < p.length; k += 2)
        points.push(`${(p[k] + pad).toFixed(1)},${(p[k + 1] + pad).toFixed(1)}`);
      return `<polyline points="${points.join(' ')}"/>`;
    })
    .join('\n');
  const nodes = skeleton.nodes
    .map((node, i) => {
      const x = layout.x[i] + pad;
      const y = layout.y[i] + pad;
      const w = widths[i];
      return (
        `<g><title>${escapeHtml(node.name)}</title>` +
        `<rect x="${(x - w / 2).toFixed(1)}" y="${(y - NODE_HEIGHT / 2).toFixed(1)}" width="${w.toFixed(1)}" height="${NODE_HEIGHT}" rx="5"/>` +
        `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}">${escapeHtml(nodeLabel(skeleton, i))}</text></g>`
      );
    })
    .join('\n');
  const width = Math.ceil(layout.width + 2 * pad);
  const height = Math.ceil(layout.height + 2 * pad);
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
<style>
polyline { fill: none; stroke: #888; stroke-width: 1; }
rect { fill: #f3f3f3; stroke: #666; }
text { font: 12px sans-serif; text-anchor: middle; dominant-baseline: middle; fill: #222; }
</style>
<g class="edges">
${edges}
</g>
<g class="nodes">
${nodes}
</g>
</svg>
`;
}
