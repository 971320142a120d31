// Where the graph canvas looks (graphCanvas.ts): the camera, and the views it is set to: the whole graph
// fitted, one node centred at Netron's 100 %, or the graph's inputs at 100 % when fitting would be unreadable.
import type { GraphSkeleton } from '../../src/core/inspect/graphSkeleton';
import type { Scene } from './scene';

export interface Camera {
  /** Pixels per layout unit. */
  scale: number;
  /** Screen position of the layout origin, in CSS pixels. */
  tx: number;
  ty: number;
}

/** The scale Netron shows at 100 %: where Reveal and the first view put the graph. */
const READ_SCALE = 1;
/** Node labels are drawn from this scale up; a first view that fits the graph at least this large fits it. */
export const READABLE = 0.75;

/** The whole graph fitted in a view of this size, or one node centred at Netron's 100 %. */
export function fitCamera(scene: Scene, view: { width: number; height: number }, node?: number): Camera {
  const { width, height } = view;
  if (node !== undefined) {
    const item = scene.itemOf(node);
    const scale = READ_SCALE;
    return { scale, tx: width / 2 - scene.x[item] * scale, ty: height / 2 - scene.y[item] * scale };
  }
  const b = scene.bounds();
  const w = Math.max(b.x1 - b.x0, 1);
  const h = Math.max(b.y1 - b.y0, 1);
  const scale = Math.min(1.5, (width - 40) / w, (height - 40) / h);
  return {
    scale,
    tx: (width - w * scale) / 2 - b.x0 * scale,
    ty: Math.max(20, (height - h * scale) / 2) - b.y0 * scale,
  };
}

/**
 * The graph's inputs at the top of a view this wide, at Netron's 100 % (a tall network fitted whole is a line
 * of unreadable boxes; the minimap and Fit give the overview).
 */
export function inputsCamera(scene: Scene, skeleton: GraphSkeleton, width: number): Camera {
  // The items holding the nodes that read the graph's inputs (or the topmost items).
  const inputs = new Set(skeleton.inputs);
  const starts = new Set<number>();
  skeleton.nodes.forEach((node, i) => {
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
  return { scale, tx: width / 2 - cx * scale, ty: 20 - y0 * scale };
}
