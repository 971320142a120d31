import type { ChannelGroup, GroupMember, PixelShuffleInfo, RootLayer } from '../analyze/types';
import type { ChannelSpace } from './channelSpace';
import type { ChannelState } from './state';
import { UnionFind } from './unionFind';

export interface GroupIndex {
  groups: ChannelGroup[];
  roots: Map<string, RootLayer>;
  /** The groups a space's channels belong to (a Concat output can feed several). */
  groupsOf(space: ChannelSpace): ChannelGroup[];
  /** Class (union-find root) of every channel of a space. */
  classesOf(space: ChannelSpace): number[];
}

/**
 * Turns coupled channels into groups (DepGraph): two roots are in one group when some class of coupled
 * channels holds channels of both. Members, pixel shuffles and locks attach to the groups of the classes
 * their space's channels are in, so a Concat output can serve several groups precisely.
 */
export function buildGroups(state: ChannelState): GroupIndex {
  const slots = state.slots;
  const classesOf = (space: ChannelSpace) =>
    Array.from({ length: space.size }, (_, c) => slots.find(space.base + c));
  const roots = state.roots;
  const rootUnion = new UnionFind();
  rootUnion.add(roots.length);
  const owner = new Map<number, number>();
  roots.forEach((root, i) => {
    for (const cls of classesOf(root.space)) {
      const other = owner.get(cls);
      if (other === undefined) owner.set(cls, i);
      else rootUnion.union(i, other);
    }
  });
  // Groups in graph order of their first root.
  const byComponent = new Map<number, number[]>();
  roots.forEach((_, i) => {
    const c = rootUnion.find(i);
    const list = byComponent.get(c);
    if (list) list.push(i);
    else byComponent.set(c, [i]);
  });
  const components = [...byComponent.values()].sort(
    (a, b) => roots[a[0]].node.index - roots[b[0]].node.index,
  );
  const groupOfRoot = new Map<number, number>();
  const groups: ChannelGroup[] = components.map((members, g) => {
    members.forEach((i) => groupOfRoot.set(i, g));
    const first = roots[members[0]];
    return {
      id: `G${g + 1}`,
      roots: members.map((i) => roots[i].node.name),
      channels: first.space.size,
      unit: 1,
      prunable: true,
      locked: null,
      members: [],
      pixelShuffle: [],
    };
  });
  const classGroup = new Map<number, number>();
  for (const [cls, i] of owner) classGroup.set(cls, groupOfRoot.get(i)!);
  const cache = new Map<ChannelSpace, ChannelGroup[]>();
  const groupsOf = (space: ChannelSpace): ChannelGroup[] => {
    let found = cache.get(space);
    if (!found) {
      const ids = new Set<number>();
      for (const cls of classesOf(space)) {
        const g = classGroup.get(cls);
        if (g !== undefined) ids.add(g);
      }
      found = [...ids].sort((a, b) => a - b).map((g) => groups[g]);
      cache.set(space, found);
    }
    return found;
  };

  const memberKeys = new Map<ChannelGroup, Set<string>>();
  for (const member of state.members) {
    for (const group of groupsOf(member.space)) {
      const keys = memberKeys.get(group) ?? new Set();
      memberKeys.set(group, keys);
      const key = `${member.node}\0${member.tensor}\0${member.axis}`;
      if (keys.has(key)) continue;
      keys.add(key);
      group.members.push(toMember(member));
    }
  }
  for (const lock of state.locks) {
    for (const group of groupsOf(lock.space)) {
      if (group.locked === null) group.locked = lock.reason;
      group.prunable = false;
    }
  }
  for (const shuffle of state.shuffles) {
    for (const group of groupsOf(shuffle.input)) addShuffle(group, shuffle.info);
  }

  const rootLayers = new Map<string, RootLayer>();
  roots.forEach((root, i) => {
    const group = groups[groupOfRoot.get(i)!];
    const blocks = blocksOf(classesOf(root.space));
    rootLayers.set(root.node.name, {
      node: root.node.name,
      op: root.node.opType,
      group: group.id,
      channels: root.space.size,
      unit: Math.min(...blocks.map((b) => b.length)),
      blocks,
      locked: group.locked,
    });
  });
  for (const group of groups) {
    group.unit = rootLayers.get(group.roots[0])!.unit;
    if (group.channels <= group.unit && group.locked === null) {
      group.locked = `it has only ${group.channels} channel${group.channels === 1 ? '' : 's'} in units of ${group.unit}: removing any would remove all`;
      group.prunable = false;
    }
  }
  for (const layer of rootLayers.values()) layer.locked = groups.find((g) => g.id === layer.group)!.locked;
  return { groups, roots: rootLayers, groupsOf, classesOf };
}

function toMember(member: GroupMember): GroupMember {
  const { node, tensor, axis, source, role } = member;
  return source && source !== 'initializer'
    ? { node, tensor, axis, source, role }
    : { node, tensor, axis, role };
}

function addShuffle(group: ChannelGroup, info: PixelShuffleInfo): void {
  if (!group.pixelShuffle.some((p) => p.node === info.node)) group.pixelShuffle.push(info);
}

/** Channel indices grouped by class, each list ascending, lists ordered by their first index. */
function blocksOf(classes: number[]): number[][] {
  const byClass = new Map<number, number[]>();
  classes.forEach((cls, c) => {
    const list = byClass.get(cls);
    if (list) list.push(c);
    else byClass.set(cls, [c]);
  });
  return [...byClass.values()];
}
