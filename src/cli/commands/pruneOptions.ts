// The prune and plan commands' settings: the command-line flags (and a plan file's layers) read and checked into
// the settings a prune takes.
import { readFileSync } from 'node:fs';
import { describeFsError } from '../../core/onnx/fileSource';
import { CRITERIA, type Criterion } from '../../core/prune/importance';
import type { LayerSetting } from '../../core/prune/amounts';
import type { PruneSettings } from '../../core/prune/select';
import { parsePlan, settingsOfPlan } from '../../core/plan';
import { recordOf } from '../../core/records';
import { withMachineAlignment } from '../../runtime/channelBlock';
import { CliError } from '../exit';
import type { CalibCliOptions } from './calibOptions';

export interface PruneCliOptions extends CalibCliOptions {
  output: string;
  /** Refit the consumers of removed channels by least squares on the calibration inputs. */
  reconstruct?: boolean;
  /** Calibration inputs held out of the fit (the last by name). */
  holdout?: string;
  verify?: boolean;
  report?: string;
  reportMd?: string;
  json?: boolean;
  ratio?: string;
  plan?: string;
  criterion?: string;
  roundTo?: string;
  align?: string;
  seed?: string;
  exclude?: string;
  global?: boolean;
  targetMacs?: string;
  targetLatency?: string;
  reduce?: string;
  timeout?: string;
  /** Time each group's layers at candidate widths and keep only counts no larger count beats (false: never). */
  latencyTable?: boolean;
  /** Where latency lookup tables are cached (default: $XDG_CACHE_HOME/onnx-pruner or ~/.cache/onnx-pruner). */
  cacheDir?: string;
}

/** Settings from the command line, or from a plan file (its layers, with command-line flags on top). */
export function pruneSettings(options: Omit<PruneCliOptions, 'output'>): PruneSettings {
  const sources = [options.ratio, options.plan, options.targetMacs, options.targetLatency].filter(
    (v) => v !== undefined,
  ).length;
  if (sources > 1) throw new CliError('give one of --ratio, --target-macs, --target-latency or --plan.');
  if (sources === 0)
    throw new CliError('give --ratio R, --target-macs F, --target-latency F or --plan PLAN.');
  const settings: PruneSettings = { ratio: 0, criterion: 'l1', roundTo: 1, seed: 0, layers: {} };
  if (options.plan !== undefined) Object.assign(settings, settingsFromPlan(options.plan));
  if (options.ratio !== undefined) settings.ratio = number('--ratio', options.ratio, 0, 0.999999);
  if (options.criterion !== undefined) settings.criterion = criterion(options.criterion);
  if (options.roundTo !== undefined) settings.roundTo = integer('--round-to', options.roundTo, 1);
  if (options.seed !== undefined) settings.seed = integer('--seed', options.seed, 0);
  if (options.global) settings.global = true;
  if (options.targetMacs !== undefined)
    settings.targetMacs = number('--target-macs', options.targetMacs, 0.01, 1);
  if (options.targetLatency !== undefined)
    settings.targetLatency = number('--target-latency', options.targetLatency, 0.05, 1);
  if (options.reduce !== undefined) {
    if (!['mean', 'sum', 'max'].includes(options.reduce))
      throw new CliError(`unknown --reduce '${options.reduce}': use mean, sum or max.`);
    settings.reduce = options.reduce as PruneSettings['reduce'];
  }
  if (options.align !== undefined) {
    const block = integer('--align', options.align, 1);
    settings.alignment = {
      block,
      reason: block > 1 ? `--align ${block} was given` : 'kept channel counts are not aligned (--align 1)',
    };
  }
  if (options.exclude) {
    const excluded = options.exclude
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((name): [string, LayerSetting] => [name, { exclude: true }]);
    // Own properties, whatever the layer is named (`__proto__` too).
    settings.layers = recordOf([...Object.entries(settings.layers), ...excluded]);
  }
  // A --round-to of one's own means counts chosen by hand: no alignment is added to them.
  return options.roundTo === undefined ? withMachineAlignment(settings) : settings;
}

function settingsFromPlan(path: string): Partial<PruneSettings> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`${path}: ${describeFsError(error)}`);
  }
  const doc = parsePlan(text);
  const errors = doc.diagnostics.filter((d) => d.severity === 'error');
  if (!doc.plan || errors.length > 0) {
    const first = errors[0];
    const where = first?.range ? `:${first.range.start.line + 1}:${first.range.start.character + 1}` : '';
    throw new CliError(
      `${path}${where}: ${first?.message ?? 'the plan could not be read'} (run onnx-pruner analyze MODEL --plan ${path} for every finding).`,
    );
  }
  return settingsOfPlan(doc.plan);
}

function criterion(value: string): Criterion {
  if (!(CRITERIA as readonly string[]).includes(value))
    throw new CliError(`unknown criterion '${value}': use ${CRITERIA.join(', ')}.`);
  return value as Criterion;
}

export function holdout(options: PruneCliOptions): number | undefined {
  return options.holdout === undefined ? undefined : integer('--holdout', options.holdout, 0);
}

export function number(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max)
    throw new CliError(
      `${flag} must be a number in [${min}, ${max === 0.999999 ? '1)' : `${max}]`}, not '${text}'.`,
    );
  return value;
}

function integer(flag: string, text: string, min: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min)
    throw new CliError(`${flag} must be an integer ≥ ${min}, not '${text}'.`);
  return value;
}
