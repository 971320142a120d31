// The graph canvas's culling index (graphCanvas.ts): the scene's shown items and edges by horizontal band of the
// layout, so a frame looks only at what is near the view, each long edge once.
import type { Scene } from './scene';

/** Height of the layout bands that index items and edges for culling. */
const BAND = 1000;

export class BandIndex {
  /** The scene version indexed; -1 until the first index. */
  version = -1;
  /** How many items the scene showed when indexed. */
  shownCount = 0;
  private items: number[][] = [];
  private edges: number[][] = [];
  private y0 = 0;
  private edgeSeen = new Uint32Array(0);
  private frameStamp = 0;

  /** Indexes what the scene shows now. */
  index(scene: Scene): void {
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
    this.items = items;
    this.edges = edges;
    this.version = scene.version;
    this.y0 = y0;
    this.edgeSeen = new Uint32Array(scene.edges.length);
    this.shownCount = shown.length;
  }

  /** The items, or the edges, whose band overlaps y0…y1 (each edge once). */
  inBands(kind: 'items' | 'edges', y0: number, y1: number): number[] {
    const list = this[kind];
    const stamp = ++this.frameStamp;
    const out: number[] = [];
    const from = this.y0;
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
}
