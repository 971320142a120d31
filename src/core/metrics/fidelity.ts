import type { NonFiniteCount } from '../../shared/nonFinite';

/**
 * How close a pruned model's outputs are to the original's, on the same inputs (pure maths; the runs happen
 * in src/runtime/fidelity.ts). The metrics follow the output's shape:
 * - image-like `[N, C, H, W]` with C ≤ 4: PSNR and SSIM;
 * - classifier-like `[N, K]`: top-1 / top-5 agreement and the mean KL divergence of the softmaxes;
 * - every output: max and mean relative error and the cosine similarity.
 * Every metric is over the elements finite in both outputs: a NaN or an infinity (random inputs outside a
 * model's domain, such as a negative variance fed to a BatchNormalization) makes a sum NaN, and a report of
 * NaN figures, or of a PSNR made infinite by them, says nothing. Non-finite elements are counted instead
 * (`nonFinite`), and those that differ between the two models are damage of their own (`diverges`).
 * Samples are fed one at a time (`FidelityAccumulator.add`), so memory holds one output, never all of them.
 */

export interface DenseTensor {
  readonly dims: readonly number[];
  readonly data: ArrayLike<number>;
}

export type OutputKind = 'image' | 'classifier' | 'other';

export interface OutputFidelity {
  name: string;
  kind: OutputKind;
  /** Samples (model runs) measured. */
  samples: number;
  /** max |pruned − original| / max |original|. */
  maxRelativeError: number;
  /** mean |pruned − original| / mean |original|. */
  meanRelativeError: number;
  /** Cosine of the angle between the flattened outputs, over every sample. */
  cosine: number;
  /** Image-like: PSNR (dB) of the pooled mean squared error, peak = the original's output range. */
  psnr?: number;
  /** Image-like: the mean SSIM of every image plane (Wang et al. 2004: 11×11 Gaussian, σ 1.5, K 0.01 and
   * 0.03, L = that sample's original output range). */
  ssim?: number;
  /** The peak PSNR uses: max − min of the original's output over every sample. */
  peak?: number;
  /** Classifier-like: share of rows whose top-1 class is the original's. */
  top1?: number;
  /** Classifier-like: share of rows where the original's top-1 class is among the pruned model's top 5. */
  top5?: number;
  /** Classifier-like: mean KL(original ‖ pruned) of the rows' softmaxes (rows that are already probabilities
   * are used as they are), in nats. */
  kl?: number;
  /** Present when an element of either output is NaN or infinite (the metrics leave those out). */
  nonFinite?: NonFiniteCount;
}

/** Image-like outputs are NCHW with at most 4 channels and a real picture; classifier-like are [N, K]. */
export function outputKind(dims: readonly number[]): OutputKind {
  if (dims.length === 4 && dims[1] >= 1 && dims[1] <= 4 && dims[2] > 1 && dims[3] > 1) return 'image';
  if (dims.length === 2 && dims[1] >= 2) return 'classifier';
  return 'other';
}

/** PSNR in dB of a mean squared error against a peak value (Infinity when the error is 0). */
export function psnr(mse: number, peak: number): number {
  if (mse <= 0) return Infinity;
  return 10 * Math.log10((peak * peak) / mse);
}

const SSIM_K1 = 0.01;
const SSIM_K2 = 0.03;
const SSIM_WINDOW = 11;
const SSIM_SIGMA = 1.5;

/**
 * Mean SSIM of one H×W plane pair: Gaussian-weighted local statistics over every window that fits (valid
 * positions; the window shrinks to the plane's smaller side, kept odd, for planes under 11 pixels).
 */
