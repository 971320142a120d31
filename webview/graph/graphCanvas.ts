// Draws the graph on a canvas: only what is in view, with less detail when zoomed out (no text under 0.45×,
// nodes as plain boxes in one path under 0.12×), so a 10,000-node graph pans and zooms smoothly. Colours are the
// VS Code theme's (read from CSS variables). Interaction (pan, zoom, pick) is inspector.ts's; this file only
// knows the camera.
import type { GraphSkeleton } from '../../src/core/inspect/graphSkeleton';
import type { LayoutResult } from './layout';

export interface Camera {
  /** Pixels per layout unit. */
  scale: number;
  /** Screen position of the layout origin, in CSS pixels. */
  tx: number;
  ty: number;
}

export interface Emphasis {
  selected?: number;
  /** The selected node's group: its members, roots and pixel shuffles. */
  members?: Set<number>;
  roots?: Set<number>;
  shuffles?: Set<number>;
  /** Search matches. */
  matches?: Set<number>;
}

interface Theme {
  background: string;
  node: string;
  border: string;
  text: string;
  muted: string;
  edge: string;
  accent: string;
  group: string;
  root: string;
  shuffle: string;
  match: string;
}

function css(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

function readTheme(): Theme {
  return {
    background: css('--vscode-editor-background', '#1e1e1e'),
    node: css('--vscode-editorWidget-background', '#252526'),
    border: css('--vscode-editorWidget-border', css('--vscode-contrastBorder', '#454545')),
    text: css('--vscode-editor-foreground', '#cccccc'),
    muted: css('--vscode-descriptionForeground', '#999999'),
    edge: css('--vscode-editorLineNumber-foreground', '#858585'),
    accent: css('--vscode-focusBorder', '#007fd4'),
    group: css('--vscode-charts-blue', '#3794ff'),
    root: css('--vscode-charts-green', '#89d185'),
    shuffle: css('--vscode-charts-orange', '#d18616'),
    match: css('--vscode-editor-findMatchHighlightBackground', 'rgba(234, 92, 0, 0.33)'),
  };
}

export const NODE_HEIGHT = 38;

/** Node labels are drawn from this scale up; the first view is at least this scale. */
const READABLE = 0.75;
/** Graphs of more nodes than this use the overview image when zoomed far out. */
const OVERVIEW_NODES = 2500;
const OVERVIEW_PIXELS = 8192;
/** Height of the layout bands that index nodes and edges for culling. */
const BAND = 1000;

/** A node's label: its op, and its output channels where known. */
export function nodeLabel(skeleton: GraphSkeleton, i: number): string {
  const node = skeleton.nodes[i];
  return node.channels !== undefined ? `${node.op} · ${node.channels}` : node.op;
}

function nodeWidth(label: string, name = ''): number {
  return Math.max(56, 7.2 * label.length + 20, Math.min(200, 6 * shortName(name).length + 16));
}

/** The end of a node's name (exporters scope names like paths): what fits in its box. */
function shortName(name: string): string {
  const parts = name.split('/').filter(Boolean);
  const short = parts.slice(-2).join('/') || name;
  return short.length > 32 ? `…${short.slice(-31)}` : short;
}

export class GraphCanvas {
  camera: Camera = { scale: 1, tx: 0, ty: 0 };
  emphasis: Emphasis = {};
  private theme = readTheme();
  private readonly labels: string[];
  private readonly names: string[];
  readonly widths: number[];
  private layout: LayoutResult | undefined;
  private frame = 0;
  /** Milliseconds the last frame took to draw. */
  lastFrameMs = 0;
  /**
   * The whole graph drawn once at overview detail, for views where thousands of nodes are visible: those
   * frames are then one image copy. Dropped when the layout, the theme or the emphasis changes.
   */
  private overview: { image: HTMLCanvasElement; scale: number; emphasis: Emphasis } | undefined;
  /** Nodes and edges by horizontal band of the layout, so a frame only looks at what is near the view. */
  private bands: { nodes: number[][]; edges: number[][] } = { nodes: [], edges: [] };
  private edgeSeen = new Uint32Array(0);
  private frameStamp = 0;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly skeleton: GraphSkeleton,
  ) {
    this.labels = skeleton.nodes.map((_, i) => nodeLabel(skeleton, i));
    this.names = skeleton.nodes.map((n) => shortName(n.name));
    this.widths = this.labels.map((label, i) => nodeWidth(label, skeleton.nodes[i].name));
  }

  setLayout(layout: LayoutResult): void {
    this.layout = layout;
    this.overview = undefined;
    this.index(layout);
    this.request();
    // Large graphs: draw the overview image while idle, so zooming out never waits for it.
    if (this.widths.length > OVERVIEW_NODES)
      requestIdleCallback(() => this.layout === layout && this.overviewImage(layout), { timeout: 2000 });
  }

  get laidOut(): LayoutResult | undefined {
    return this.layout;
  }

  /** The theme changed (VS Code switches the body's class): read the colours again. */
  refreshTheme(): void {
    this.theme = readTheme();
    this.overview = undefined;
    this.request();
  }

  /** Schedules a redraw on the next animation frame. */
  request(): void {
    if (!this.frame) this.frame = requestAnimationFrame(() => this.draw());
  }

  /** The node under a screen point (CSS pixels, relative to the canvas), if any. */
  pick(px: number, py: number): number | undefined {
    const layout = this.layout;
    if (!layout) return undefined;
    const { scale, tx, ty } = this.camera;
    const x = (px - tx) / scale;
    const y = (py - ty) / scale;
    for (let i = 0; i < this.widths.length; i++) {
      if (Math.abs(x - layout.x[i]) <= this.widths[i] / 2 && Math.abs(y - layout.y[i]) <= NODE_HEIGHT / 2)
        return i;
    }
    return undefined;
  }

  /**
   * The first view: the whole graph when its labels stay readable that way, else its top at a readable scale
   * (a tall network fitted whole is a line of unreadable boxes; the minimap and Fit give the overview).
   */
  home(): void {
    this.fit();
    const layout = this.layout;
    if (!layout || this.camera.scale >= READABLE) return;
    const { width } = this.canvas.getBoundingClientRect();
    const scale = Math.min(1, Math.max(READABLE, (width - 40) / Math.max(layout.width, 1)));
    this.camera = { scale, tx: (width - layout.width * scale) / 2, ty: 20 };
    this.request();
  }

  /** Fits the whole graph (or one node, larger) in view. */
  fit(node?: number): void {
    const layout = this.layout;
    if (!layout) return;
    const { width, height } = this.canvas.getBoundingClientRect();
    if (node !== undefined) {
      const scale = Math.max(this.camera.scale, 1);
      this.camera = {
        scale,
        tx: width / 2 - layout.x[node] * scale,
        ty: height / 2 - layout.y[node] * scale,
      };
    } else {
      const scale = Math.min(
        1.5,
        (width - 40) / Math.max(layout.width, 1),
        (height - 40) / Math.max(layout.height, 1),
      );
      this.camera = {
        scale,
        tx: (width - layout.width * scale) / 2,
        ty: Math.max(20, (height - layout.height * scale) / 2),
      };
    }
    this.request();
  }

  zoomAt(factor: number, px: number, py: number): void {
    const { scale, tx, ty } = this.camera;
    const next = Math.min(4, Math.max(0.005, scale * factor));
    const k = next / scale;
    this.camera = { scale: next, tx: px - (px - tx) * k, ty: py - (py - ty) * k };
    this.request();
  }

  panBy(dx: number, dy: number): void {
    this.camera = { ...this.camera, tx: this.camera.tx + dx, ty: this.camera.ty + dy };
    this.request();
  }

  draw(): void {
    this.frame = 0;
    const started = performance.now();
    const canvas = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const { width, height } = canvas.getBoundingClientRect();
    if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
      canvas.width = Math.round(width * dpr);
      canvas.height = Math.round(height * dpr);
    }
    const ctx = canvas.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = this.theme.background;
    ctx.fillRect(0, 0, width, height);
    const layout = this.layout;
    if (!layout) return;
    const { scale, tx, ty } = this.camera;
    ctx.setTransform(dpr * scale, 0, 0, dpr * scale, dpr * tx, dpr * ty);
    // The visible rectangle in layout units, with a margin for half a node.
    const x0 = -tx / scale - 200;
    const x1 = (width - tx) / scale + 200;
    const y0 = -ty / scale - NODE_HEIGHT;
    const y1 = (height - ty) / scale + NODE_HEIGHT;
    const visible = (x: number, y: number) => x >= x0 && x <= x1 && y >= y0 && y <= y1;
    const e = this.emphasis;
    const dimmed = e.members !== undefined;
    // Zoomed far out on a large graph: copy the overview image instead, wherever it is sharp enough (drawing
    // the thousands of nodes then in view would cost more than a frame).
    if (this.widths.length > OVERVIEW_NODES && scale < 0.12) {
      const overview = this.overviewImage(layout);
      if (overview.scale >= scale * 0.5) {
        // Only the part in view is copied: the cost stays that of one screenful at any zoom.
        const k = overview.scale;
        const vx0 = Math.max(0, -tx / scale);
        const vy0 = Math.max(0, -ty / scale);
        const vx1 = Math.min(layout.width, (width - tx) / scale);
        const vy1 = Math.min(layout.height, (height - ty) / scale);
        ctx.imageSmoothingEnabled = true;
        if (vx1 > vx0 && vy1 > vy0)
          ctx.drawImage(
            overview.image,
            vx0 * k,
            vy0 * k,
            (vx1 - vx0) * k,
            (vy1 - vy0) * k,
            vx0,
            vy0,
            vx1 - vx0,
            vy1 - vy0,
          );
        this.lastFrameMs = performance.now() - started;
        return;
      }
    }

    this.drawEdges(ctx, layout, [y0, y1], scale, dimmed);
    this.drawNodes(ctx, layout, visible, [y0, y1], scale);
    this.lastFrameMs = performance.now() - started;
  }

  private index(layout: LayoutResult): void {
    const nodes: number[][] = [];
    const edges: number[][] = [];
    const band = (y: number) => Math.max(0, Math.floor(y / BAND));
    for (let i = 0; i < this.widths.length; i++) (nodes[band(layout.y[i])] ??= []).push(i);
    layout.paths.forEach((path, k) => {
      let min = Infinity;
      let max = -Infinity;
      for (let j = 1; j < path.length; j += 2) {
        min = Math.min(min, path[j]);
        max = Math.max(max, path[j]);
      }
      for (let b = band(min); b <= band(max); b++) (edges[b] ??= []).push(k);
    });
    this.bands = { nodes, edges };
    this.edgeSeen = new Uint32Array(layout.paths.length);
  }

  /** The nodes, or the edges, whose band overlaps y0…y1 (each edge once). */
  private inBands(kind: 'nodes' | 'edges', y0: number, y1: number): number[] {
    const list = this.bands[kind];
    const stamp = ++this.frameStamp;
    const out: number[] = [];
    const last = Math.min(list.length - 1, Math.floor(y1 / BAND));
    for (let b = Math.max(0, Math.floor(y0 / BAND)); b <= last; b++) {
      for (const i of list[b] ?? []) {
        if (kind === 'edges') {
          if (this.edgeSeen[i] === stamp) continue;
          this.edgeSeen[i] = stamp;
        }
        out.push(i);
      }
    }
    return out;
  }

  /** Renders the whole graph into an image at most OVERVIEW_PIXELS on its long side (once per emphasis). */
  private overviewImage(layout: LayoutResult): { image: HTMLCanvasElement; scale: number } {
    if (this.overview && this.overview.emphasis === this.emphasis) return this.overview;
    const scale = Math.min(0.12, OVERVIEW_PIXELS / Math.max(layout.width, layout.height, 1));
    const image = document.createElement('canvas');
    image.width = Math.max(1, Math.ceil(layout.width * scale));
    image.height = Math.max(1, Math.ceil(layout.height * scale));
    const ctx = image.getContext('2d')!;
    ctx.setTransform(scale, 0, 0, scale, 0, 0);
    const all = () => true;
    this.drawEdges(ctx, layout, [-Infinity, Infinity], scale, this.emphasis.members !== undefined);
    this.drawNodes(ctx, layout, all, [-Infinity, Infinity], scale);
    this.overview = { image, scale, emphasis: this.emphasis };
    return this.overview;
  }

  private drawEdges(
    ctx: CanvasRenderingContext2D,
    layout: LayoutResult,
    rows: [number, number],
    scale: number,
    dimmed: boolean,
  ): void {
    // Edges: one path, of the edges whose band overlaps the view (long edges crossing it included).
    ctx.lineWidth = Math.max(1 / scale, 1);
    ctx.strokeStyle = this.theme.edge;
    ctx.globalAlpha = dimmed ? 0.35 : 0.8;
    ctx.beginPath();
    for (const k of this.inBands('edges', rows[0], rows[1])) {
      const path = layout.paths[k];
      ctx.moveTo(path[0], path[1]);
      for (let j = 2; j < path.length; j += 2) ctx.lineTo(path[j], path[j + 1]);
    }
    ctx.stroke();
    ctx.globalAlpha = 1;
  }

  private drawNodes(
    ctx: CanvasRenderingContext2D,
    layout: LayoutResult,
    visible: (x: number, y: number) => boolean,
    rows: [number, number],
    scale: number,
  ): void {
    const e = this.emphasis;
    const dimmed = e.members !== undefined;
    const near = this.inBands('nodes', rows[0], rows[1]);
    if (scale < 0.12) {
      // Far out: boxes only, batched by colour.
      const batches = new Map<string, number[]>();
      for (const i of near) {
        if (!visible(layout.x[i], layout.y[i])) continue;
        const colour = this.fill(i);
        (batches.get(colour) ?? batches.set(colour, []).get(colour)!).push(i);
      }
      for (const [colour, list] of batches) {
        ctx.fillStyle = colour;
        ctx.beginPath();
        for (const i of list)
          ctx.rect(
            layout.x[i] - this.widths[i] / 2,
            layout.y[i] - NODE_HEIGHT / 2,
            this.widths[i],
            NODE_HEIGHT,
          );
        ctx.fill();
      }
    } else {
      ctx.font = '12px var(--vscode-font-family, sans-serif)';
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      for (const i of near) {
        const x = layout.x[i];
        const y = layout.y[i];
        if (!visible(x, y)) continue;
        const w = this.widths[i];
        ctx.globalAlpha = dimmed && !e.members!.has(i) ? 0.45 : 1;
        ctx.fillStyle = this.fill(i);
        ctx.beginPath();
        ctx.roundRect(x - w / 2, y - NODE_HEIGHT / 2, w, NODE_HEIGHT, 5);
        ctx.fill();
        ctx.lineWidth = (i === e.selected ? 3 : e.roots?.has(i) ? 2 : 1) / Math.min(scale, 1);
        ctx.strokeStyle =
          i === e.selected
            ? this.theme.accent
            : e.shuffles?.has(i)
              ? this.theme.shuffle
              : e.roots?.has(i)
                ? this.theme.root
                : this.theme.border;
        ctx.stroke();
        if (scale >= 0.45) {
          ctx.fillStyle = this.theme.text;
          if (scale >= 0.9) {
            // Close enough to read two lines: the op and channels, then the node's name.
            ctx.fillText(this.labels[i], x, y - 7);
            ctx.font = '10px var(--vscode-font-family, sans-serif)';
            ctx.fillStyle = this.theme.muted;
            ctx.fillText(this.names[i], x, y + 8, w - 8);
            ctx.font = '12px var(--vscode-font-family, sans-serif)';
          } else ctx.fillText(this.labels[i], x, y);
        }
      }
      ctx.globalAlpha = 1;
      if (scale >= 0.8) this.drawShapes(ctx, layout, visible);
    }
  }

  private fill(i: number): string {
    const e = this.emphasis;
    if (e.matches?.has(i)) return this.theme.match;
    if (e.shuffles?.has(i)) return withAlpha(this.theme.shuffle, 0.35);
    if (e.members?.has(i)) return withAlpha(this.theme.group, 0.3);
    return this.theme.node;
  }

  /** Edge labels: the shape of the value an edge carries, beside the edge just above its target. */
  private drawShapes(
    ctx: CanvasRenderingContext2D,
    layout: LayoutResult,
    visible: (x: number, y: number) => boolean,
  ): void {
    ctx.font = '10px var(--vscode-editor-font-family, monospace)';
    ctx.textAlign = 'left';
    ctx.fillStyle = this.theme.muted;
    let k = 0;
    for (const node of this.skeleton.nodes) {
      for (const v of node.inputs) {
        const value = this.skeleton.values[v];
        if (value.producer < 0 || value.weight) continue;
        const path = layout.paths[k++];
        if (!path || !value.shape) continue;
        const x = path[path.length - 4] ?? path[0];
        const y = path[path.length - 1] - NODE_HEIGHT / 2 - 8;
        if (visible(x, y)) ctx.fillText(value.shape, x + 4, y);
      }
    }
  }
}

function withAlpha(colour: string, alpha: number): string {
  const hex = /^#([0-9a-f]{6})$/i.exec(colour);
  if (!hex) return colour;
  const v = Number.parseInt(hex[1], 16);
  return `rgba(${v >> 16}, ${(v >> 8) & 255}, ${v & 255}, ${alpha})`;
}

/** The edges the canvas draws, in the order drawShapes walks them: producer → consumer, weights left out. */
export function graphEdges(skeleton: GraphSkeleton): [number, number][] {
  const edges: [number, number][] = [];
  skeleton.nodes.forEach((node, i) => {
    for (const v of node.inputs) {
      const value = skeleton.values[v];
      if (value.producer >= 0 && !value.weight) edges.push([value.producer, i]);
    }
  });
  return edges;
}
