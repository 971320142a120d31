// Draws the graph's scene (scene.ts: nodes, collapsed name-scope boxes, frames of expanded ones, edges) on a
// canvas: only what is in view, with less detail when zoomed out (no text under 0.45×, nodes and boxes as plain
// shapes in one path under 0.12×, never smaller than a few pixels, so something is drawn at every zoom), so a
// 50,000-node graph pans and zooms smoothly. Colours are the VS Code theme's (read from CSS variables).
// Interaction (pan, zoom, pick) is inspector.ts's; this file only knows the camera. The painting itself is
// scenePaint.ts', the culling index bandIndex.ts', the first and fitted views camera.ts'.
import type { GraphSkeleton } from '../../src/core/inspect/graphSkeleton';
import { BandIndex } from './bandIndex';
import { type Camera, READABLE, fitCamera, inputsCamera } from './camera';
import { nodeLabel, nodeWidth, readTheme, shortName } from './canvasStyle';
import { HEADER } from './frames';
import { Scene, boxLabels } from './scene';
import { type BoxMarks, type Emphasis, type View, drawScene } from './scenePaint';

/** What is under a point: a node, a collapsed box, or the title bar of an expanded box's frame. */
export type Hit = { node: number } | { box: number } | { frame: number };

/** Views of more items than this use the overview image when zoomed far out. */
const OVERVIEW_NODES = 2500;
const OVERVIEW_PIXELS = 8192;

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
  private readonly bands = new BandIndex();
  /** Collapsed boxes holding emphasised nodes (group members, search matches), per emphasis and scene. */
  private marks: BoxMarks & { emphasis?: Emphasis; version: number } = {
    version: -1,
    group: new Set(),
    match: new Set(),
  };

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
    if (this.bands.shownCount > OVERVIEW_NODES)
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
      if (x >= f.x0 && x <= f.x1 && y >= f.y0 && y <= f.y0 + HEADER) return { frame: f.box };
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
    const { width } = this.canvas.getBoundingClientRect();
    this.camera = inputsCamera(this.scene, this.skeleton, width);
    this.request();
  }

  /** Fits the whole graph in view, or centres one node at Netron's 100 %. */
  fit(node?: number): void {
    this.camera = fitCamera(this.scene, this.canvas.getBoundingClientRect(), node);
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
    const view: View = { x0, x1, y0, y1 };
    // Zoomed far out on a large view: copy the overview image instead, wherever it is sharp enough (drawing
    // the thousands of items then in view would cost more than a frame).
    if (this.bands.shownCount > OVERVIEW_NODES && scale < 0.12) {
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

  private drawScene(ctx: CanvasRenderingContext2D, view: View, scale: number): void {
    const paint = {
      scene: this.scene,
      theme: this.theme,
      emphasis: this.emphasis,
      marks: this.boxMarks(),
      labels: this.labels,
      names: this.names,
      boxText: this.boxText,
      inBands: (kind: 'items' | 'edges', y0: number, y1: number) => this.bands.inBands(kind, y0, y1),
    };
    drawScene(ctx, paint, view, scale);
  }

  private index(): void {
    this.bands.index(this.scene);
  }

  /** The items whose band overlaps y0…y1 (margins for a box's half-height included). */
  private near(y0: number, y1: number): number[] {
    if (this.bands.version !== this.scene.version) this.index();
    return this.bands.inBands('items', y0 - 60, y1 + 60);
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

  /** The collapsed boxes and frames holding group members and search matches: marked so they show through. */
  boxMarks(): BoxMarks {
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
}
