import { analyzeModel } from '../analyze/analyze';
import { sha256Of } from '../onnx/hash';
import { ModelView } from '../onnx/modelView';
import { openModel } from '../onnx/reader';
import { writeModel } from '../onnx/writer';
import { applyRemoval } from './apply';
import type { MaskSpec } from './maskSpec';
import { type GroupSelection, type PruneSettings, selectUnits } from './select';

export interface PruneOutcome {
  input: string;
  output: string;
  groups: GroupSelection[];
  /** Channels removed over all groups (first roots). */
  removedChannels: number;
  tensorsSliced: number;
  nodesChanged: number;
  bytesWritten: number;
  mask: MaskSpec;
}

/**
 * Prunes a model file into another: analyse, choose the units to remove, slice every member, write with the
 * streaming writer (atomic). The pruned model records the mask spec the correctness oracle needs.
 */
export function pruneFile(
  input: string,
  output: string,
  settings: PruneSettings,
  signal?: AbortSignal,
): PruneOutcome {
  const file = openModel(input);
  try {
    const analysis = analyzeModel(new ModelView(file));
    const { removed, groups } = selectUnits(analysis, file, settings);
    const applied = applyRemoval(analysis, file, removed, sha256Of(file.source));
    const written = writeModel(file, applied.proto, output, { signal });
    return {
      input,
      output,
      groups,
      removedChannels: groups.reduce((n, g) => n + g.channels - g.keptChannels, 0),
      tensorsSliced: applied.tensors,
      nodesChanged: applied.nodes,
      bytesWritten: written.bytes,
      mask: applied.mask,
    };
  } finally {
    file.close();
  }
}
