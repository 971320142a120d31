import { basename, dirname, relative, resolve } from 'node:path';
import { analyzeModel } from '../analyze/analyze';
import { withModelErrors } from '../onnx/errors';
import { type StartHash, hashWhenAsked } from '../onnx/hash';
import { ModelView } from '../onnx/modelView';
import { openModel } from '../onnx/reader';
import { type PrunePreview, previewPrune } from '../prune/preview';
import { ownValue } from '../records';
import { chooseUnits } from '../prune/prune';
import type { GroupSelection, PruneSettings } from '../prune/select';
import type { PrunePlan } from './parsePlan';

export interface MadePlan {
  /** The plan file's text (design contract §4), ending with a newline. */
  text: string;
  /** Every group's selection, skipped ones included (for a preview). */
  groups: GroupSelection[];
  /** Channels, parameters and MACs per group and in total, before and after (estimated). */
  preview: PrunePreview;
}

/**
 * The selection a prune with these settings would make, written as an editable plan: an explicit `prune`
 * count per group's first root, the model's SHA-256, and the settings. Used by `onnx-pruner plan` and by
 * "ONNX Pruner: Prune Channels".
 */
export function makePlan(
  modelPath: string,
  planPath: string,
  settings: PruneSettings,
  /** How the model is hashed (a shell may hash a large file on another thread during the analysis). */
  startHash: StartHash = hashWhenAsked,
): MadePlan {
  return withModelErrors(modelPath, () => {
    const file = openModel(modelPath);
    // The plan names its model by SHA-256, worked out while the analysis runs when `startHash` can.
    const hash = startHash(file.source);
    try {
      const analysis = analyzeModel(new ModelView(file));
      const chosen = chooseUnits(analysis, file, settings);
      const { groups, ratio } = chosen;
      // Every prunable group the settings do not exclude gets its count, 0 included: a group the selection left
      // whole (a MACs target's global ranking, an amount off the channel block) must stay whole when the plan is
      // pruned, not take the plan's ratio.
      const prunable = new Set(analysis.report.groups.filter((g) => g.prunable).map((g) => g.id));
      const excluded = (g: GroupSelection) =>
        g.roots.some((root) => {
          const setting = ownValue(settings.layers, root);
          return setting !== undefined && 'exclude' in setting;
        });
      const counts = Object.fromEntries(
        groups
          .filter((g) => prunable.has(g.group) && !excluded(g))
          .map((g) => [g.roots[0], g.channels - g.keptChannels]),
      );
      // A MACs target is written as the ratio it came to (the counts are explicit anyway).
      const written = { ...settings, ratio: Number(ratio.toFixed(4)) };
      const preview = previewPrune(analysis, file, settings, chosen);
      return { text: planText(modelPath, planPath, written, hash.value(), counts), groups, preview };
    } finally {
      hash.stop();
      file.close();
    }
  });
}

function planText(
  model: string,
  planPath: string,
  settings: PruneSettings,
  sha256: string,
  counts: Record<string, number>,
): string {
  const plan = {
    model: relative(dirname(resolve(planPath)), resolve(model)) || basename(model),
    modelSha256: sha256,
    criterion: settings.criterion,
    ratio: settings.ratio,
    roundTo: settings.roundTo,
    ...(settings.alignment
      ? { alignTo: settings.alignment.block, alignReason: settings.alignment.reason }
      : {}),
    layers: Object.fromEntries(Object.entries(counts).map(([layer, prune]) => [layer, { prune }])),
  };
  return `${JSON.stringify(plan, null, 2)}\n`;
}

/** The prune settings a (schema-valid) plan stands for. */
export function settingsOfPlan(plan: PrunePlan): PruneSettings {
  return {
    ratio: plan.ratio ?? 0,
    criterion: plan.criterion ?? 'l1',
    roundTo: plan.roundTo ?? 1,
    ...(plan.alignTo !== undefined
      ? {
          alignment: {
            block: plan.alignTo,
            reason:
              plan.alignReason ??
              (plan.alignTo > 1
                ? "the plan's alignTo"
                : "kept channel counts are not aligned (the plan's alignTo is 1)"),
          },
        }
      : {}),
    seed: plan.seed ?? 0,
    global: plan.global ?? false,
    ...(plan.targetMacs !== undefined ? { targetMacs: plan.targetMacs } : {}),
    ...(plan.targetLatency !== undefined ? { targetLatency: plan.targetLatency } : {}),
    layers: plan.layers ?? {},
  };
}
