import type { SpaceMember } from '../deps/state';
import { NameIndex } from '../onnx/nameIndex';
import type { AxisRemovals } from './slice';

/**
 * Per weight source (initializer, Constant node…) and tensor name: the indices to remove on each axis (see
 * AxisRemovals). Keyed by the names themselves, not by a string made of both: a made string is hashed anew at
 * each lookup, and a prune looks up every initializer of the model.
 */
export class Removals {
  /**
   * Tensors by name within each source: NameIndexes with room for a tensor per member of the source (a prune
   * of a large graph slices tens of thousands of weights, and a Map rehashes all it holds each time it doubles).
   */
  private readonly bySource = new Map<string, NameIndex<(readonly number[] | undefined)[]>>();

  constructor(private readonly members: readonly SpaceMember[]) {}

  /** `indices`: ascending and distinct; kept as they are (not copied) unless the axis already has some. */
  add(source: string, tensor: string, axis: number, indices: readonly number[]): void {
    let tensors = this.bySource.get(source);
    if (!tensors) this.bySource.set(source, (tensors = new NameIndex(this.membersOf(source))));
    let axes = tensors.get(tensor);
    if (!axes) tensors.set(tensor, (axes = []));
    const known = axes[axis];
    axes[axis] = known === undefined ? indices : sortedUnion(known, indices);
  }

  get(source: string, tensor: string): AxisRemovals | undefined {
    return this.bySource.get(source)?.get(tensor);
  }

  private membersOf(source: string): number {
    let count = 0;
    for (let m = 0; m < this.members.length; m++) {
      const member = this.members[m];
      if (member.axis >= 0 && memberSource(member) === source) count++;
    }
    return count;
  }

  /** The names of every tensor that loses indices. */
  tensors(): string[] {
    const names: string[] = [];
    for (const tensors of this.bySource.values()) tensors.forEach((_, name) => names.push(name));
    return names;
  }
}

/** Where a member's tensor is kept (a member that names none is an initializer). */
export function memberSource(member: SpaceMember): string {
  return member.source ?? 'initializer';
}

/** The union of two ascending lists of distinct indices, ascending and distinct. */
function sortedUnion(a: readonly number[], b: readonly number[]): readonly number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const next = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i++] : b[j++];
    if (out.length === 0 || out[out.length - 1] !== next) out.push(next);
  }
  return out;
}
