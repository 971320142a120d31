import { readFileSync } from 'node:fs';
import { type Allocation, type SensitivityPoint, allocateBySensitivity } from '../../core/plan/allocate';
import { describeFsError } from '../../core/onnx/fileSource';
import { CRITERIA, type Criterion } from '../../core/prune/importance';
import type { PruneSettings } from '../../core/prune/select';
import { CliError } from '../exit';

/**
 * Prune settings from a `sensitivity --json` file and a MACs target: per-layer ratios chosen by
 * allocateBySensitivity (more from the layers that hurt the outputs least), everything else left alone.
 * The file is checked as hostile input: every field it is read for, with one sentence naming it.
 */
export function settingsFromSensitivity(
  path: string,
  targetMacs: number,
): { settings: PruneSettings; allocation: Allocation } {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CliError(
      `${path}: ${error instanceof SyntaxError ? `not JSON (${error.message})` : describeFsError(error)}.`,
    );
  }
  const report = data as { rows?: unknown; criterion?: unknown; seed?: unknown };
  const rows = report?.rows;
  const valid =
    Array.isArray(rows) &&
    rows.every(
      (r: SensitivityPoint) =>
        r &&
        Array.isArray(r.roots) &&
        typeof r.roots[0] === 'string' &&
        typeof r.ratio === 'number' &&
        r.ratio > 0 &&
        r.ratio < 1 &&
        typeof r.macs === 'number' &&
        Number.isFinite(r.macs) &&
        Array.isArray(r.outputs) &&
        r.outputs.every(
          (o) =>
            o &&
            typeof o.cosine === 'number' &&
            (o.psnr === undefined || typeof o.psnr === 'number') &&
            (o.nonFinite === undefined || isNonFiniteCount(o.nonFinite)),
        ),
    );
  if (!valid)
    throw new CliError(
      `${path} is not the JSON of onnx-pruner sensitivity --json (rows are missing or malformed).`,
    );
  const criterion = (CRITERIA as readonly unknown[]).includes(report.criterion)
    ? (report.criterion as Criterion)
    : 'l1';
  const seed = Number.isInteger(report.seed) ? (report.seed as number) : 0;
  const allocation = allocateBySensitivity(rows as SensitivityPoint[], targetMacs);
  const layers = Object.fromEntries(
    Object.entries(allocation.ratios).map(([root, ratio]) => [root, { ratio }]),
  );
  return { settings: { ratio: 0, criterion, roundTo: 1, seed, layers }, allocation };
}

/** What a row's `nonFinite` must be: counts of elements, each a whole number. */
function isNonFiniteCount(n: unknown): boolean {
  const fields = ['elements', 'finite', 'original', 'compared', 'mismatched'] as const;
  return (
    typeof n === 'object' &&
    n !== null &&
    fields.every((f) => Number.isSafeInteger((n as Record<string, unknown>)[f]))
  );
}
