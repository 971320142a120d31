// The compare view's ONNX Runtime figures: fidelity per output (PSNR/SSIM or top-1/top-5/KL, relative errors,
// cosine), the first calibration input's output from both models side by side with their difference as a heat
// map, and latency as measured: paired median with quartiles, runs and threads, and a warning when slower.
import type { OutputFidelity } from '../src/core/metrics/fidelity';
import { describeNonFinite, measured } from '../src/shared/nonFinite';
import type { OutputPicture, PairedLatency } from '../src/protocol/server';
import { latencyText } from '../src/shared/latency';
import { el } from './dom';

function db(psnr: number | null | undefined): string {
  return typeof psnr === 'number' && Number.isFinite(psnr) ? `${psnr.toFixed(2)} dB` : '∞ (identical)';
}

const pct = (share: number) => `${(share * 100).toFixed(1)} %`;

/** The figures of one output, the ones its kind has. */
function fidelityFigures(o: OutputFidelity): [string, string][] {
  const rows: [string, string][] = [];
  const nonFinite = describeNonFinite(o);
  if (nonFinite) rows.push(['NaN or infinite', nonFinite]);
  if (!measured(o)) return [...rows, ['figures', 'not measured: no element is finite in both models']];
  if (o.kind === 'image') rows.push(['PSNR', db(o.psnr)]);
  if (o.ssim !== undefined) rows.push(['SSIM', o.ssim.toFixed(4)]);
  if (o.top1 !== undefined)
    rows.push(
      ['top-1 agreement', pct(o.top1)],
      ['top-5 agreement', pct(o.top5 ?? 0)],
      ['KL', (o.kl ?? 0).toExponential(2)],
    );
  rows.push(
    ['max rel. error', o.maxRelativeError.toExponential(2)],
    ['mean rel. error', o.meanRelativeError.toExponential(2)],
    ['cosine', o.cosine.toFixed(6)],
  );
  return rows;
}

/** One picture's planes as an RGBA canvas (grey for one plane), scaled to the original's value range. */
function canvasOf(p: OutputPicture, values: readonly number[], label: string): HTMLCanvasElement {
  const canvas = el('canvas');
  canvas.width = p.width;
  canvas.height = p.height;
  canvas.setAttribute('aria-label', label);
  const image = new ImageData(p.width, p.height);
  const span = p.high - p.low || 1;
  const plane = p.width * p.height;
  for (let i = 0; i < plane; i++)
    for (let c = 0; c < 3; c++) {
      const v = values[(p.channels === 1 ? 0 : c) * plane + i];
      image.data[i * 4 + c] = Math.max(0, Math.min(255, Math.round(((v - p.low) / span) * 255)));
    }
  for (let i = 0; i < plane; i++) image.data[i * 4 + 3] = 255;
  canvas.getContext('2d')?.putImageData(image, 0, 0);
  return canvas;
}

/** |pruned − original| per pixel (max over planes) as a heat map, black (none) → red → yellow (the largest). */
function heatMap(p: OutputPicture): { canvas: HTMLCanvasElement; max: number } {
  const plane = p.width * p.height;
  const diff = new Float64Array(plane);
  let max = 0;
  for (let c = 0; c < p.channels; c++)
    for (let i = 0; i < plane; i++) {
      const d = Math.abs(p.pruned[c * plane + i] - p.original[c * plane + i]);
      if (d > diff[i]) diff[i] = d;
      if (d > max) max = d;
    }
  const canvas = el('canvas');
  canvas.width = p.width;
  canvas.height = p.height;
  canvas.setAttribute('aria-label', 'difference heat map');
  const image = new ImageData(p.width, p.height);
  for (let i = 0; i < plane; i++) {
    const t = max > 0 ? diff[i] / max : 0;
    image.data[i * 4] = Math.round(255 * Math.min(1, 2 * t));
    image.data[i * 4 + 1] = Math.round(255 * Math.max(0, 2 * t - 1));
    image.data[i * 4 + 3] = 255;
  }
  canvas.getContext('2d')?.putImageData(image, 0, 0);
  return { canvas, max };
}

function figure(canvas: HTMLCanvasElement, caption: string): HTMLElement {
  const f = el('figure');
  canvas.style.width = '192px';
  canvas.style.imageRendering = 'pixelated';
  f.style.margin = '0';
  f.append(canvas, el('figcaption', caption, 'muted'));
  return f;
}

export function renderFidelity(
  host: HTMLElement,
  result: {
    inputs: string;
    samples: string[];
    outputs: OutputFidelity[];
    pictures: OutputPicture[];
    latency: PairedLatency;
  },
): void {
  const parts: HTMLElement[] = [];
  const latency = latencyText(result.latency);
  const line = el(
    'p',
    `${latency.text[0].toUpperCase()}${latency.text.slice(1)}.`,
    latency.slower ? 'sev-warning' : 'latency',
  );
  line.id = 'fidelity-latency';
  parts.push(line, el('p', `Inputs: ${result.inputs} (${result.samples.length}).`, 'muted'));
  const table = el('table', undefined, 'fidelity');
  const head = el('tr');
  for (const h of ['Output', 'Metric', 'Value']) head.append(el('th', h));
  table.append(el('thead'));
  table.tHead!.append(head);
  const body = el('tbody');
  for (const o of result.outputs)
    for (const [metric, value] of fidelityFigures(o)) {
      const tr = el('tr');
      const name = el('td');
      name.append(el('code', o.name));
      tr.append(name, el('td', metric), el('td', value, 'num'));
      body.append(tr);
    }
  table.append(body);
  parts.push(table);
  for (const p of result.pictures) {
    const row = el('div', undefined, 'pictures');
    row.style.display = 'flex';
    row.style.gap = '12px';
    row.style.flexWrap = 'wrap';
    const heat = heatMap(p);
    row.append(
      figure(canvasOf(p, p.original, 'original output'), `${p.name}: original`),
      figure(canvasOf(p, p.pruned, 'pruned output'), `${p.name}: pruned`),
      figure(heat.canvas, `|difference|, black 0 → yellow ${heat.max.toPrecision(3)}`),
    );
    parts.push(
      el('p', `${p.name} on the first input, ${result.samples[0]} (${p.width}×${p.height} shown):`),
      row,
    );
  }
  host.replaceChildren(...parts);
}
