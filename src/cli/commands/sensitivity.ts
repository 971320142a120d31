import { withModelErrors } from '../../core/onnx/errors';
import { CRITERIA, type Criterion } from '../../core/prune/importance';
import { DEFAULT_MAX_GROUPS } from '../../core/quality/sensitivityGroups';
import { DEFAULT_RATIOS, formatSensitivity, measureSensitivity } from '../../runtime/sensitivity';
import { inputDimsFor } from './dimOptions';
import { CliError } from '../exit';
import type { CliIO } from '../io';
import { ProgressLine } from '../progress';
import { jsonText } from '../visible';
import { writeText } from '../writeText';
import { type CalibCliOptions, imageFeedOptions } from './calibOptions';

export interface SensitivityCliOptions extends CalibCliOptions {
  ratios?: string;
  criterion?: string;
  seed?: string;
  samples?: string;
  groups?: string;
  json?: boolean;
  output?: string;
}

/**
 * `onnx-pruner sensitivity MODEL`: every prunable group pruned alone at each ratio, its fidelity to the
 * original on calibration inputs (or seeded random ones) and the MACs left; --json / -o for the figures;
 * --groups N|all: how many groups to measure (those whose layers hold the most MACs).
 */
export async function sensitivityCommand(
  model: string,
  options: SensitivityCliOptions,
  io: CliIO,
): Promise<number> {
  const ratios = (options.ratios ?? DEFAULT_RATIOS.join(',')).split(',').map((text) => {
    const value = Number(text.trim());
    if (!Number.isFinite(value) || value <= 0 || value >= 1)
      throw new CliError(`--ratios must be numbers in (0, 1), not '${text.trim()}'.`);
    return value;
  });
  const criterion = options.criterion ?? 'l1';
  if (
    !(CRITERIA as readonly string[]).includes(criterion) ||
    criterion === 'activation' ||
    criterion === 'greedy'
  )
    throw new CliError(`--criterion for sensitivity must be l1, l2, bn or random, not '${criterion}'.`);
  const whole = (flag: string, text: string | undefined, min: number) => {
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min)
      throw new CliError(`${flag} must be an integer ≥ ${min}, not '${text}'.`);
    return value;
  };
  const maxGroups = options.groups === undefined ? DEFAULT_MAX_GROUPS : groupCount(options.groups);
  const line = new ProgressLine(io.progress);
  const report = await withModelErrors(model, () =>
    measureSensitivity(model, {
      ratios,
      criterion: criterion as Criterion,
      seed: whole('--seed', options.seed, 0) ?? 0,
      samples: whole('--samples', options.samples, 1),
      maxGroups,
      calibDir: options.calib,
      image: imageFeedOptions(options),
      dims: inputDimsFor(model, options.dim),
      onProgress: (done, total, what, left) =>
        line.update('sensitivity', `sensitivity: ${done}/${total} (${what})${left ? `, ${left}` : ''}`),
    }),
  ).finally(() => line.clear());
  // Written atomically, names from the model escaped the JSON way (as on stdout).
  if (options.output) writeText(options.output, `${jsonText(report)}\n`);
  if (options.json) io.json(report);
  else io.stdout(formatSensitivity(report));
  return 0;
}

function groupCount(text: string): number {
  if (text === 'all') return Infinity;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new CliError(`--groups must be an integer ≥ 1 or 'all', not '${text}'.`);
  return value;
}
