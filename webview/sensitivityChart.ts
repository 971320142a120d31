// The sensitivity chart: fidelity against ratio, one line per group, drawn as SVG by DOM calls (text only as
// textContent) in the theme's chart colours. Hovering a line or a point names the layer and the figure.
import type { SensitivityRow } from '../src/runtime/sensitivity';
import { type ChartData, chartData, linearScale } from './chartScales';
import { el } from './dom';

const SVG = 'http://www.w3.org/2000/svg';
// The theme's chart colours (VS Code defines all six); the fallbacks are VS Code's dark-theme values.
const COLOURS = [
  ['blue', '#3794ff'],
  ['orange', '#d18616'],
  ['green', '#89d185'],
  ['red', '#f14c4c'],
  ['purple', '#b180d7'],
  ['yellow', '#cca700'],
].map(([name, fallback]) => `var(--vscode-charts-${name}, ${fallback})`);
const WIDTH = 560;
const HEIGHT = 260;
const MARGIN = { left: 52, right: 12, top: 10, bottom: 36 };

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | number>,
): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attributes)) e.setAttribute(k, String(v));
  return e;
}

function tickText(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
}

/** Renders the chart of the rows' first output into `host` (replacing what was there). */
export function renderSensitivityChart(
  host: HTMLElement,
  rows: readonly SensitivityRow[],
): ChartData | undefined {
  const data = chartData(rows);
  if (!data) {
    host.replaceChildren(el('p', 'No prunable group: nothing to chart.', 'muted'));
    return undefined;
  }
  const x = linearScale([data.x.min, data.x.max], [MARGIN.left, WIDTH - MARGIN.right]);
  const y = linearScale([data.y.min, data.y.max], [HEIGHT - MARGIN.bottom, MARGIN.top]);
  const chart = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, width: WIDTH, height: HEIGHT, role: 'img' });
  chart.setAttribute('aria-label', `${data.label} against the share of channels removed, one line per group`);
  chart.style.maxWidth = '100%';
  chart.style.font = '11px var(--vscode-font-family)';
  const ink = 'var(--vscode-descriptionForeground)';
  const axes = svg('g', { class: 'axes' });
  for (const t of data.y.ticks) {
    const line = svg('line', { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(t), y2: y(t) });
    line.style.stroke = 'var(--vscode-editorWidget-border, #8884)';
    line.style.strokeDasharray = '2 3';
    const label = svg('text', { x: MARGIN.left - 6, y: y(t) + 4, 'text-anchor': 'end' });
    label.textContent = tickText(t);
    label.style.fill = ink;
    axes.append(line, label);
  }
  for (const t of data.x.ticks) {
    const label = svg('text', { x: x(t), y: HEIGHT - MARGIN.bottom + 14, 'text-anchor': 'middle' });
    label.textContent = tickText(t);
    label.style.fill = ink;
    axes.append(label);
  }
  const xTitle = svg('text', {
    x: (MARGIN.left + WIDTH - MARGIN.right) / 2,
    y: HEIGHT - 4,
    'text-anchor': 'middle',
  });
  xTitle.textContent = 'share of the group’s channels removed';
  const yTitle = svg('text', {
    x: 12,
    y: (MARGIN.top + HEIGHT - MARGIN.bottom) / 2,
    'text-anchor': 'middle',
  });
  yTitle.setAttribute('transform', `rotate(-90 12 ${(MARGIN.top + HEIGHT - MARGIN.bottom) / 2})`);
  yTitle.textContent = data.label;
  for (const t of [xTitle, yTitle]) t.style.fill = ink;
  axes.append(xTitle, yTitle);
  chart.append(axes);

  const hover = el('p', 'Hover a line to see its layer.', 'muted');
  hover.id = 'sens-hover';
  hover.setAttribute('role', 'status');
  const lines: SVGGElement[] = [];
  data.series.forEach((series, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const group = svg('g', { class: 'series' });
    group.dataset.root = series.roots[0];
    const layer =
      series.roots.length > 1 ? `${series.roots[0]} (+${series.roots.length - 1})` : series.roots[0];
    const path = svg('polyline', {
      points: series.points.map((p) => `${x(p.ratio)},${y(p.value)}`).join(' '),
      fill: 'none',
    });
    path.style.stroke = colour;
    path.style.strokeWidth = '1.5';
    const title = svg('title', {});
    title.textContent = `${layer} (group ${series.group})`;
    path.append(title);
    group.append(path);
    for (const p of series.points) {
      const dot = svg('circle', { cx: x(p.ratio), cy: y(p.value), r: 3.5 });
      dot.style.fill = colour;
      const tip = svg('title', {});
      tip.textContent = `${layer} at ${p.ratio}: ${p.text}`;
      dot.append(tip);
      dot.addEventListener('mouseenter', () => (hover.textContent = tip.textContent));
      group.append(dot);
    }
    group.addEventListener('mouseenter', () => {
      for (const other of lines) other.style.opacity = other === group ? '1' : '0.25';
      if (!hover.textContent?.startsWith(layer)) hover.textContent = title.textContent;
    });
    group.addEventListener('mouseleave', () => {
      for (const other of lines) other.style.opacity = '1';
    });
    lines.push(group);
    chart.append(group);
  });
  host.replaceChildren(chart, hover);
  return data;
}
