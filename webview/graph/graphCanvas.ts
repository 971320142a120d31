// Draws the graph's scene (scene.ts: nodes, collapsed name-scope boxes, frames of expanded ones, edges) on a
// canvas: only what is in view, with less detail when zoomed out (no text under 0.45×, nodes and boxes as plain
// shapes in one path under 0.12×, never smaller than a few pixels, so something is drawn at every zoom), so a
// 50,000-node graph pans and zooms smoothly. Colours are the VS Code theme's (read from CSS variables).
// Interaction (pan, zoom, pick) is inspector.ts's; this file only knows the camera.
import type { GraphSkeleton } from '../../src/core/inspect/graphSkeleton';
import { nodeLabel, nodeWidth, readTheme, shortName, withAlpha } from './canvasStyle';
import { Scene, boxLabels } from './scene';

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

/** What is under a point: a node, a collapsed box, or the title bar of an expanded box's frame. */
export type Hit = { node: number } | { box: number } | { frame: number };

/** The scale Netron shows at 100 %: where Reveal and the first view put the graph. */
const READ_SCALE = 1;
/** Node labels are drawn from this scale up; a first view that fits the graph at least this large fits it. */
const READABLE = 0.75;
/** Views of more items than this use the overview image when zoomed far out. */
const OVERVIEW_NODES = 2500;
const OVERVIEW_PIXELS = 8192;
/** Height of the layout bands that index items and edges for culling. */
const BAND = 1000;
/** The least a shape is drawn on screen, in CSS pixels: far out, boxes and nodes stay visible. */
const MIN_PIXELS = 2;
const FRAME_HEADER = 26;

