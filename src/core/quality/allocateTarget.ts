// "Allocate by sensitivity" in the editor: per-layer ratios from a sensitivity run for a MACs share or for a
// floor on fidelity (minimum PSNR, minimum top-1 agreement), and the fidelity those ratios are predicted to
// keep. The steps are core/plan/allocate.ts's (cheapest damage per MAC saved first); a fidelity floor stops
// them where the prediction would go below it. Pure.
import type { OutputFidelity } from '../metrics/fidelity';
import { diverges, measured } from '../../shared/nonFinite';
import { type Allocation, type SensitivityPoint, allocateBySensitivity } from '../plan/allocate';
import { ownValue } from '../records';

export type AllocationTarget =
  { kind: 'macs'; share: number } | { kind: 'psnr'; db: number } | { kind: 'top1'; share: number };

/** One output's fidelity predicted for a set of per-layer ratios. */
export interface PredictedOutput {
  name: string;
  /** Image-like outputs: Infinity when nothing is cut. */
  psnr?: number;
  /** Classifier-like outputs. */
  top1?: number;
  cosine: number;
}

export interface TargetAllocation extends Allocation {
  predicted: PredictedOutput[];
}

/**
 * The fidelity of cutting every group at its ratio, to first order: each group's harm, measured alone, added
 * up (squared error as a share of the peak² for PSNR, disagreement for top-1, 1 − cosine). Groups absent from
 * `ratios`, or at a ratio not measured, add nothing. A PSNR that crossed JSON as null (Infinity) is no harm; an
 * output NaN or infinite where the original's is not is harmed in full (as 0 dB, no top-1 kept, cosine 0).
 */
export function predictFidelity(
  points: readonly SensitivityPoint[],
  ratios: Readonly<Record<string, number>>,
): PredictedOutput[] {
  const harm = new Map<string, { mse?: number; miss?: number; cos: number }>();
  const names: string[] = [];
  for (const p of points) {
    for (const o of p.outputs) {
      if (!harm.has(o.name)) {
        names.push(o.name);
        harm.set(o.name, {
          ...(o.kind === 'image' ? { mse: 0 } : {}),
          ...(o.top1 !== undefined ? { miss: 0 } : {}),
          cos: 0,
        });
      }
    }
  }
  for (const p of points) {
    if (ownValue(ratios, p.roots[0]) !== p.ratio) continue;
    for (const o of p.outputs) {
      const h = harm.get(o.name)!;
      // NaN or infinite where the original is not: harmed in full; no finite element in both: nothing known.
      if (diverges(o)) {
        if (h.mse !== undefined) h.mse += 1;
        if (h.miss !== undefined) h.miss += 1;
        h.cos += 1;
        continue;
      }
      if (!measured(o)) continue;
      if (h.mse !== undefined && typeof o.psnr === 'number' && Number.isFinite(o.psnr))
        h.mse += 10 ** (-o.psnr / 10);
      if (h.miss !== undefined && o.top1 !== undefined) h.miss += 1 - o.top1;
      h.cos += Math.max(0, 1 - o.cosine);
    }
  }
  return names.map((name) => {
    const h = harm.get(name)!;
    return {
      name,
      ...(h.mse !== undefined ? { psnr: h.mse > 0 ? -10 * Math.log10(h.mse) : Infinity } : {}),
      ...(h.miss !== undefined ? { top1: Math.max(0, 1 - h.miss) } : {}),
      cosine: 1 - h.cos,
    };
  });
}

/** Whether a prediction keeps the floor on every output that has the target's metric. */
function keeps(predicted: readonly PredictedOutput[], target: AllocationTarget): boolean {
  if (target.kind === 'psnr') return predicted.every((o) => o.psnr === undefined || o.psnr >= target.db);
  if (target.kind === 'top1') return predicted.every((o) => o.top1 === undefined || o.top1 >= target.share);
  return true;
}

/** Whether the run's outputs have the target's metric at all (PSNR: image-like; top-1: classifier-like). */
export function targetApplies(points: readonly SensitivityPoint[], target: AllocationTarget): boolean {
  if (target.kind === 'macs') return true;
  const outputs: OutputFidelity[] = points.flatMap((p) => p.outputs);
  return target.kind === 'psnr'
    ? outputs.some((o) => o.kind === 'image')
    : outputs.some((o) => o.top1 !== undefined);
}

/**
 * Per-layer ratios for a target. A MACs share is allocateBySensitivity's. A fidelity floor takes the lowest
 * MACs share whose allocation is predicted to keep it: the allocation's steps do not depend on where they stop,
 * so a lower share only adds harm, and a bisection over the share finds the edge (to 1e-4 of the MACs).
 */
export function allocateForTarget(
  points: readonly SensitivityPoint[],
  target: AllocationTarget,
): TargetAllocation {
  const at = (share: number): TargetAllocation => {
    const allocation = allocateBySensitivity(points, share);
    return { ...allocation, predicted: predictFidelity(points, allocation.ratios) };
  };
  if (target.kind === 'macs') return at(target.share);
  let low = 0; // may not keep the floor
  let high = 1; // nothing cut: keeps any floor
  let best = at(high);
  if (keeps(at(low).predicted, target)) return { ...at(low), reached: true };
  while (high - low > 1e-4) {
    const mid = (low + high) / 2;
    const candidate = at(mid);
    if (keeps(candidate.predicted, target)) {
      high = mid;
      best = candidate;
    } else low = mid;
  }
  return { ...best, reached: keeps(best.predicted, target) };
}
