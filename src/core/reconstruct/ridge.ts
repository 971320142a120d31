/**
 * Ridge-regularised least squares in Float64 through the normal equations, with the ridge strength chosen by
 * K-fold cross-validation (He et al. 2017, ThiNet: a layer's weights refitted so its output on calibration
 * data matches the original's). Rows arrive one sample at a time; each fold keeps only XᵀX, XᵀY and Σy², so
 * memory is O(folds · p²) whatever the number of rows.
 */

/** Sufficient statistics of rows (x ∈ ℝᵖ, y ∈ ℝᵐ): XᵀX (full p×p), XᵀY (p×m), Σ‖y‖², row count. */
export class NormalEquations {
  readonly gram: Float64Array;
  readonly cross: Float64Array;
  yy = 0;
  rows = 0;

  constructor(
    readonly p: number,
    readonly m: number,
  ) {
    this.gram = new Float64Array(p * p);
    this.cross = new Float64Array(p * m);
  }

  /**
   * Adds `count` rows: x row-major count×p, y row-major count×m. XᵀX is accumulated on its upper triangle
   * (mirrored by `symmetrise`) in blocks of rows, which is what keeps it fast in JavaScript.
   */
  addRows(x: Float64Array, y: Float64Array, count: number): void {
    const { p, m, gram, cross } = this;
    for (let r = 0; r < count; r++) {
      const xo = r * p;
      const yo = r * m;
      for (let i = 0; i < p; i++) {
        const xi = x[xo + i];
        if (xi === 0) continue;
        const gi = i * p;
        for (let j = i; j < p; j++) gram[gi + j] += xi * x[xo + j];
        const ci = i * m;
        for (let k = 0; k < m; k++) cross[ci + k] += xi * y[yo + k];
      }
      for (let k = 0; k < m; k++) this.yy += y[yo + k] * y[yo + k];
    }
    this.rows += count;
  }

  /** Copies the upper triangle of XᵀX onto the lower one (call once all rows are in). */
  symmetrise(): void {
    const { p, gram } = this;
    for (let i = 0; i < p; i++) for (let j = 0; j < i; j++) gram[i * p + j] = gram[j * p + i];
  }

  /** this += other (or −= with sign −1). */
  addScaled(other: NormalEquations, sign = 1): void {
    for (let i = 0; i < this.gram.length; i++) this.gram[i] += sign * other.gram[i];
    for (let i = 0; i < this.cross.length; i++) this.cross[i] += sign * other.cross[i];
    this.yy += sign * other.yy;
    this.rows += sign * other.rows;
  }
}

/**
 * Solves (G + λ·diag(penalised)) W = C for W (p×m) by Cholesky. A matrix that is not positive definite (a
 * feature that never varies and λ 0) gets a tiny jitter until it is.
 */
export function solveRidge(
  gram: Float64Array,
  cross: Float64Array,
  p: number,
  m: number,
  lambda: number,
  penalised: (i: number) => boolean,
): Float64Array {
  const scale = meanDiagonal(gram, p) || 1;
  for (let jitter = 0; ; jitter = jitter === 0 ? 1e-12 * scale : jitter * 100) {
    const a = new Float64Array(gram);
    for (let i = 0; i < p; i++) a[i * p + i] += (penalised(i) ? lambda : 0) + jitter;
    if (cholesky(a, p)) return choleskySolve(a, cross, p, m);
    if (jitter > scale)
      throw new Error('the normal equations cannot be solved (no positive definite jitter)');
  }
}

export function meanDiagonal(gram: Float64Array, p: number): number {
  let sum = 0;
  for (let i = 0; i < p; i++) sum += gram[i * p + i];
  return sum / Math.max(p, 1);
}

/** In-place lower Cholesky factor of a symmetric p×p matrix; false when it is not positive definite. */
export function cholesky(a: Float64Array, p: number): boolean {
  for (let j = 0; j < p; j++) {
    const rj = j * p;
    let d = a[rj + j];
    for (let k = 0; k < j; k++) d -= a[rj + k] * a[rj + k];
    if (!(d > 0)) return false;
    const l = Math.sqrt(d);
    a[rj + j] = l;
    for (let i = j + 1; i < p; i++) {
      const ri = i * p;
      let s = a[ri + j];
      for (let k = 0; k < j; k++) s -= a[ri + k] * a[rj + k];
      a[ri + j] = s / l;
    }
  }
  return true;
}

