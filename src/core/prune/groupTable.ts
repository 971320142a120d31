import type { Analysis } from '../analyze/analyze';
import type { ChannelGroup } from '../analyze/types';
import type { ChannelSpace } from '../deps/channelSpace';
import type { SpaceMember } from '../deps/state';

/**
 * Per-group lookups the pruner needs again and again, built once: a model with thousands of groups would
 * otherwise scan every member and root for each group.
 */
export class GroupTable {
  private readonly members = new Map<ChannelGroup, SpaceMember[]>();
  private readonly roots = new Map<string, ChannelSpace>();
  /**
   * For every class: the spaces holding its channels, and how many of each, as flat arrays (entries
   * classStart[cls] … classStart[cls+1]−1 of entrySpace/entryCount; spaces by index into `spaces`). A Map of
   * Maps was one small Map per class: tens of thousands on a large graph, all garbage after the prune.
   */
  private readonly spaces: ChannelSpace[];
  private readonly classStart: Int32Array;
  private readonly classEnd: Int32Array;
  private readonly entrySpace: Int32Array;
  private readonly entryCount: Int32Array;
  /** Zeroed arrays by class, made on first use; unitsOf and withPositions each leave theirs zeroed. */
  private marks: Int32Array | undefined;
  private positions: Int32Array | undefined;
  private positionsInUse = false;

  constructor(readonly analysis: Analysis) {
    for (const member of analysis.state.members) {
      if (member.axis < 0) continue;
      for (const group of analysis.index.groupsOf(member.space)) {
        const list = this.members.get(group);
        if (list) list.push(member);
        else this.members.set(group, [member]);
      }
    }
    for (const root of analysis.state.roots) this.roots.set(root.node.name, root.space);
    this.spaces = analysis.state.distinctSpaces();
    // Counting sort of (class, space) pairs by class; a space's channels of one class are merged into a count.
    const classes = analysis.state.slots.length;
    const classOfSlot = analysis.index.classOfSlot;
    const start = new Int32Array(classes + 1);
    let pairs = 0;
    for (let s = 0; s < this.spaces.length; s++) {
      const { base, size } = this.spaces[s];
      for (let slot = base; slot < base + size; slot++) start[classOfSlot[slot] + 1]++;
      pairs += size;
    }
    for (let cls = 0; cls < classes; cls++) start[cls + 1] += start[cls];
    const fill = start.slice(0, classes);
    const entrySpace = new Int32Array(pairs);
    const entryCount = new Int32Array(pairs);
    for (let s = 0; s < this.spaces.length; s++) {
      const { base, size } = this.spaces[s];
      for (let slot = base; slot < base + size; slot++) {
        const cls = classOfSlot[slot];
        const at = fill[cls];
        if (at > start[cls] && entrySpace[at - 1] === s) entryCount[at - 1]++;
        else {
          entrySpace[at] = s;
          entryCount[at] = 1;
          fill[cls]++;
        }
      }
    }
    // Merged entries leave unused room at the end of a class's range: `fill` marks where each really ends.
    this.classStart = start;
    this.classEnd = fill;
    this.entrySpace = entrySpace;
    this.entryCount = entryCount;
  }

  /**
   * Picks units in the given order, skipping any whose removal would leave some value with no channels at all
   * (a Split branch, a Slice, a Concat input emptied): such a graph would be degenerate. Returns at most `k`.
   */
  pickKeepingEveryValue(order: number[], k: number): number[] {
    const picker = this.picker();
    const chosen: number[] = [];
    for (const unit of order) {
      if (chosen.length === k) break;
      if (picker.tryRemove(unit)) chosen.push(unit);
    }
    return chosen;
  }

  /** Removes units one at a time while every value keeps at least one channel. */
  picker(): { tryRemove(unit: number): boolean } {
    const left = new Map<number, number>(); // space index → channels left (only spaces touched so far)
    const { spaces, classStart, classEnd, entrySpace, entryCount } = this;
    return {
      tryRemove: (unit: number) => {
        if (unit < 0 || unit >= classEnd.length) return true;
        const from = classStart[unit];
        const to = classEnd[unit];
        for (let e = from; e < to; e++) {
          const s = entrySpace[e];
          if ((left.get(s) ?? spaces[s].size) - entryCount[e] <= 0) return false;
        }
        for (let e = from; e < to; e++) {
          const s = entrySpace[e];
          left.set(s, (left.get(s) ?? spaces[s].size) - entryCount[e]);
        }
        return true;
      },
    };
  }

  /** Members sliced along an axis (tensors, not attributes or shape constants). */
  membersOf(group: ChannelGroup): readonly SpaceMember[] {
    return this.members.get(group) ?? [];
  }

  /** The output space of a root node. */
  rootSpace(node: string): ChannelSpace {
    const space = this.roots.get(node);
    if (!space) throw new Error(`internal: no root named ${node}`);
    return space;
  }

  /** The group's units: every class of coupled channels that holds channels of one of its roots. */
  unitsOf(group: ChannelGroup): number[] {
    const mark = (this.marks ??= new Int32Array(this.classEnd.length));
    const units: number[] = [];
    const classOfSlot = this.analysis.index.classOfSlot;
    for (let r = 0; r < group.roots.length; r++) {
      const { base, size } = this.rootSpace(group.roots[r]);
      for (let slot = base; slot < base + size; slot++) {
        const cls = classOfSlot[slot];
        if (mark[cls] !== 0) continue;
        mark[cls] = 1;
        units.push(cls);
      }
    }
    for (const cls of units) mark[cls] = 0;
    return units;
  }

  /**
   * Calls `use` with the position of each of `units` by class (1 + its index in `units`; 0 for any other
   * class), then clears it. One array for every group: a Map or a Set per group (thousands of them, each
   * rehashed as it grew) was most of what scoring allocated.
   */
  withPositions<T>(units: readonly number[], use: (position: Int32Array) => T): T {
    const position = (this.positions ??= new Int32Array(this.classEnd.length));
    if (this.positionsInUse) throw new Error('internal: unit positions asked for while in use');
    this.positionsInUse = true;
    for (let i = 0; i < units.length; i++) position[units[i]] = i + 1;
    try {
      return use(position);
    } finally {
      for (const cls of units) position[cls] = 0;
      this.positionsInUse = false;
    }
  }
}
