// Input on the graph (inspector.ts): dragging pans, a click selects a node, opens a collapsed box or closes a
// frame by its title, the wheel zooms, hovering names what is under the pointer, a click on the minimap centres
// the view there, and the keys move the selection, zoom, fit, clear it and go to the search.
import type { GraphSkeleton } from '../../src/core/inspect/graphSkeleton';
import type { GraphCanvas } from './graphCanvas';
import { neighbour } from './graphQueries';
import { boxTitle } from './graphText';
import { minimapToLayout } from './minimap';

/** What input asks of the inspector. */
export interface InputActions {
  select(index: number | undefined, save: boolean, reveal?: boolean): void;
  expand(boxes: number[]): Promise<void>;
  collapse(box: number): void;
  /** The view moved: the minimap follows and the view state is saved. */
  afterMove(): void;
  focusSearch(): void;
}

/** Pointer and wheel input on the graph's canvas. */
export function wirePointer(
  element: HTMLCanvasElement,
  canvas: GraphCanvas,
  skeleton: GraphSkeleton,
  actions: InputActions,
): void {
  let drag: { x: number; y: number; moved: boolean } | undefined;
  element.addEventListener('pointerdown', (e) => {
    drag = { x: e.clientX, y: e.clientY, moved: false };
    element.setPointerCapture(e.pointerId);
    element.focus();
  });
  element.addEventListener('pointermove', (e) => {
    if (!drag) {
      // The full name of the node under the pointer, as a tooltip (boxes show its end).
      const r = element.getBoundingClientRect();
      const hit = canvas.hit(e.clientX - r.left, e.clientY - r.top);
      element.title = !hit
        ? ''
        : 'node' in hit
          ? skeleton.nodes[hit.node].name
          : boxTitle(skeleton, 'box' in hit ? hit.box : hit.frame, 'box' in hit);
      return;
    }
    const dx = e.clientX - drag.x;
    const dy = e.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 2) drag.moved = true;
    drag.x = e.clientX;
    drag.y = e.clientY;
    if (drag.moved) {
      canvas.panBy(dx, dy);
      actions.afterMove();
    }
  });
  element.addEventListener('pointerup', (e) => {
    if (drag && !drag.moved) {
      const r = element.getBoundingClientRect();
      const hit = canvas.hit(e.clientX - r.left, e.clientY - r.top);
      if (hit && 'box' in hit) void actions.expand([hit.box]);
      else if (hit && 'frame' in hit) actions.collapse(hit.frame);
      else actions.select(hit?.node, true);
    }
    drag = undefined;
  });
  element.addEventListener(
    'wheel',
    (e) => {
      e.preventDefault();
      const r = element.getBoundingClientRect();
      canvas.zoomAt(Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
      actions.afterMove();
    },
    { passive: false },
  );
}

/** A click on the minimap centres the graph's view on that point. */
export function wireMinimap(
  minimap: HTMLCanvasElement,
  element: HTMLCanvasElement,
  canvas: GraphCanvas,
  actions: InputActions,
): void {
  minimap.addEventListener('pointerdown', (e) => {
    if (!canvas.laidOut) return;
    const r = minimap.getBoundingClientRect();
    const [x, y] = minimapToLayout(canvas.scene, r, e.clientX - r.left, e.clientY - r.top);
    const view = element.getBoundingClientRect();
    canvas.camera = {
      ...canvas.camera,
      tx: view.width / 2 - x * canvas.camera.scale,
      ty: view.height / 2 - y * canvas.camera.scale,
    };
    canvas.request();
    actions.afterMove();
  });
}

/** A key on the graph's canvas. */
export function onKey(
  e: KeyboardEvent,
  canvas: GraphCanvas,
  skeleton: GraphSkeleton,
  actions: InputActions,
): void {
  const selected = canvas.emphasis.selected;
  const { width, height } = (e.target as HTMLElement).getBoundingClientRect();
  switch (e.key) {
    case 'ArrowUp':
    case 'ArrowDown': {
      const next = neighbour(skeleton, selected, e.key === 'ArrowDown');
      if (next !== undefined) actions.select(next, true, true);
      break;
    }
    case '+':
    case '=':
      canvas.zoomAt(1.25, width / 2, height / 2);
      break;
    case '-':
      canvas.zoomAt(0.8, width / 2, height / 2);
      break;
    case '0':
      canvas.fit();
      break;
    case 'Escape':
      actions.select(undefined, true);
      break;
    case '/':
      actions.focusSearch();
      break;
    default:
      return;
  }
  e.preventDefault();
  actions.afterMove();
}
