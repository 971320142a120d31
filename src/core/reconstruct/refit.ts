import type { RefitLayer } from './layers';

/**
 * A layer's new weight and bias from its least-squares solution (p × m: features × kept outputs; the bias
 * row last when the layer has one), in the weight's own layout, undoing Gemm's alpha and beta.
 */
export function refittedTensors(
  layer: RefitLayer,
  solution: Float64Array,
  p: number,
  m: number,
): { weight: Float32Array; bias?: Float32Array } {
  const features = layer.bias ? p - 1 : p;
  const weight = new Float32Array(features * m);
  for (let j = 0; j < features; j++) {
    for (let k = 0; k < m; k++) {
      const value = solution[j * m + k] / layer.alpha;
      // conv [Cout, Cin·kh·kw] and [N, K] put the output first; [K, N] puts the feature first.
      if (layer.layout === 'kn') weight[j * m + k] = value;
      else weight[k * features + j] = value;
    }
  }
  if (!layer.bias) return { weight };
  const bias = new Float32Array(m);
  for (let k = 0; k < m; k++) bias[k] = solution[(p - 1) * m + k] / layer.beta;
  return { weight, bias };
}

/**
 * The least-squares solution (p × m) a layer's current weight and bias stand for: the inverse of
 * `refittedTensors`, so the plain prune's weights can be scored on the same rows as a refit.
 */
export function solutionOf(
  layer: RefitLayer,
  tensors: { weight: Float32Array; bias?: Float32Array },
  p: number,
  m: number,
): Float64Array {
  const features = layer.bias ? p - 1 : p;
  const solution = new Float64Array(p * m);
  for (let j = 0; j < features; j++)
    for (let k = 0; k < m; k++)
      solution[j * m + k] =
        (layer.layout === 'kn' ? tensors.weight[j * m + k] : tensors.weight[k * features + j]) * layer.alpha;
  if (layer.bias && tensors.bias)
    for (let k = 0; k < m; k++) solution[(p - 1) * m + k] = tensors.bias[k] * layer.beta;
  return solution;
}
