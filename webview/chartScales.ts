// The sensitivity chart's numbers, apart from the DOM: which fidelity figure to plot for an output, the
// series (one per group, ratio → figure), linear scales and round tick values. Pure, so unit tests check it.
import type { OutputFidelity } from '../src/core/metrics/fidelity';
import { describeNonFinite, diverges, measured } from '../src/shared/nonFinite';
import type { SensitivityRow } from '../src/runtime/sensitivity';

export type ChartMetric = 'psnr' | 'top1' | 'cosine';

export interface ChartPoint {
  ratio: number;
  /**
   * The figure plotted; for an unchanged output's PSNR (Infinity, null over JSON) the top of the axis, for an
   * output NaN or infinite where the original's is not (no figure is worth anything then) the bottom.
   */
  value: number;
  /** What the hover says: "PSNR 31.2 dB", "PSNR ∞ (unchanged)". */
  text: string;
}

export interface ChartSeries {
  group: string;
  roots: string[];
  points: ChartPoint[];
}

export interface ChartData {
  metric: ChartMetric;
  output: string;
  /** The y axis' title. */
  label: string;
  series: ChartSeries[];
  x: { min: number; max: number; ticks: number[] };
  y: { min: number; max: number; ticks: number[] };
}

/** PSNR for image-like outputs, top-1 agreement for classifier-like ones, else cosine similarity. */
function metricOf(output: OutputFidelity): ChartMetric {
  if (output.kind === 'image') return 'psnr';
  if (output.top1 !== undefined) return 'top1';
  return 'cosine';
}

const LABELS: Record<ChartMetric, string> = {
  psnr: 'PSNR vs original (dB)',
  top1: 'Top-1 agreement (%)',
  cosine: 'Cosine similarity',
};

/** The figure, or undefined for an unchanged PSNR (no finite value). */
function figure(output: OutputFidelity, metric: ChartMetric): number | undefined {
  if (metric === 'psnr')
    return typeof output.psnr === 'number' && Number.isFinite(output.psnr) ? output.psnr : undefined;
  if (metric === 'top1') return (output.top1 ?? 0) * 100;
  return output.cosine;
}

function describe(value: number | undefined, metric: ChartMetric): string {
  if (metric === 'psnr') return value === undefined ? 'PSNR ∞ (unchanged)' : `PSNR ${value.toFixed(2)} dB`;
  if (metric === 'top1') return `top-1 ${value!.toFixed(1)} %`;
  return `cosine ${value!.toFixed(6)}`;
}

/** Round tick values covering [min, max] (1, 2 or 5 × a power of ten apart), about `count` of them. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step - 1e-9) * step; t <= max + step * 1e-9; t += step)
    ticks.push(Number(t.toFixed(12)));
  return ticks;
}

/** The map from [d0, d1] onto [r0, r1] (a degenerate domain maps to the range's middle). */
export function linearScale(domain: [number, number], range: [number, number]): (v: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  if (d1 === d0) return () => (r0 + r1) / 2;
  return (v) => r0 + ((v - d0) / (d1 - d0)) * (r1 - r0);
}

/**
 * The chart of one output (the first by default): a series per group, its points in ratio order, the y axis
 * spanning the finite figures padded to round ticks; unchanged outputs' PSNR sits at the top.
 */
export function chartData(rows: readonly SensitivityRow[], outputIndex = 0): ChartData | undefined {
  const first = rows.find((r) => r.outputs[outputIndex])?.outputs[outputIndex];
  if (!first) return undefined;
  const metric = metricOf(first);
  const byGroup = new Map<
    string,
    { roots: string[]; raw: { ratio: number; value?: number; broken?: string }[] }
  >();
  for (const row of rows) {
    const output = row.outputs[outputIndex];
    // An output NaN or infinite in both models alike, everywhere, has no figure: no point.
    if (!output || (!measured(output) && !diverges(output))) continue;
    const entry = byGroup.get(row.group) ?? { roots: row.roots, raw: [] };
    entry.raw.push(
      diverges(output)
        ? { ratio: row.ratio, broken: describeNonFinite(output) }
        : { ratio: row.ratio, value: figure(output, metric) },
    );
    byGroup.set(row.group, entry);
  }
  const finite = [...byGroup.values()]
    .flatMap((g) => g.raw.map((p) => p.value))
    .filter((v): v is number => v !== undefined);
  // Reduced, not spread as arguments: a large model's sensitivity has a point per group and ratio.
  let low = finite.length ? finite.reduce((a, b) => Math.min(a, b)) : 0;
  let high = finite.length ? finite.reduce((a, b) => Math.max(a, b)) : 1;
  if (metric === 'top1') [low, high] = [Math.min(low, 100), 100];
  if (metric === 'cosine') high = Math.max(high, Math.min(1, low + 1e-6));
  if (high === low) [low, high] = [low - 1, high + 1];
  const yTicks = niceTicks(low, high);
  const y = { min: Math.min(low, yTicks[0]), max: Math.max(high, yTicks.at(-1)!), ticks: yTicks };
  const x = { min: 0, max: rows.reduce((max, r) => Math.max(max, r.ratio), 0.1), ticks: [] as number[] };
  x.ticks = niceTicks(0, x.max, 5);
  x.max = Math.max(x.max, x.ticks.at(-1)!);
  const series = [...byGroup].map(([group, { roots, raw }]) => ({
    group,
    roots,
    points: raw
      .sort((a, b) => a.ratio - b.ratio)
      .map((p) =>
        p.broken !== undefined
          ? { ratio: p.ratio, value: y.min, text: p.broken }
          : { ratio: p.ratio, value: p.value ?? y.max, text: describe(p.value, metric) },
      ),
  }));
  return { metric, output: first.name, label: LABELS[metric], series, x, y };
}
