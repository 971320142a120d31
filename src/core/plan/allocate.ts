import type { OutputFidelity } from '../metrics/fidelity';
import { diverges, measured } from '../../shared/nonFinite';
import { recordOf } from '../records';

/** What allocation needs of a sensitivity row (src/runtime/sensitivity.ts): one group cut alone. */
export interface SensitivityPoint {
  roots: string[];
  ratio: number;
  /** Share of the original's MACs left. */
  macs: number;
  outputs: OutputFidelity[];
}

export interface Allocation {
  /** Ratio per group's first root (groups left alone are absent). */
  ratios: Record<string, number>;
  /** The MACs share predicted (savings of the groups' rows added up). */
  predictedMacs: number;
  /** The damage predicted (each row's, added up): 10^(−PSNR/10) for images, 1 − cosine otherwise. */
  predictedDamage: number;
  /** Whether the target was reached with the ratios measured. */
  reached: boolean;
}

/**
 * A row's harm to the outputs, additive across groups to first order (a share of the peak², or 1 − cos). An
 * output NaN or infinite where the original's is not is harmed in full (1: 0 dB, or a cosine of 0); one
 * with no element finite in both models alike tells nothing and adds nothing.
 */
export function damageOf(outputs: readonly OutputFidelity[]): number {
  if (outputs.length === 0) return 0;
  let sum = 0;
  for (const o of outputs) sum += outputDamage(o);
  return sum / outputs.length;
}

function outputDamage(o: OutputFidelity): number {
  if (diverges(o)) return 1;
  if (!measured(o)) return 0;
  if (o.psnr !== undefined) return Number.isFinite(o.psnr) ? 10 ** (-o.psnr / 10) : 0;
  return Math.max(0, 1 - o.cosine);
}

/**
 * Per-layer amounts from a sensitivity run: starting from nothing cut, repeatedly take the step (one group to
 * one of its larger measured ratios) that costs the least damage per MAC saved, until the predicted MACs
 * are at most `targetMacs` of the original's. Savings and damages are taken as additive over groups, so the
 * prediction is a first-order estimate: the plan's real figures come from pruning it.
 */
export function allocateBySensitivity(points: readonly SensitivityPoint[], targetMacs: number): Allocation {
  const byGroup = new Map<string, { ratio: number; saving: number; damage: number }[]>();
  for (const p of points) {
    const root = p.roots[0];
    const list = byGroup.get(root) ?? [{ ratio: 0, saving: 0, damage: 0 }];
    list.push({ ratio: p.ratio, saving: 1 - p.macs, damage: damageOf(p.outputs) });
    byGroup.set(root, list);
  }
  for (const list of byGroup.values()) list.sort((a, b) => a.ratio - b.ratio);
  const at = new Map([...byGroup.keys()].map((root) => [root, 0]));
  let saving = 0;
  let damage = 0;
  const goal = 1 - targetMacs;
  // 1e-9: savings are sums of 1 − macs, which land a rounding error short of a target they meet.
  while (saving < goal - 1e-9) {
    let best: { root: string; index: number; cost: number } | undefined;
    for (const [root, list] of byGroup) {
      const from = list[at.get(root)!];
      for (let i = at.get(root)! + 1; i < list.length; i++) {
        const gain = list[i].saving - from.saving;
        if (gain <= 0) continue;
        const cost = Math.max(0, list[i].damage - from.damage) / gain;
        if (!best || cost < best.cost || (cost === best.cost && root < best.root))
          best = { root, index: i, cost };
      }
    }
    if (!best) break;
    const list = byGroup.get(best.root)!;
    const from = list[at.get(best.root)!];
    saving += list[best.index].saving - from.saving;
    damage += list[best.index].damage - from.damage;
    at.set(best.root, best.index);
  }
  const cut: [string, number][] = [];
  for (const [root, index] of at) if (index > 0) cut.push([root, byGroup.get(root)![index].ratio]);
  const ratios = recordOf(cut);
  return { ratios, predictedMacs: 1 - saving, predictedDamage: damage, reached: saving >= goal - 1e-9 };
}
