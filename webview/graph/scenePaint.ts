// Painting one frame of the graph canvas (graphCanvas.ts): the frames of expanded boxes, the edges, then the
// nodes and collapsed boxes with less detail the further out the zoom (no text under 0.45×, plain shapes in one
// path per colour under 0.12×, never under a few pixels), and the values' shapes beside the edges close up.
import type { Theme } from './canvasStyle';
import { withAlpha } from './canvasStyle';
import { HEADER } from './frames';
import type { Scene } from './scene';

export interface Emphasis {
  selected?: number;
  /** The selected node's group: its members, roots and pixel shuffles. */
  members?: Set<number>;
  roots?: Set<number>;
  shuffles?: Set<number>;
  /** Search matches. */
  matches?: Set<number>;
}

/** The collapsed boxes and frames holding group members and search matches (as items). */
export interface BoxMarks {
  group: Set<number>;
  match: Set<number>;
}

/** The part of the layout in view (with margins), in layout units. */
export interface View {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/** What a frame is painted from. */
interface Paint {
  readonly scene: Scene;
  readonly theme: Theme;
  readonly emphasis: Emphasis;
  readonly marks: BoxMarks;
  readonly labels: readonly string[];
  readonly names: readonly string[];
  readonly boxText: readonly (readonly [string, string])[];
  /** The items, or the edges, whose band overlaps y0…y1 (each edge once). */
  inBands(kind: 'items' | 'edges', y0: number, y1: number): number[];
}

/** The least a shape is drawn on screen, in CSS pixels: far out, boxes and nodes stay visible. */
const MIN_PIXELS = 2;

/** Paints what is in `view`: frames, then edges, then items on top. */
export function drawScene(ctx: CanvasRenderingContext2D, p: Paint, view: View, scale: number): void {
  drawFrames(ctx, p, view, scale);
  drawEdges(ctx, p, [view.y0, view.y1], scale);
  drawItems(ctx, p, view, scale);
}

/** Expanded boxes: a frame with a title bar (the scope, and − to collapse it). */
function drawFrames(ctx: CanvasRenderingContext2D, p: Paint, view: View, scale: number): void {
  const marks = p.marks;
  ctx.lineWidth = 1 / Math.min(scale, 1);
  for (const f of p.scene.frames) {
    if (f.x1 < view.x0 || f.x0 > view.x1 || f.y1 < view.y0 || f.y0 > view.y1) continue;
    ctx.fillStyle = withAlpha(p.theme.node, 0.35);
    ctx.strokeStyle = p.theme.border;
    ctx.beginPath();
    ctx.rect(f.x0, f.y0, f.x1 - f.x0, f.y1 - f.y0);
    ctx.fill();
    ctx.stroke();
    ctx.fillStyle = marks.group.has(p.scene.nodes + f.box) ? withAlpha(p.theme.group, 0.3) : p.theme.node;
    ctx.fillRect(f.x0, f.y0, f.x1 - f.x0, HEADER - 4);
    if (scale >= 0.45) {
      ctx.font = '12px var(--vscode-font-family, sans-serif)';
      ctx.textAlign = 'left';
      ctx.textBaseline = 'middle';
      ctx.fillStyle = p.theme.text;
      const [title, line] = p.boxText[f.box];
      ctx.fillText(`− ${title}  ·  ${line}`, f.x0 + 8, f.y0 + (HEADER - 4) / 2, f.x1 - f.x0 - 16);
    }
  }
}

function drawEdges(ctx: CanvasRenderingContext2D, p: Paint, rows: [number, number], scale: number): void {
  // Edges: one path, of the edges whose band overlaps the view (long edges crossing it included).
  ctx.lineWidth = Math.max(1 / scale, 1);
  ctx.strokeStyle = p.theme.edge;
  ctx.globalAlpha = p.emphasis.members !== undefined ? 0.35 : 0.8;
  ctx.beginPath();
  const edges = p.scene.edges;
  for (const k of p.inBands('edges', rows[0], rows[1])) {
    const path = edges[k].path;
    ctx.moveTo(path[0], path[1]);
    for (let j = 2; j < path.length; j += 2) ctx.lineTo(path[j], path[j + 1]);
  }
  ctx.stroke();
  ctx.globalAlpha = 1;
}

function drawItems(ctx: CanvasRenderingContext2D, p: Paint, view: View, scale: number): void {
  const scene = p.scene;
  const e = p.emphasis;
  const dimmed = e.members !== undefined;
  const marks = p.marks;
  const near = p.inBands('items', view.y0, view.y1);
  const visible = (i: number) =>
    scene.x[i] >= view.x0 && scene.x[i] <= view.x1 && scene.y[i] >= view.y0 && scene.y[i] <= view.y1;
  if (scale < 0.12) {
    // Far out: shapes only, batched by colour, and never under MIN_PIXELS on screen.
    const least = MIN_PIXELS / scale;
    const batches = new Map<string, number[]>();
    for (const i of near) {
      if (!visible(i)) continue;
      const colour = fill(p, i, marks);
      (batches.get(colour) ?? batches.set(colour, []).get(colour)!).push(i);
    }
    for (const [colour, list] of batches) {
      ctx.fillStyle = colour;
      ctx.beginPath();
      for (const i of list) {
        const w = Math.max(scene.w[i], least);
        const h = Math.max(scene.h[i], least);
        ctx.rect(scene.x[i] - w / 2, scene.y[i] - h / 2, w, h);
      }
      ctx.fill();
    }
    // Boxes get their outline too: a collapsed box must read as more than a node.
    ctx.strokeStyle = p.theme.border;
    ctx.lineWidth = 1 / scale;
    ctx.beginPath();
    for (const i of near)
      if (i >= scene.nodes && visible(i))
        ctx.rect(scene.x[i] - scene.w[i] / 2, scene.y[i] - scene.h[i] / 2, scene.w[i], scene.h[i]);
    ctx.stroke();
    return;
  }
  ctx.font = '12px var(--vscode-font-family, sans-serif)';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  for (const i of near) {
    if (!visible(i)) continue;
    const x = scene.x[i];
    const y = scene.y[i];
    const w = scene.w[i];
    const h = scene.h[i];
    const box = i >= scene.nodes;
    ctx.globalAlpha = dimmed && !(box ? marks.group.has(i) : e.members!.has(i)) ? 0.45 : 1;
    ctx.fillStyle = fill(p, i, marks);
    ctx.beginPath();
    ctx.roundRect(x - w / 2, y - h / 2, w, h, box ? 2 : 5);
    ctx.fill();
    ctx.lineWidth =
      (i === e.selected ? 3 : e.roots?.has(i) || (box && marks.group.has(i)) ? 2 : 1) / Math.min(scale, 1);
    ctx.strokeStyle =
      i === e.selected
        ? p.theme.accent
        : e.shuffles?.has(i)
          ? p.theme.shuffle
          : e.roots?.has(i)
            ? p.theme.root
            : box && marks.group.has(i)
              ? p.theme.group
              : p.theme.border;
    ctx.stroke();
    if (box) {
      // A collapsed box: a second outline (a stack), its scope and what it holds.
      ctx.strokeRect(x - w / 2 + 3, y + h / 2 + 1, w - 6, 2);
      if (scale >= 0.45) {
        const [title, line] = p.boxText[i - scene.nodes];
        ctx.fillStyle = p.theme.text;
        ctx.font = 'bold 12px var(--vscode-font-family, sans-serif)';
        ctx.fillText(`+ ${title}`, x, y - 9, w - 8);
        ctx.font = '10px var(--vscode-font-family, sans-serif)';
        ctx.fillStyle = p.theme.muted;
        ctx.fillText(line, x, y + 9, w - 8);
        ctx.font = '12px var(--vscode-font-family, sans-serif)';
      }
    } else if (scale >= 0.45) {
      ctx.fillStyle = p.theme.text;
      if (scale >= 0.9) {
        // Close enough to read two lines: the op and channels, then the node's name.
        ctx.fillText(p.labels[i], x, y - 7);
        ctx.font = '10px var(--vscode-font-family, sans-serif)';
        ctx.fillStyle = p.theme.muted;
        ctx.fillText(p.names[i], x, y + 8, w - 8);
        ctx.font = '12px var(--vscode-font-family, sans-serif)';
      } else ctx.fillText(p.labels[i], x, y);
    }
  }
  ctx.globalAlpha = 1;
  if (scale >= 0.8) drawShapes(ctx, p, view);
}

function fill(p: Paint, i: number, marks: BoxMarks): string {
  const e = p.emphasis;
  if (e.matches?.has(i) || marks.match.has(i)) return p.theme.match;
  if (e.shuffles?.has(i)) return withAlpha(p.theme.shuffle, 0.35);
  if (e.members?.has(i) || marks.group.has(i)) return withAlpha(p.theme.group, 0.3);
  return p.theme.node;
}

/** Edge labels: the shape of the value an edge carries, beside the edge just above its target. */
function drawShapes(ctx: CanvasRenderingContext2D, p: Paint, view: View): void {
  ctx.font = '10px var(--vscode-editor-font-family, monospace)';
  ctx.textAlign = 'left';
  ctx.fillStyle = p.theme.muted;
  const edges = p.scene.edges;
  for (const k of p.inBands('edges', view.y0, view.y1)) {
    const { path, label, to } = edges[k];
    if (!label) continue;
    const x = path[path.length - 4] ?? path[0];
    const y = path[path.length - 1] - p.scene.h[to] / 2 - 8;
    if (x >= view.x0 && x <= view.x1 && y >= view.y0 && y <= view.y1) ctx.fillText(label, x + 4, y);
  }
}
