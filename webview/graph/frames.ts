// The frames the graph view draws around expanded name-scope boxes (scene.ts): each one around its items and the
// frames inside it, with a title bar. Pure (no DOM).
import type { GraphSkeleton } from '../../src/core/inspect/graphSkeleton';

export interface Frame {
  box: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** A frame's margin around its contents, and the height of its title bar. */
export const PAD = 16;
export const HEADER = 26;

/** What the frames are computed from: the scene's items (item i < nodes is node i, nodes + b is box b). */
interface Placed {
  readonly nodes: number;
  readonly skeleton: GraphSkeleton;
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly w: Float64Array;
  readonly h: Float64Array;
  readonly expanded: Uint8Array;
}

/** Each expanded, shown box's frame (outermost first): around its items and the frames inside it. */
export function computeFrames(scene: Placed, items: readonly number[]): Frame[] {
  const n = scene.nodes;
  const boxes = scene.skeleton.boxes;
  const rects = new Map<number, [number, number, number, number]>();
  const extend = (b: number, ax: number, ay: number, bx: number, by: number) => {
    const r = rects.get(b);
    if (!r) rects.set(b, [ax, ay, bx, by]);
    else {
      r[0] = Math.min(r[0], ax);
      r[1] = Math.min(r[1], ay);
      r[2] = Math.max(r[2], bx);
      r[3] = Math.max(r[3], by);
    }
  };
  for (const i of items) {
    const parent = i >= n ? boxes[i - n].parent : (scene.skeleton.nodes[i].box ?? -1);
    if (parent >= 0)
      extend(
        parent,
        scene.x[i] - scene.w[i] / 2,
        scene.y[i] - scene.h[i] / 2,
        scene.x[i] + scene.w[i] / 2,
        scene.y[i] + scene.h[i] / 2,
      );
  }
  // Inner boxes first (they have higher numbers), so each frame holds the frames inside it.
  const frames: Frame[] = [];
  const pending = [...rects.keys()].sort((a, b) => b - a);
  for (let k = 0; k < pending.length; k++) {
    const b = pending[k];
    const r = rects.get(b)!;
    if (!scene.expanded[b]) continue;
    const f = { box: b, x0: r[0] - PAD, y0: r[1] - HEADER, x1: r[2] + PAD, y1: r[3] + PAD };
    frames.push(f);
    const parent = boxes[b].parent;
    if (parent >= 0) {
      const fresh = !rects.has(parent);
      extend(parent, f.x0, f.y0, f.x1, f.y1);
      if (fresh) {
        // Keep the order: insert the parent among the pending boxes (it is lower than b).
        let at = k + 1;
        while (at < pending.length && pending[at] > parent) at++;
        pending.splice(at, 0, parent);
      }
    }
  }
  return frames.reverse();
}
