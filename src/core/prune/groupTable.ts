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
    const start = new Int32Array(classes + 1);
    let pairs = 0;
    for (const space of this.spaces) {
      for (const cls of analysis.index.classesOf(space)) start[cls + 1]++;
      pairs += space.size;
    }
    for (let cls = 0; cls < classes; cls++) start[cls + 1] += start[cls];
    const fill = start.slice(0, classes);
    const entrySpace = new Int32Array(pairs);
    const entryCount = new Int32Array(pairs);
    this.spaces.forEach((space, s) => {
      for (const cls of analysis.index.classesOf(space)) {
        const at = fill[cls];
        if (at > start[cls] && entrySpace[at - 1] === s) entryCount[at - 1]++;
        else {
          entrySpace[at] = s;
          entryCount[at] = 1;
          fill[cls]++;
        }
      }
    });
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
    const seen = new Set<number>();
    for (const root of group.roots)
      for (const cls of this.analysis.index.classesOf(this.rootSpace(root))) seen.add(cls);
    return [...seen];
  }
}
