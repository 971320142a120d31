// What ONNX Runtime would choke on while it loads a model: it folds constants and keeps every shape with no
// limits of its own, so a 1.4 kB file that doubles a constant 26 times asks it for 2^32 elements, and an input
// of 100,000 dims read by thousands of nodes keeps it busy for minutes. The analysis already refuses to fold
// such constants and to keep such shapes (fold.ts, facts.ts); a model it refused is not handed to ONNX Runtime
// either, and the verification says why in one sentence.
import type { Facts } from './facts';
import type { GraphView, ValueType } from '../onnx/modelView';
import type { ModelFile } from '../onnx/modelFile';
import { MAX_RANK } from './facts';
import { MAX_FOLDED_ELEMENTS, MAX_FOLDED_TOTAL } from './fold';
import { inferShapes } from './inferShapes';

/**
 * Why the model should not be run in ONNX Runtime, as the end of a sentence; undefined when nothing is wrong.
 * `facts`: the main graph's, when an analysis has inferred them already.
 */
export function runtimeHazard(graph: GraphView, file: ModelFile, facts?: Facts): string | undefined {
  const wide = (values: readonly ValueType[]) => values.find((v) => (v.shape?.length ?? 0) > MAX_RANK);
  const declared = wide(graph.inputs) ?? wide(graph.outputs) ?? wide([...graph.valueInfo.values()]);
  if (declared)
    return `'${declared.name}' is declared with ${declared.shape!.length} dims, more than the ${MAX_RANK} this tool hands to ONNX Runtime`;
  const [folded] = (facts ?? inferShapes(graph, file)).overLimit;
  if (folded !== undefined)
    return `'${folded}' is a constant too large to fold (over ${MAX_FOLDED_ELEMENTS} elements, or ${MAX_FOLDED_TOTAL} in all), which ONNX Runtime would build while loading the model`;
  return undefined;
}
