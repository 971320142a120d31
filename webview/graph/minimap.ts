// The overview in the graph's corner: every node as a dot, and the part of the graph in view as a rectangle.
import type { Camera } from './graphCanvas';
import type { LayoutResult } from './layout';

function fitOf(layout: LayoutResult, width: number, height: number) {
  const scale = Math.min(width / Math.max(layout.width, 1), height / Math.max(layout.height, 1));
  return { scale, ox: (width - layout.width * scale) / 2, oy: (height - layout.height * scale) / 2 };
}

export function drawMinimap(
  canvas: HTMLCanvasElement,
  layout: LayoutResult,
  widths: number[],
  camera: Camera,
  view: { width: number; height: number },
): void {
  const dpr = window.devicePixelRatio || 1;
  const { width, height } = canvas.getBoundingClientRect();
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const style = getComputedStyle(document.body);
  ctx.fillStyle = style.getPropertyValue('--vscode-editorWidget-background').trim() || '#252526';
  ctx.fillRect(0, 0, width, height);
  const { scale, ox, oy } = fitOf(layout, width, height);
  ctx.fillStyle = style.getPropertyValue('--vscode-descriptionForeground').trim() || '#999';
  ctx.beginPath();
  for (let i = 0; i < widths.length; i++)
    ctx.rect(
      ox + (layout.x[i] - widths[i] / 2) * scale,
      oy + layout.y[i] * scale,
      Math.max(1, widths[i] * scale),
      1,
    );
  ctx.fill();
  ctx.strokeStyle = style.getPropertyValue('--vscode-focusBorder').trim() || '#007fd4';
  ctx.lineWidth = 1.5;
  const x = (-camera.tx / camera.scale) * scale + ox;
  const y = (-camera.ty / camera.scale) * scale + oy;
  ctx.strokeRect(x, y, (view.width / camera.scale) * scale, (view.height / camera.scale) * scale);
}

/** The layout point under a point of the minimap. */
export function minimapToLayout(
  layout: LayoutResult,
  rect: { width: number; height: number },
  px: number,
  py: number,
): [number, number] {
  const { scale, ox, oy } = fitOf(layout, rect.width, rect.height);
  return [(px - ox) / scale, (py - oy) / scale];
}