export function ssimPlane(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  height: number,
  width: number,
  peak: number,
  xOffset = 0,
  yOffset = 0,
): number {
  let size = Math.min(SSIM_WINDOW, height, width);
  if (size % 2 === 0) size--;
  const weights = gaussian(size, SSIM_SIGMA);
  const outH = height - size + 1;
  const outW = width - size + 1;
  const c1 = (SSIM_K1 * peak) ** 2;
  const c2 = (SSIM_K2 * peak) ** 2;
  // Separable filtering: along rows first (five moment maps of height × outW), then along columns.
  const rows = height * outW;
  const mx = new Float64Array(rows);
  const my = new Float64Array(rows);
  const mxx = new Float64Array(rows);
  const myy = new Float64Array(rows);
  const mxy = new Float64Array(rows);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < outW; c++) {
      let sx = 0;
      let sy = 0;
      let sxx = 0;
      let syy = 0;
      let sxy = 0;
      for (let k = 0; k < size; k++) {
        const w = weights[k];
        const a = x[xOffset + r * width + c + k];
        const b = y[yOffset + r * width + c + k];
        sx += w * a;
        sy += w * b;
        sxx += w * a * a;
        syy += w * b * b;
        sxy += w * a * b;
      }
      const i = r * outW + c;
      mx[i] = sx;
      my[i] = sy;
      mxx[i] = sxx;
      myy[i] = syy;
      mxy[i] = sxy;
    }
  }
  let total = 0;
  for (let r = 0; r < outH; r++) {
    for (let c = 0; c < outW; c++) {
      let ux = 0;
      let uy = 0;
      let exx = 0;
      let eyy = 0;
      let exy = 0;
      for (let k = 0; k < size; k++) {
        const w = weights[k];
        const i = (r + k) * outW + c;
        ux += w * mx[i];
        uy += w * my[i];
        exx += w * mxx[i];
        eyy += w * myy[i];
        exy += w * mxy[i];
      }
      const vx = exx - ux * ux;
      const vy = eyy - uy * uy;
      const cov = exy - ux * uy;
      total += ((2 * ux * uy + c1) * (2 * cov + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
    }
  }
  return total / (outH * outW);
}

function gaussian(size: number, sigma: number): Float64Array {
  const weights = new Float64Array(size);
  const mid = (size - 1) / 2;
  let sum = 0;
  for (let i = 0; i < size; i++) sum += weights[i] = Math.exp(-((i - mid) ** 2) / (2 * sigma * sigma));
  for (let i = 0; i < size; i++) weights[i] /= sum;
  return weights;
}

/** The row's probabilities: itself when it already is a distribution, its softmax otherwise. */
function probabilities(data: ArrayLike<number>, from: number, k: number): Float64Array {
  const p = new Float64Array(k);
  let sum = 0;
  let nonNegative = true;
  for (let j = 0; j < k; j++) {
    p[j] = data[from + j];
    sum += p[j];
    if (p[j] < 0) nonNegative = false;
  }
  if (nonNegative && Math.abs(sum - 1) < 1e-3) return p;
  let max = -Infinity;
  for (let j = 0; j < k; j++) if (p[j] > max) max = p[j];
  sum = 0;
  for (let j = 0; j < k; j++) sum += p[j] = Math.exp(p[j] - max);
  for (let j = 0; j < k; j++) p[j] /= sum;
  return p;
}

/** The indices of the row's `k` largest values, largest first (ties: lower index first). */
export function topK(data: ArrayLike<number>, from: number, length: number, k: number): number[] {
  const order = Array.from({ length }, (_, j) => j);
  order.sort((a, b) => data[from + b] - data[from + a] || a - b);
  return order.slice(0, k);
}

/** Whether elements [from, from + length) of both outputs are all finite. */
function allFinite(x: ArrayLike<number>, y: ArrayLike<number>, from: number, length: number): boolean {
  for (let i = from; i < from + length; i++)
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) return false;
  return true;
}

/** The smallest and largest finite value (0 and 1 when there is none). */
export function valueRange(values: ArrayLike<number>): { low: number; high: number } {
  let low = Infinity;
  let high = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (v < low) low = v;
    if (v > high) high = v;
  }
  return low <= high ? { low, high } : { low: 0, high: 1 };
}

/** Accumulates one output's comparison over samples; `result()` gives the metrics. */
export class FidelityAccumulator {
  private samples = 0;
  private count = 0;
  private sumSq = 0;
  private sumAbsError = 0;
  private sumAbsRef = 0;
  private maxAbsError = 0;
  private maxAbsRef = 0;
  private dot = 0;
  private normRef = 0;
  private normAct = 0;
  private refMin = Infinity;
  private refMax = -Infinity;
  private ssimSum = 0;
  private ssimPlanes = 0;
  private rows = 0;
  private top1 = 0;
  private top5 = 0;
  private kl = 0;
  private kind: OutputKind | undefined;
  private finite = 0;
  private nonFiniteOriginal = 0;
  private nonFiniteCompared = 0;
  private mismatched = 0;

  constructor(readonly name: string) {}

