// `onnx-pruner plan`: the selection a prune would make, written as an editable *.prune.json plan.
import { makePlan, resolvePlanModel } from '../../core/plan';
import { startSha256 } from '../../runtime/backgroundHash';
import { CliError } from '../exit';
import { writeText } from '../writeText';
import { settingsFromSensitivity } from './planFromSensitivity';
import { type PruneCliOptions, number, pruneSettings } from './pruneOptions';

/** `onnx-pruner plan`: the selection a prune would make, as an editable plan file. */
export function planCommand(
  model: string,
  options: Omit<PruneCliOptions, 'output' | 'plan'> & { output?: string; fromSensitivity?: string },
  io: { stdout(text: string): void; stderr(text: string): void },
): void {
  let allocated: ReturnType<typeof settingsFromSensitivity> | undefined;
  if (options.fromSensitivity !== undefined) {
    if (options.targetMacs === undefined || options.ratio !== undefined)
      throw new CliError('--from-sensitivity takes --target-macs F (and no --ratio).');
    allocated = settingsFromSensitivity(
      options.fromSensitivity,
      number('--target-macs', options.targetMacs, 0.01, 1),
    );
  }
  const settings =
    allocated?.settings ??
    pruneSettings({
      ...options,
      ratio: options.targetMacs === undefined ? (options.ratio ?? '0.5') : options.ratio,
    });
  const output = options.output ?? `${model.replace(/\.onnx$/i, '')}.prune.json`;
  const { text } = makePlan(model, output, settings, startSha256);
  writeText(output, text);
  io.stdout(
    allocated
      ? `${output}: plan for ${model} from ${options.fromSensitivity}: ${Object.keys(allocated.allocation.ratios).length} layers cut, predicted MACs ${(allocated.allocation.predictedMacs * 100).toFixed(1)} % of the original${allocated.allocation.reached ? '' : ' (the target is beyond the ratios measured)'}.\n`
      : `${output}: plan for ${model} (ratio ${settings.ratio}, criterion ${settings.criterion}).\n`,
  );
  // A plan written away from its model works here (the model is given again) but not in the editor.
  const where = resolvePlanModel(output, JSON.parse(text).model);
  if (!where.ok)
    io.stderr(
      `note: ${where.message}, so the editor will refuse ${output}; write the plan in the model's folder or above it to use it there.\n`,
    );
}
