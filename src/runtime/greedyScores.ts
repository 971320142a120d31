import { mkdtempSync, rmSync } from 'node:fs';
import { refuseRuntimeHazard } from './runtimeGuard';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Analysis } from '../core/analyze/analyze';
import type { ModelFile } from '../core/onnx/modelFile';
import type { onnx } from '../core/onnx/proto/onnx.js';
import { writeModel } from '../core/onnx/writer';
import { withGraphOutputs } from '../core/prune/activationTaps';
import { GroupTable } from '../core/prune/groupTable';
import type { UnitScoreTable } from '../core/prune/importance';
import { groupConsumers } from '../core/reconstruct/consumers';
import { greedyOrder } from '../core/reconstruct/greedy';
import {
  featureCount,
  layerFeatures,
  layerTargets,
  positionCount,
  samplePositions,
} from '../core/reconstruct/patches';
import { NormalEquations } from '../core/reconstruct/ridge';
import { mulberry32 } from '../core/random';
import { type CalibrationOptions, calibrationSet, splitCalibration } from './calibration';
import { OrtClient } from './ortClient';
import { DEFAULT_POSITIONS } from './reconstruct';

/**
 * The `greedy` criterion's scores: the original model is run in ONNX Runtime (the client's child process) on
 * the calibration inputs it is fitted on (the held-out ones are left out, as reconstruction leaves them),
 * with every refittable consumer's input and output tapped; each consumer's least-squares statistics are
 * gathered at sampled positions, and each group's units are ranked by greedy removal (core/reconstruct/greedy).
 */
export async function measureGreedyScores(
  file: ModelFile,
  analysis: Analysis,
  options: CalibrationOptions & { holdout?: number; positions?: number } = {},
): Promise<UnitScoreTable> {
  const consumers = groupConsumers(analysis);
  const scores = new Map<string, Map<number, number>>();
  if (consumers.length === 0) return scores;
  refuseRuntimeHazard(file, file.name, analysis.state);
  const dir = mkdtempSync(join(tmpdir(), 'onnx-pruner-greedy-'));
  const client = options.client ?? new OrtClient();
  try {
    const path = join(dir, 'tapped.onnx');
    const taps = consumers.flatMap((c) => [c.input, c.output]);
    writeModel(file, withGraphOutputs(file.proto as onnx.ModelProto.$Properties, taps), path);
    const model = await client.load(path);
    const { fit } = splitCalibration(calibrationSet(model.inputs, options).samples, options.holdout);
    const perSample = Math.max(1, Math.ceil((options.positions ?? DEFAULT_POSITIONS) / fit.length));
    const equations: NormalEquations[] = [];
    for (let s = 0; s < fit.length; s++) {
      const outputs = await client.run(model, fit[s].feeds, { outputs: [...new Set(taps)] });
      consumers.forEach((c, ci) => {
        const x = outputs[c.input];
        const y = outputs[c.output];
        if (!(x?.data instanceof Float32Array) || !(y?.data instanceof Float32Array)) return;
        const random = mulberry32(((options.seed ?? 0) * 7919 + ci * 104729 + s * 15485863) >>> 0);
        const positions = samplePositions(positionCount(c.geometry, y.dims), perSample, random);
        const channels = c.geometry.kind === 'conv' ? y.dims[1] : y.dims[y.dims.length - 1];
        const all = Array.from({ length: channels }, (_, i) => i);
        equations[ci] ??= new NormalEquations(featureCount(c.geometry, x.dims, c.bias), channels);
        equations[ci].addRows(
          layerFeatures(c.geometry, x.data, x.dims, y.dims, positions, c.bias),
          layerTargets(c.geometry, y.data, y.dims, positions, all),
          positions.length,
        );
      });
    }
    await client.release(model);
    const table = new GroupTable(analysis);
    for (const group of analysis.report.groups) {
      if (!group.prunable) continue;
      const readers = consumers
        .map((c, ci) => ({ eq: equations[ci], blocks: c.blocks.get(group.id), bias: c.bias }))
        .filter((r): r is { eq: NormalEquations; blocks: Map<number, number[]>; bias: boolean } =>
          Boolean(r.eq && r.blocks),
        );
      if (readers.length === 0) continue;
      const { order, cost } = greedyOrder(readers, table.unitsOf(group));
      // The cumulative residual is non-decreasing along the order; the rank breaks its ties.
      scores.set(group.id, new Map(order.map((unit, i) => [unit, cost[i] + i * 1e-12])));
    }
    return scores;
  } finally {
    if (!options.client) await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
