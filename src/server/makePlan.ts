import { fileURLToPath, pathToFileURL } from 'node:url';
import { OnnxError } from '../core/onnx/errors';
import { makePlan } from '../core/plan';
import type { PruneSettings } from '../core/prune/select';
import type { MakePlanParams, MakePlanResult } from '../protocol/server';
import { withMachineAlignment } from '../runtime/channelBlock';

/** Answers onnxPruner/makePlan: the plan a prune with these settings would follow, beside the model. */
export function makePlanFor(params: MakePlanParams): MakePlanResult {
  const modelPath = fileURLToPath(params.modelUri);
  const planPath = `${modelPath.replace(/\.onnx$/i, '')}.prune.json`;
  try {
    const {
      text,
      groups,
      preview: estimate,
    } = makePlan(
      modelPath,
      planPath,
      aligned(params, {
        criterion: params.criterion,
        ratio: params.targetMacs === undefined ? (params.ratio ?? 0.5) : 0,
        targetMacs: params.targetMacs,
        global: params.global,
        roundTo: params.roundTo ?? 1,
        seed: 0,
        layers: {},
      }),
    );
    const preview = groups.map((g, i) => ({
      group: g.group,
      root: g.roots[0],
      channels: g.channels,
      kept: g.keptChannels,
      skipped: g.skipped,
      params: estimate.rows[i]?.params,
      macs: estimate.rows[i]?.macs,
    }));
    const totals = { parameters: estimate.parameters, macs: estimate.macs };
    return { ok: true, planUri: pathToFileURL(planPath).href, text, preview, totals };
  } catch (error) {
    if (error instanceof OnnxError) return { ok: false, message: error.message };
    return { ok: false, message: `${modelPath}: ${(error as Error).message}` };
  }
}

/** The settings with this machine's channel alignment, unless the request turns it off. */
function aligned(params: MakePlanParams, settings: PruneSettings): PruneSettings {
  return params.align === false ? settings : withMachineAlignment(settings);
}
