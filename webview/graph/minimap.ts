// The overview in the graph's corner: everything shown as a dash (collapsed boxes and frames too), and the part
// of the graph in view as a rectangle.
import type { Camera } from './camera';
import type { Scene } from './scene';

function fitOf(scene: Scene, width: number, height: number) {
  const b = scene.bounds();
  const w = Math.max(b.x1 - b.x0, 1);
  const h = Math.max(b.y1 - b.y0, 1);
  const scale = Math.min(width / w, height / h);
  return { scale, ox: (width - w * scale) / 2 - b.x0 * scale, oy: (height - h * scale) / 2 - b.y0 * scale };
}

export function drawMinimap(
  canvas: HTMLCanvasElement,
  scene: Scene,
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
  const { scale, ox, oy } = fitOf(scene, width, height);
  const muted = style.getPropertyValue('--vscode-descriptionForeground').trim() || '#999';
  ctx.strokeStyle = muted;
  ctx.lineWidth = 1;
  for (const f of scene.frames)
    ctx.strokeRect(ox + f.x0 * scale, oy + f.y0 * scale, (f.x1 - f.x0) * scale, (f.y1 - f.y0) * scale);
  ctx.fillStyle = muted;
  ctx.beginPath();
  for (let i = 0; i < scene.shown.length; i++) {
    if (!scene.shown[i]) continue;
    ctx.rect(
      ox + (scene.x[i] - scene.w[i] / 2) * scale,
      oy + scene.y[i] * scale,
      Math.max(1, scene.w[i] * scale),
      i >= scene.nodes ? Math.max(2, scene.h[i] * scale) : 1,
    );
  }
  ctx.fill();
  ctx.strokeStyle = style.getPropertyValue('--vscode-focusBorder').trim() || '#007fd4';
  ctx.lineWidth = 1.5;
  const x = (-camera.tx / camera.scale) * scale + ox;
  const y = (-camera.ty / camera.scale) * scale + oy;
  ctx.strokeRect(x, y, (view.width / camera.scale) * scale, (view.height / camera.scale) * scale);
}

/** The layout point under a point of the minimap. */
export function minimapToLayout(
  scene: Scene,
  rect: { width: number; height: number },
  px: number,
  py: number,
): [number, number] {
  const { scale, ox, oy } = fitOf(scene, rect.width, rect.height);
  return [(px - ox) / scale, (py - oy) / scale];
}