  add(reference: DenseTensor, actual: DenseTensor): void {
    const dims = reference.dims;
    if (dims.join(',') !== actual.dims.join(','))
      throw new Error(
        `output '${this.name}' has shape [${actual.dims.join(', ')}] instead of [${dims.join(', ')}]`,
      );
    const kind = outputKind(dims);
    if (this.kind !== undefined && this.kind !== kind)
      throw new Error(`output '${this.name}' changes kind between samples`);
    this.kind = kind;
    this.samples++;
    const r = reference.data;
    const a = actual.data;
    for (let i = 0; i < r.length; i++) {
      const ref = r[i];
      const act = a[i];
      if (!Number.isFinite(ref) || !Number.isFinite(act)) {
        this.countNonFinite(ref, act);
        continue;
      }
      const error = Math.abs(act - ref);
      const magnitude = Math.abs(ref);
      this.sumSq += error * error;
      this.sumAbsError += error;
      this.sumAbsRef += magnitude;
      if (error > this.maxAbsError) this.maxAbsError = error;
      if (magnitude > this.maxAbsRef) this.maxAbsRef = magnitude;
      this.dot += ref * act;
      this.normRef += ref * ref;
      this.normAct += act * act;
      if (ref < this.refMin) this.refMin = ref;
      if (ref > this.refMax) this.refMax = ref;
      this.finite++;
    }
    this.count += r.length;
    if (kind === 'image') {
      // SSIM now, with this sample's own range as its L: keeping every plane for a global peak would hold
      // all the outputs in memory. A plane with a non-finite element in either output has no SSIM.
      const [n, c, h, w] = dims;
      const { low, high } = valueRange(r);
      for (let p = 0; p < n * c; p++) {
        if (!allFinite(r, a, p * h * w, h * w)) continue;
        this.ssimSum += ssimPlane(r, a, h, w, high - low || 1, p * h * w, p * h * w);
        this.ssimPlanes++;
      }
    } else if (kind === 'classifier') {
      const [n, k] = dims;
      for (let row = 0; row < n; row++) {
        const from = row * k;
        if (!allFinite(r, a, from, k)) continue; // a row with a NaN has no top class
        const refTop = topK(r, from, k, 1)[0];
        const actTop = topK(a, from, k, Math.min(5, k));
        if (actTop[0] === refTop) this.top1++;
        if (actTop.includes(refTop)) this.top5++;
        const p = probabilities(r, from, k);
        const q = probabilities(a, from, k);
        let kl = 0;
        for (let j = 0; j < k; j++) if (p[j] > 0) kl += p[j] * Math.log(p[j] / Math.max(q[j], 1e-300));
        this.kl += kl;
        this.rows++;
      }
    }
  }

  private countNonFinite(ref: number, act: number): void {
    if (!Number.isFinite(ref)) this.nonFiniteOriginal++;
    if (!Number.isFinite(act)) this.nonFiniteCompared++;
    if (!Object.is(ref, act)) this.mismatched++; // NaN and NaN, or one infinity twice, agree
  }

  result(): OutputFidelity {
    const kind = this.kind ?? 'other';
    const cosineDenominator = Math.sqrt(this.normRef * this.normAct);
    const result: OutputFidelity = {
      name: this.name,
      kind,
      samples: this.samples,
      maxRelativeError: this.maxAbsRef > 0 ? this.maxAbsError / this.maxAbsRef : this.maxAbsError,
      meanRelativeError: this.sumAbsRef > 0 ? this.sumAbsError / this.sumAbsRef : this.sumAbsError,
      cosine: cosineDenominator > 0 ? this.dot / cosineDenominator : this.normRef === this.normAct ? 1 : 0,
    };
    if (this.finite < this.count)
      result.nonFinite = {
        elements: this.count,
        finite: this.finite,
        original: this.nonFiniteOriginal,
        compared: this.nonFiniteCompared,
        mismatched: this.mismatched,
      };
    if (kind === 'image' && this.finite > 0) {
      const peak = this.refMax - this.refMin || 1;
      result.peak = peak;
      result.psnr = psnr(this.sumSq / this.finite, peak);
      if (this.ssimPlanes > 0) result.ssim = this.ssimSum / this.ssimPlanes;
    }
    if (kind === 'classifier' && this.rows > 0) {
      result.top1 = this.top1 / this.rows;
      result.top5 = this.top5 / this.rows;
      result.kl = this.kl / this.rows;
    }
    return result;
  }
}
