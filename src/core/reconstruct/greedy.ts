import { type NormalEquations, choleskySolve, cholesky, meanDiagonal, solveRidge } from './ridge';

/** One layer reading a group's channels: its least-squares statistics and which features each unit owns. */
export interface GreedyConsumer {
  /** XᵀX, XᵀY, Σy² of the ORIGINAL layer (every input feature → every output) on calibration inputs. */
  eq: NormalEquations;
  /** Per unit (class) of the group, the feature indices (rows of XᵀX) its channels feed. */
  blocks: ReadonlyMap<number, readonly number[]>;
  /** Whether the last feature is the bias's constant 1 (never removed, never penalised). */
  bias: boolean;
}

/** Ridge strength of the greedy fits, relative to the mean diagonal of XᵀX. */
const GREEDY_RIDGE = 1e-5;

/**
 * Data-aware selection (ThiNet; He et al. 2017): removes units one at a time, each time the one whose loss
 * the consumers can absorb best, i.e. whose removal raises the consumers' least-squares residual (after an
 * optimal refit of the remaining inputs) the least. With P = (XᵀX + λI)⁻¹ and B = P XᵀY the fit, dropping
 * the features b raises the residual by tr(B_bᵀ (P_bb)⁻¹ B_b); P and B are then downdated by the Schur
 * complement, so every step costs O(p²·|b|) instead of a new solve.
 *
 * Returns the units in removal order with the cumulative residual share (Σ increases / Σ‖y‖²) after each:
 * non-decreasing, so it ranks units within a group and compares across groups.
 */
export function greedyOrder(
  consumers: readonly GreedyConsumer[],
  units: readonly number[],
): { order: number[]; cost: number[] } {
  const states = consumers.map((c) => initialState(c));
  const left = new Set(units);
  const order: number[] = [];
  const cost: number[] = [];
  let total = 0;
  const yy = consumers.reduce((n, c) => n + c.eq.yy, 0) || 1;
  while (left.size > 0) {
    let best = -1;
    let bestIncrease = Infinity;
    for (const unit of left) {
      let increase = 0;
      for (const s of states) increase += s.increase(unit);
      if (increase < bestIncrease || (increase === bestIncrease && unit < best)) {
        best = unit;
        bestIncrease = increase;
      }
    }
    for (const s of states) s.remove(best);
    left.delete(best);
    total += Math.max(0, bestIncrease);
    order.push(best);
    cost.push(total / yy);
  }
  return { order, cost };
}

interface ConsumerState {
  increase(unit: number): number;
  remove(unit: number): void;
}

function initialState(consumer: GreedyConsumer): ConsumerState {
  const { p, m } = consumer.eq;
  consumer.eq.symmetrise();
  const lambda = GREEDY_RIDGE * (meanDiagonal(consumer.eq.gram, p) || 1);
  const penalised = (i: number) => !(consumer.bias && i === p - 1);
  // P = (G + λD)⁻¹ by solving against the identity; B = P C.
  const identity = new Float64Array(p * p);
  for (let i = 0; i < p; i++) identity[i * p + i] = 1;
  let P = solveRidge(consumer.eq.gram, identity, p, p, lambda, penalised);
  let B = solveRidge(consumer.eq.gram, consumer.eq.cross, p, m, lambda, penalised);
  // Active features, as positions into the current P and B.
  let active = Array.from({ length: p }, (_, i) => i);
  const positionOf = () => new Map(active.map((f, i) => [f, i]));
  let where = positionOf();
  const blockOf = (unit: number) =>
    (consumer.blocks.get(unit) ?? []).map((f) => where.get(f)).filter((i): i is number => i !== undefined);

  /** (P_bb)⁻¹ B_b and P_bb's factor for the block's positions. */
  const solveBlock = (b: number[]) => {
    const n = active.length;
    const s = b.length;
    const pbb = new Float64Array(s * s);
    for (let i = 0; i < s; i++) for (let j = 0; j < s; j++) pbb[i * s + j] = P[b[i] * n + b[j]];
    if (!cholesky(pbb, s)) return undefined;
    const bb = new Float64Array(s * m);
    for (let i = 0; i < s; i++) for (let k = 0; k < m; k++) bb[i * m + k] = B[b[i] * m + k];
    return { factor: pbb, bb, solved: choleskySolve(pbb, bb, s, m) };
  };

  return {
    increase(unit) {
      const b = blockOf(unit);
      if (b.length === 0) return 0;
      const block = solveBlock(b);
      if (!block) return Infinity;
      let sum = 0;
      for (let i = 0; i < block.bb.length; i++) sum += block.bb[i] * block.solved[i];
      return sum;
    },
    remove(unit) {
      const b = blockOf(unit);
      if (b.length === 0) return;
      const n = active.length;
      const s = b.length;
      const block = solveBlock(b);
      const inBlock = new Set(b);
      const keep = Array.from({ length: n }, (_, i) => i).filter((i) => !inBlock.has(i));
      const k = keep.length;
      // Pkb (k×s), then X = (P_bb)⁻¹ P_bk (s×k): P' = P_kk − P_kb X, B' = B_k − P_kb (P_bb)⁻¹ B_b.
      const pbk = new Float64Array(s * k);
      for (let i = 0; i < s; i++) for (let j = 0; j < k; j++) pbk[i * k + j] = P[b[i] * n + keep[j]];
      const nextP = new Float64Array(k * k);
      const nextB = new Float64Array(k * m);
      if (block) {
        const x = choleskySolve(block.factor, pbk, s, k);
        for (let i = 0; i < k; i++) {
          for (let j = 0; j < k; j++) {
            let v = P[keep[i] * n + keep[j]];
            for (let t = 0; t < s; t++) v -= pbk[t * k + i] * x[t * k + j];
            nextP[i * k + j] = v;
          }
          for (let q = 0; q < m; q++) {
            let v = B[keep[i] * m + q];
            for (let t = 0; t < s; t++) v -= pbk[t * k + i] * block.solved[t * m + q];
            nextB[i * m + q] = v;
          }
        }
      } else {
        for (let i = 0; i < k; i++) {
          for (let j = 0; j < k; j++) nextP[i * k + j] = P[keep[i] * n + keep[j]];
          for (let q = 0; q < m; q++) nextB[i * m + q] = B[keep[i] * m + q];
        }
      }
      P = nextP;
      B = nextB;
      active = keep.map((i) => active[i]);
      where = positionOf();
    },
  };
}