/** Solves L Lᵀ X = B (B p×m) with the factor from `cholesky`. */
export function choleskySolve(l: Float64Array, b: Float64Array, p: number, m: number): Float64Array {
  const x = new Float64Array(b);
  for (let k = 0; k < m; k++) {
    for (let i = 0; i < p; i++) {
      let s = x[i * m + k];
      const ri = i * p;
      for (let j = 0; j < i; j++) s -= l[ri + j] * x[j * m + k];
      x[i * m + k] = s / l[ri + i];
    }
    for (let i = p - 1; i >= 0; i--) {
      let s = x[i * m + k];
      for (let j = i + 1; j < p; j++) s -= l[j * p + i] * x[j * m + k];
      x[i * m + k] = s / l[i * p + i];
    }
  }
  return x;
}

/** Σ‖y − xW‖² over the rows of `eq`, from its statistics alone: Σy² − 2 tr(WᵀC) + tr(WᵀGW). */
export function residual(eq: NormalEquations, w: Float64Array): number {
  const { p, m, gram, cross } = eq;
  let total = eq.yy;
  const gw = new Float64Array(p * m);
  for (let i = 0; i < p; i++)
    for (let j = 0; j < p; j++) {
      const g = gram[i * p + j];
      if (g === 0) continue;
      for (let k = 0; k < m; k++) gw[i * m + k] += g * w[j * m + k];
    }
  for (let i = 0; i < p * m; i++) total += w[i] * (gw[i] - 2 * cross[i]);
  return total;
}

/** Ridge strengths tried, as multiples of the mean diagonal of XᵀX (so the grid does not depend on scale). */
const RIDGE_GRID = [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10];

export interface RidgeFit {
  /** p×m solution on every fold's rows. */
  weights: Float64Array;
  /** The λ chosen, relative to the mean diagonal of XᵀX. */
  relativeLambda: number;
  /** Cross-validated residual share (Σ‖y − ŷ‖² / Σ‖y‖²) for the chosen λ; NaN with one fold. */
  validationError: number;
  /** Residual share on every row with the final weights. */
  trainingError: number;
}

/**
 * XᵀY + λ·prior on the penalised rows: ridge towards `prior` instead of towards zero
 * (min ‖Y − XW‖² + λ‖W − prior‖² has normal equations (XᵀX + λI) W = XᵀY + λ·prior).
 */
function shifted(
  cross: Float64Array,
  prior: Float64Array | undefined,
  lambda: number,
  m: number,
  penalised: (i: number) => boolean,
): Float64Array {
  if (!prior) return cross;
  const out = new Float64Array(cross);
  for (let i = 0; i < out.length; i++) if (penalised(Math.floor(i / m))) out[i] += lambda * prior[i];
  return out;
}

/**
 * Ridge fit with λ chosen by cross-validation (towards `prior` when given: a strong ridge then keeps the
 * prior's weights, a weak one fits the data) over the folds (each fold held out in turn, the others fitted).
 * With one fold there is nothing to validate on, and the grid's middle value (1e-4) is used.
 */
export function fitRidgeCv(
  folds: readonly NormalEquations[],
  penalised: (i: number) => boolean,
  grid: readonly number[] = RIDGE_GRID,
  prior?: Float64Array,
): RidgeFit {
  const { p, m } = folds[0];
  const total = new NormalEquations(p, m);
  for (const f of folds) {
    f.symmetrise();
    total.addScaled(f);
  }
  const scale = meanDiagonal(total.gram, p) || 1;
  let best = 1e-4;
  let bestError = NaN;
  const usable = folds.filter((f) => f.rows > 0);
  if (usable.length >= 2) {
    bestError = Infinity;
    for (const relative of grid) {
      let error = 0;
      for (const held of usable) {
        const train = new NormalEquations(p, m);
        train.addScaled(total);
        train.addScaled(held, -1);
        const lambda = relative * scale;
        error += residual(
          held,
          solveRidge(train.gram, shifted(train.cross, prior, lambda, m, penalised), p, m, lambda, penalised),
        );
      }
      if (error < bestError) {
        bestError = error;
        best = relative;
      }
    }
    bestError /= total.yy || 1;
  }
  const lambda = best * scale;
  const weights = solveRidge(
    total.gram,
    shifted(total.cross, prior, lambda, m, penalised),
    p,
    m,
    lambda,
    penalised,
  );
  return {
    weights,
    relativeLambda: best,
    validationError: bestError,
    trainingError: residual(total, weights) / (total.yy || 1),
  };
}
