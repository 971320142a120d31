import type { TensorMeta, ValueMeta } from '../../protocol/runtime';
import { ownValue } from '../../core/records';

/**
 * Differences between the declared inputs or outputs of two models, one sentence each: names, element
 * types, shapes. Two symbolic dims match whatever their names ('N' and 'batch' both mean "any"); a
 * symbolic dim and a fixed one do not.
 */
export function declaredDifferences(
  kind: 'input' | 'output',
  original: readonly ValueMeta[],
  pruned: readonly ValueMeta[],
): string[] {
  const differences: string[] = [];
  const byName = new Map(pruned.map((v) => [v.name, v]));
  for (const a of original) {
    const b = byName.get(a.name);
    if (!b) {
      differences.push(`${kind} '${a.name}' is missing from the pruned model`);
      continue;
    }
    if (a.type !== b.type) differences.push(`${kind} '${a.name}': element type ${a.type} became ${b.type}`);
    if (!sameShape(a.shape, b.shape))
      differences.push(`${kind} '${a.name}': shape ${formatShape(a.shape)} became ${formatShape(b.shape)}`);
  }
  const names = new Set(original.map((v) => v.name));
  for (const b of pruned)
    if (!names.has(b.name)) differences.push(`the pruned model has an extra ${kind} '${b.name}'`);
  return differences;
}

/** Differences between the outputs two models actually produced on the same inputs (their run shapes). */
export function producedDifferences(
  original: Readonly<Record<string, TensorMeta>>,
  pruned: Readonly<Record<string, TensorMeta>>,
): string[] {
  const differences: string[] = [];
  for (const [name, a] of Object.entries(original)) {
    const b = ownValue(pruned, name);
    if (!b) continue; // reported by declaredDifferences
    if (a.dims.join(',') !== b.dims.join(','))
      differences.push(`output '${name}' came out ${formatShape(b.dims)} instead of ${formatShape(a.dims)}`);
    else if (a.type !== b.type) differences.push(`output '${name}' came out ${b.type} instead of ${a.type}`);
  }
  return differences;
}

function sameShape(a: readonly (number | string)[], b: readonly (number | string)[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((d, i) => {
    const e = b[i];
    const symbolicA = typeof d !== 'number' || d < 0;
    const symbolicB = typeof e !== 'number' || e < 0;
    return symbolicA || symbolicB ? symbolicA && symbolicB : d === e;
  });
}

function formatShape(shape: readonly (number | string)[]): string {
  return `[${shape.join(', ')}]`;
}
