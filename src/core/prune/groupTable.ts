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
  /** For every class: the spaces holding its channels, and how many of each. */
  private readonly spacesOfClass = new Map<number, Map<ChannelSpace, number>>();

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
    for (const space of new Set(analysis.state.spaces.values())) {
      for (const cls of analysis.index.classesOf(space)) {
        let spaces = this.spacesOfClass.get(cls);
        if (!spaces) this.spacesOfClass.set(cls, (spaces = new Map()));
        spaces.set(space, (spaces.get(space) ?? 0) + 1);
      }
    }
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
    const left = new Map<ChannelSpace, number>();
    return {
      tryRemove: (unit: number) => {
        const spaces = this.spacesOfClass.get(unit);
        if (!spaces) return true;
        for (const [space, n] of spaces) if ((left.get(space) ?? space.size) - n <= 0) return false;
        for (const [space, n] of spaces) left.set(space, (left.get(space) ?? space.size) - n);
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
