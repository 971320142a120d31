// The graph inspector's view state (inspector.ts), kept through the webview's setState so that it survives the
// page being rendered again or the tab hidden: the camera, the selected node and the boxes open.
import type { GraphSkeleton } from '../../src/core/inspect/graphSkeleton';
import type { Camera } from './camera';
import type { GraphCanvas } from './graphCanvas';

export interface ViewState {
  model: string;
  camera?: Camera;
  selected?: string;
  /** The boxes expanded (by scope path), when the graph opened collapsed. */
  expanded?: string[];
}

/** The saved state, when it was saved for this model. */
export function savedViewState(state: unknown, model: string): ViewState | undefined {
  const saved = state as ViewState | undefined;
  return saved?.model === model ? saved : undefined;
}

/** The state of the view now; the boxes open are kept when the graph is drawn as boxes (`hierarchical`). */
export function currentViewState(
  model: string,
  canvas: GraphCanvas,
  skeleton: GraphSkeleton,
  hierarchical: boolean,
): ViewState {
  const selected = canvas.emphasis.selected;
  const expanded = hierarchical
    ? skeleton.boxes.filter((_, b) => canvas.scene.expanded[b]).map((b) => b.path)
    : undefined;
  return {
    model,
    camera: canvas.camera,
    ...(expanded ? { expanded } : {}),
    ...(selected !== undefined ? { selected: skeleton.nodes[selected].name } : {}),
  };
}
