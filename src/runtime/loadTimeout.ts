/**
 * How long loading a model in ONNX Runtime may take. Creating a session costs far more than a run on a large
 * graph and grows faster than its node count (measured with onnxruntime-node 1.30 here, graph optimisations
 * on: a 10,009-node conv chain 5.8 s, a 50,001-node transformer-like stack 73 s, 25 s with them off), so one
 * limit for every step either lets a hung run wait for minutes or stops the load of a large graph that was
 * getting on. A load gets the step's limit once per NODES_PER_LIMIT nodes of the main graph (at least once).
 */
import { openModel } from '../core/onnx/reader';

export const NODES_PER_LIMIT = 10_000;

/** The time limit of loading a model whose main graph has `nodes` nodes, from the limit of one step. */
export function loadTimeoutMs(stepMs: number, nodes: number): number {
  return stepMs * Math.max(1, nodes / NODES_PER_LIMIT);
}

/**
 * The nodes of the main graph of the model at `path` (its structure only: no weight is read); 0 when it does
 * not open, which ONNX Runtime's own load then reports.
 */
export function mainGraphNodes(path: string): number {
  try {
    const file = openModel(path, { checkExternalData: false });
    try {
      return file.proto.graph?.node?.length ?? 0;
    } finally {
      file.close();
    }
  } catch {
    return 0;
  }
}