export class GraphCanvas {
  camera: Camera = { scale: 1, tx: 0, ty: 0 };
  emphasis: Emphasis = {};
  readonly scene: Scene;
  private theme = readTheme();
  private readonly labels: string[];
  private readonly names: string[];
  private readonly boxText: [string, string][];
  readonly widths: number[];
  private frame = 0;
  /** Milliseconds the last frame took to draw. */
  lastFrameMs = 0;
  /**
   * The whole scene drawn once at overview detail, for views where thousands of items are visible: those
   * frames are then one image copy. Dropped when the scene, the theme or the emphasis changes.
   */
  private overview:
    | { image: HTMLCanvasElement; scale: number; emphasis: Emphasis; version: number; x0: number; y0: number }
    | undefined;
  /** Items and edges by horizontal band of the layout, so a frame only looks at what is near the view. */
  private bands: { items: number[][]; edges: number[][]; version: number; y0: number } = {
    items: [],
    edges: [],
    version: -1,
    y0: 0,
  };
  private edgeSeen = new Uint32Array(0);
  private frameStamp = 0;
  /** Collapsed boxes holding emphasised nodes (group members, search matches), per emphasis and scene. */
  private marks: { emphasis?: Emphasis; version: number; group: Set<number>; match: Set<number> } = {
    version: -1,
    group: new Set(),
    match: new Set(),
  };
  private shownCount = 0;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly skeleton: GraphSkeleton,
  ) {
    this.labels = skeleton.nodes.map((_, i) => nodeLabel(skeleton, i));
    this.names = skeleton.nodes.map((n) => shortName(n.name));
    this.widths = this.labels.map((label, i) => nodeWidth(label, skeleton.nodes[i].name));
    this.boxText = skeleton.boxes.map((_, b) => boxLabels(skeleton, b));
    this.scene = new Scene(skeleton, this.widths);
  }

  /** The scene changed (laid out, a box expanded or collapsed): index it and draw. */
  changed(): void {
    this.overview = undefined;
    this.index();
    this.request();
    // Large views: draw the overview image while idle, so zooming out never waits for it.
    const version = this.scene.version;
    if (this.shownCount > OVERVIEW_NODES)
      requestIdleCallback(() => this.scene.version === version && this.overviewImage(), { timeout: 2000 });
  }

  /** Positions by item (item i < nodes is node i), and the bounds: what the minimap, tests and export read. */
  get laidOut(): { x: Float64Array; y: Float64Array; width: number; height: number } | undefined {
    if (this.bands.version < 0) return undefined;
    const b = this.scene.bounds();
    return { x: this.scene.x, y: this.scene.y, width: b.x1 - b.x0, height: b.y1 - b.y0 };
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

  /** What is under a screen point (CSS pixels, relative to the canvas), if anything. */
  hit(px: number, py: number): Hit | undefined {
    const scene = this.scene;
    const { scale, tx, ty } = this.camera;
    const x = (px - tx) / scale;
    const y = (py - ty) / scale;
    for (const i of this.near(y, y)) {
      if (Math.abs(x - scene.x[i]) <= scene.w[i] / 2 && Math.abs(y - scene.y[i]) <= scene.h[i] / 2)
        return i < scene.nodes ? { node: i } : { box: i - scene.nodes };
    }
    // The innermost frame whose title bar is under the point.
    for (let k = scene.frames.length - 1; k >= 0; k--) {
      const f = scene.frames[k];
      if (x >= f.x0 && x <= f.x1 && y >= f.y0 && y <= f.y0 + FRAME_HEADER) return { frame: f.box };
    }
    return undefined;
  }

  /** The node under a screen point, if any. */
  pick(px: number, py: number): number | undefined {
    const hit = this.hit(px, py);
    return hit && 'node' in hit ? hit.node : undefined;
  }

  /**
   * The first view: the whole graph when its labels stay readable that way, else the graph's inputs at the
   * top of the view at Netron's 100 % (a tall network fitted whole is a line of unreadable boxes; the minimap
   * and Fit give the overview).
   */
  home(): void {
    this.fit();
    if (this.camera.scale >= READABLE) return;
    const scene = this.scene;
    const { width } = this.canvas.getBoundingClientRect();
    // The items holding the nodes that read the graph's inputs (or the topmost items).
    const inputs = new Set(this.skeleton.inputs);
    const starts = new Set<number>();
    this.skeleton.nodes.forEach((node, i) => {
      if (node.inputs.some((v) => inputs.has(v))) starts.add(scene.itemOf(i));
    });
    let top = Infinity;
    for (const i of scene.shownItems()) top = Math.min(top, scene.y[i] - scene.h[i] / 2);
    if (starts.size === 0)
      for (const i of scene.shownItems()) if (scene.y[i] - scene.h[i] / 2 <= top + 1) starts.add(i);
    let x0 = Infinity;
    let x1 = -Infinity;
    let y0 = Infinity;
    for (const i of starts) {
      x0 = Math.min(x0, scene.x[i] - scene.w[i] / 2);
      x1 = Math.max(x1, scene.x[i] + scene.w[i] / 2);
      y0 = Math.min(y0, scene.y[i] - scene.h[i] / 2);
    }
    for (const f of scene.frames) if (f.y0 <= y0 && f.x0 <= x1 && f.x1 >= x0) y0 = Math.min(y0, f.y0);
    const scale = READ_SCALE;
    // The inputs centred, or their left end at the left when they are wider than the view.
    const cx = x1 - x0 <= (width - 40) / scale ? (x0 + x1) / 2 : x0 + (width - 40) / scale / 2;
    this.camera = { scale, tx: width / 2 - cx * scale, ty: 20 - y0 * scale };
    this.request();
  }

  /** Fits the whole graph in view, or centres one node at Netron's 100 %. */
  fit(node?: number): void {
    const scene = this.scene;
    const { width, height } = this.canvas.getBoundingClientRect();
    if (node !== undefined) {
      const item = scene.itemOf(node);
      const scale = READ_SCALE;
      this.camera = { scale, tx: width / 2 - scene.x[item] * scale, ty: height / 2 - scene.y[item] * scale };
    } else {
      const b = scene.bounds();
      const w = Math.max(b.x1 - b.x0, 1);
      const h = Math.max(b.y1 - b.y0, 1);
      const scale = Math.min(1.5, (width - 40) / w, (height - 40) / h);
      this.camera = {
        scale,
        tx: (width - w * scale) / 2 - b.x0 * scale,
        ty: Math.max(20, (height - h * scale) / 2) - b.y0 * scale,
      };
    }
    this.request();
  }

  zoomAt(factor: number, px: number, py: number): void {
    const { scale, tx, ty } = this.camera;
    const next = Math.min(4, Math.max(0.0005, scale * factor));
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
    if (this.bands.version < 0) return;
    if (this.bands.version !== this.scene.version) this.index();
    const { scale, tx, ty } = this.camera;
    ctx.setTransform(dpr * scale, 0, 0, dpr * scale, dpr * tx, dpr * ty);
    // The visible rectangle in layout units, with a margin for half a box.
    const x0 = -tx / scale - 200;
    const x1 = (width - tx) / scale + 200;
    const y0 = -ty / scale - 60;
    const y1 = (height - ty) / scale + 60;
    const view = { x0, x1, y0, y1 };
    // Zoomed far out on a large view: copy the overview image instead, wherever it is sharp enough (drawing
    // the thousands of items then in view would cost more than a frame).
    if (this.shownCount > OVERVIEW_NODES && scale < 0.12) {
      const overview = this.overviewImage();
      if (overview.scale >= scale * 0.5) {
        // Only the part in view is copied: the cost stays that of one screenful at any zoom.
        const b = this.scene.bounds();
        const k = overview.scale;
        const vx0 = Math.max(b.x0, -tx / scale);
        const vy0 = Math.max(b.y0, -ty / scale);
        const vx1 = Math.min(b.x1, (width - tx) / scale);
        const vy1 = Math.min(b.y1, (height - ty) / scale);
        ctx.imageSmoothingEnabled = true;
        if (vx1 > vx0 && vy1 > vy0)
          ctx.drawImage(
            overview.image,
            (vx0 - overview.x0) * k,
            (vy0 - overview.y0) * k,
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
    this.drawScene(ctx, view, scale);
    this.lastFrameMs = performance.now() - started;
  }

  private drawScene(
    ctx: CanvasRenderingContext2D,
    view: { x0: number; x1: number; y0: number; y1: number },
    scale: number,
  ): void {
    this.drawFrames(ctx, view, scale);
    this.drawEdges(ctx, [view.y0, view.y1], scale);
    this.drawItems(ctx, view, scale);
  }

  private index(): void {
    const scene = this.scene;
    const items: number[][] = [];
    const edges: number[][] = [];
    const b = scene.bounds();
    const y0 = b.y0;
    const band = (y: number) => Math.max(0, Math.floor((y - y0) / BAND));
    const shown = scene.shownItems();
    for (const i of shown) (items[band(scene.y[i])] ??= []).push(i);
    scene.edges.forEach((edge, k) => {
      const path = edge.path;
      let min = Infinity;
      let max = -Infinity;
      for (let j = 1; j < path.length; j += 2) {
        min = Math.min(min, path[j]);
        max = Math.max(max, path[j]);
      }
      for (let b = band(min); b <= band(max); b++) (edges[b] ??= []).push(k);
    });
    this.bands = { items, edges, version: scene.version, y0 };
    this.edgeSeen = new Uint32Array(scene.edges.length);
    this.shownCount = shown.length;
  }

  /** The items whose band overlaps y0…y1 (margins for a box's half-height included). */
  private near(y0: number, y1: number): number[] {
    if (this.bands.version !== this.scene.version) this.index();
    return this.inBands('items', y0 - 60, y1 + 60);
  }

  /** The items, or the edges, whose band overlaps y0…y1 (each edge once). */
  private inBands(kind: 'items' | 'edges', y0: number, y1: number): number[] {
    const list = this.bands[kind];
    const stamp = ++this.frameStamp;
    const out: number[] = [];
    const from = this.bands.y0;
    const last = Math.min(list.length - 1, Math.floor((y1 - from) / BAND));
    for (let b = Math.max(0, Math.floor((y0 - from) / BAND)); b <= last; b++) {
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

  /** Renders the whole scene into an image at most OVERVIEW_PIXELS on its long side (once per emphasis). */
  private overviewImage(): { image: HTMLCanvasElement; scale: number; x0: number; y0: number } {
    const o = this.overview;
    if (o && o.emphasis === this.emphasis && o.version === this.scene.version) return o;
    const b = this.scene.bounds();
    const w = b.x1 - b.x0;
    const h = b.y1 - b.y0;
    const scale = Math.min(0.12, OVERVIEW_PIXELS / Math.max(w, h, 1));
    const image = document.createElement('canvas');
    image.width = Math.max(1, Math.ceil(w * scale));
    image.height = Math.max(1, Math.ceil(h * scale));
    const ctx = image.getContext('2d')!;
    ctx.setTransform(scale, 0, 0, scale, -b.x0 * scale, -b.y0 * scale);
    this.drawScene(ctx, { x0: -Infinity, x1: Infinity, y0: -Infinity, y1: Infinity }, scale);
    this.overview = {
      image,
      scale,
      emphasis: this.emphasis,
      version: this.scene.version,
      x0: b.x0,
      y0: b.y0,
    };
    return this.overview;
  }

  /** Expanded boxes: a frame with a title bar (the scope, and − to collapse it). */
  private drawFrames(
    ctx: CanvasRenderingContext2D,
    view: { x0: number; x1: number; y0: number; y1: number },
    scale: number,
  ): void {
    const marks = this.boxMarks();
    ctx.lineWidth = 1 / Math.min(scale, 1);
    for (const f of this.scene.frames) {
      if (f.x1 < view.x0 || f.x0 > view.x1 || f.y1 < view.y0 || f.y0 > view.y1) continue;
      ctx.fillStyle = withAlpha(this.theme.node, 0.35);
      ctx.strokeStyle = this.theme.border;
      ctx.beginPath();
      ctx.rect(f.x0, f.y0, f.x1 - f.x0, f.y1 - f.y0);
      ctx.fill();
      ctx.stroke();
      ctx.fillStyle = marks.group.has(this.scene.nodes + f.box)
        ? withAlpha(this.theme.group, 0.3)
        : this.theme.node;
      ctx.fillRect(f.x0, f.y0, f.x1 - f.x0, FRAME_HEADER - 4);
      if (scale >= 0.45) {
        ctx.font = '12px var(--vscode-font-family, sans-serif)';
        ctx.textAlign = 'left';
        ctx.textBaseline = 'middle';
        ctx.fillStyle = this.theme.text;
        const [title, line] = this.boxText[f.box];
        ctx.fillText(`− ${title}  ·  ${line}`, f.x0 + 8, f.y0 + (FRAME_HEADER - 4) / 2, f.x1 - f.x0 - 16);
      }
    }
  }

  private drawEdges(ctx: CanvasRenderingContext2D, rows: [number, number], scale: number): void {
    // Edges: one path, of the edges whose band overlaps the view (long edges crossing it included).
    ctx.lineWidth = Math.max(1 / scale, 1);
    ctx.strokeStyle = this.theme.edge;
    ctx.globalAlpha = this.emphasis.members !== undefined ? 0.35 : 0.8;
    ctx.beginPath();
    const edges = this.scene.edges;
    for (const k of this.inBands('edges', rows[0], rows[1])) {
      const path = edges[k].path;
      ctx.moveTo(path[0], path[1]);
      for (let j = 2; j < path.length; j += 2) ctx.lineTo(path[j], path[j + 1]);
    }
    ctx.stroke();
    ctx.globalAlpha = 1;
  }

  /** The collapsed boxes and frames holding group members and search matches: marked so they show through. */
  boxMarks(): { group: Set<number>; match: Set<number> } {
    const e = this.emphasis;
    if (this.marks.emphasis === e && this.marks.version === this.scene.version) return this.marks;
    const scene = this.scene;
    const holding = (nodes: Set<number> | undefined) => {
      const out = new Set<number>();
      for (const i of nodes ?? []) {
        for (let b = this.skeleton.nodes[i].box ?? -1; b >= 0; b = this.skeleton.boxes[b].parent) {
          if (out.has(scene.nodes + b)) break;
          out.add(scene.nodes + b);
        }
      }
      return out;
    };
    this.marks = {
      emphasis: e,
      version: scene.version,
      group: holding(e.members),
      match: holding(e.matches),
    };
    return this.marks;
  }

  private drawItems(
    ctx: CanvasRenderingContext2D,
    view: { x0: number; x1: number; y0: number; y1: number },
    scale: number,
  ): void {
    const scene = this.scene;
    const e = this.emphasis;
    const dimmed = e.members !== undefined;
    const marks = this.boxMarks();
    const near = this.inBands('items', view.y0, view.y1);
    const visible = (i: number) =>
      scene.x[i] >= view.x0 && scene.x[i] <= view.x1 && scene.y[i] >= view.y0 && scene.y[i] <= view.y1;
    if (scale < 0.12) {
      // Far out: shapes only, batched by colour, and never under MIN_PIXELS on screen.
      const least = MIN_PIXELS / scale;
      const batches = new Map<string, number[]>();
      for (const i of near) {
        if (!visible(i)) continue;
        const colour = this.fill(i, marks);
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
      ctx.strokeStyle = this.theme.border;
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
      ctx.fillStyle = this.fill(i, marks);
      ctx.beginPath();
      ctx.roundRect(x - w / 2, y - h / 2, w, h, box ? 2 : 5);
      ctx.fill();
      ctx.lineWidth =
        (i === e.selected ? 3 : e.roots?.has(i) || (box && marks.group.has(i)) ? 2 : 1) / Math.min(scale, 1);
      ctx.strokeStyle =
        i === e.selected
          ? this.theme.accent
          : e.shuffles?.has(i)
            ? this.theme.shuffle
            : e.roots?.has(i)
              ? this.theme.root
              : box && marks.group.has(i)
                ? this.theme.group
                : this.theme.border;
      ctx.stroke();
      if (box) {
        // A collapsed box: a second outline (a stack), its scope and what it holds.
        ctx.strokeRect(x - w / 2 + 3, y + h / 2 + 1, w - 6, 2);
        if (scale >= 0.45) {
          const [title, line] = this.boxText[i - scene.nodes];
          ctx.fillStyle = this.theme.text;
          ctx.font = 'bold 12px var(--vscode-font-family, sans-serif)';
          ctx.fillText(`+ ${title}`, x, y - 9, w - 8);
          ctx.font = '10px var(--vscode-font-family, sans-serif)';
          ctx.fillStyle = this.theme.muted;
          ctx.fillText(line, x, y + 9, w - 8);
          ctx.font = '12px var(--vscode-font-family, sans-serif)';
        }
      } else if (scale >= 0.45) {
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
    if (scale >= 0.8) this.drawShapes(ctx, view);
  }

  private fill(i: number, marks: { group: Set<number>; match: Set<number> }): string {
    const e = this.emphasis;
    if (e.matches?.has(i) || marks.match.has(i)) return this.theme.match;
    if (e.shuffles?.has(i)) return withAlpha(this.theme.shuffle, 0.35);
    if (e.members?.has(i) || marks.group.has(i)) return withAlpha(this.theme.group, 0.3);
    return this.theme.node;
  }

  /** Edge labels: the shape of the value an edge carries, beside the edge just above its target. */
  private drawShapes(
    ctx: CanvasRenderingContext2D,
    view: { x0: number; x1: number; y0: number; y1: number },
  ): void {
    ctx.font = '10px var(--vscode-editor-font-family, monospace)';
    ctx.textAlign = 'left';
    ctx.fillStyle = this.theme.muted;
    const edges = this.scene.edges;
    for (const k of this.inBands('edges', view.y0, view.y1)) {
      const { path, label, to } = edges[k];
      if (!label) continue;
      const x = path[path.length - 4] ?? path[0];
      const y = path[path.length - 1] - this.scene.h[to] / 2 - 8;
      if (x >= view.x0 && x <= view.x1 && y >= view.y0 && y <= view.y1) ctx.fillText(label, x + 4, y);
    }
  }
}
