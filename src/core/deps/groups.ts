import type { ChannelGroup, GroupMember, PixelShuffleInfo, RootLayer } from '../analyze/types';
import type { ChannelSpace } from './channelSpace';
import type { ChannelState, SpaceMember } from './state';
import { UnionFind } from './unionFind';

export interface GroupIndex {
  groups: ChannelGroup[];
  roots: Map<string, RootLayer>;
  /** The groups a space's channels belong to (a Concat output can feed several). */
  groupsOf(space: ChannelSpace): ChannelGroup[];
  /** Class (union-find root) of every channel of a space. */
  classesOf(space: ChannelSpace): Int32Array;
  /**
   * Class of every slot: a space's channels are slots `base … base+size−1`. For loops over many spaces, which
   * a view per space (classesOf) would make garbage of.
   */
  readonly classOfSlot: Int32Array;
}

/**
 * Turns coupled channels into groups (DepGraph): two roots are in one group when some class of coupled
 * channels holds channels of both. Members, pixel shuffles and locks attach to the groups of the classes
 * their space's channels are in, so a Concat output can serve several groups precisely.
 */
export function buildGroups(state: ChannelState): GroupIndex {
  // The work per slot, per root and per member is in small functions of its own (docs/performance.md).
  const slots = state.slots;
  // Class (union-find root) of every slot, found once; a space's classes are a view of it.
  const classOfSlot = slots.classes();
  const roots = state.roots;
  const rootUnion = new UnionFind();
  rootUnion.add(roots.length);
  const owner = new Int32Array(slots.length).fill(-1); // class → first root holding it
  for (let i = 0; i < roots.length; i++) claimClasses(roots[i].space, i, classOfSlot, owner, rootUnion);
  // Groups in graph order of their first root. Components are numbered as first met, in arrays indexed by
  // root: the per-class pass below looks a root's group up for every class.
  const componentOf = new Int32Array(roots.length).fill(-1); // union-find root → component
  const components: number[][] = [];
  for (let i = 0; i < roots.length; i++) {
    const c = rootUnion.find(i);
    if (componentOf[c] < 0) {
      componentOf[c] = components.length;
      components.push([i]);
    } else components[componentOf[c]].push(i);
  }
  const firstIndex = (component: number[]) => roots[component[0]].node.index;
  // Roots come in graph order but for an unsorted graph: sort only then.
  if (!components.every((c, k) => k === 0 || firstIndex(components[k - 1]) <= firstIndex(c)))
    components.sort((a, b) => firstIndex(a) - firstIndex(b));
  const groupOfRoot = new Int32Array(roots.length);
  const groups = components.map((members, g) => {
    for (let k = 0; k < members.length; k++) groupOfRoot[members[k]] = g;
    const first = roots[members[0]];
    return new Group(
      `G${g + 1}`,
      members.map((i) => roots[i].node.name),
      first.space.size,
    );
  });
  const classGroup = groupOfClasses(owner, groupOfRoot);
  const index = new Index(groups, state.spaceList, classOfSlot, classGroup);
  addMembers(state.members, index);
  for (const lock of state.locks) {
    for (const group of index.groupsOf(lock.space)) {
      if (group.locked === null) group.locked = lock.reason;
      group.prunable = false;
    }
  }
  for (const shuffle of state.shuffles) {
    for (const group of index.groupsOf(shuffle.input)) addShuffle(group, shuffle.info);
  }

  const rootLayers = new Map<string, Root>();
  const counts = new Int32Array(slots.length); // scratch: channels of a root per class
  for (let i = 0; i < roots.length; i++) {
    const { node, space } = roots[i];
    const group = groups[groupOfRoot[i]];
    const unit = unitOf(classOfSlot, space, counts);
    const layer = new Root(node.name, node.opType, group.id, space.size, unit, group.locked);
    layer.attach(group, classOfSlot, space.base);
    rootLayers.set(node.name, layer);
  }
  for (const group of groups) {
    group.unit = rootLayers.get(group.roots[0])!.unit;
    if (group.channels <= group.unit && group.locked === null) {
      group.locked = `it has only ${group.channels} channel${group.channels === 1 ? '' : 's'} in units of ${group.unit}: removing any would remove all`;
      group.prunable = false;
    }
  }
  for (const layer of rootLayers.values()) layer.followGroup();
  index.roots = rootLayers;
  return index;
}

/**
 * A group as the analysis builds it. Its members for the report (`members`, GroupMember) are made from the
 * members it found when first read: the pruner reads the found ones (and the state's), and a large graph's
 * tens of thousands of report copies were a tenth of its analysis' objects. Serialised like a plain object.
 */
class Group implements ChannelGroup {
  unit = 1;
  prunable = true;
  locked: string | null = null;
  pixelShuffle: PixelShuffleInfo[] = [];
  /** The members found, each place once (see isNewMember), in the order found. */
  readonly found: SpaceMember[] = [];
  #members: GroupMember[] | undefined;

  constructor(
    readonly id: string,
    readonly roots: string[],
    readonly channels: number,
  ) {}

  get members(): GroupMember[] {
    return (this.#members ??= this.found.map(toMember));
  }

  toJSON(): ChannelGroup {
    const { id, roots, channels, unit, prunable, locked, members, pixelShuffle } = this;
    return { id, roots, channels, unit, prunable, locked, members, pixelShuffle };
  }
}

/** The groups, and which groups and classes a space's channels are in (a class: docs/performance.md). */
class Index implements GroupIndex {
  roots = new Map<string, RootLayer>();
  /** By space id: looked up for every member, lock and finding. */
  readonly #cache: (Group[] | undefined)[];

  constructor(
    readonly groups: Group[],
    private readonly spaces: readonly ChannelSpace[],
    readonly classOfSlot: Int32Array,
    private readonly classGroup: Int32Array,
  ) {
    this.#cache = new Array<Group[] | undefined>(spaces.length);
  }

  classesOf(space: ChannelSpace): Int32Array {
    return this.classOfSlot.subarray(space.base, space.base + space.size);
  }

  groupsOf(space: ChannelSpace): Group[] {
    const own = this.spaces[space.id] === space;
    let found = own ? this.#cache[space.id] : undefined;
    if (!found) {
      found = this.find(space);
      if (own) this.#cache[space.id] = found;
    }
    return found;
  }

  private find(space: ChannelSpace): Group[] {
    let first = -1;
    let ids: Set<number> | undefined;
    for (let slot = space.base; slot < space.base + space.size; slot++) {
      const g = this.classGroup[this.classOfSlot[slot]];
      if (g < 0 || g === first) continue;
      if (first < 0) first = g;
      else (ids ??= new Set([first])).add(g);
    }
    if (ids) return [...ids].sort((a, b) => a - b).map((g) => this.groups[g]);
    return first >= 0 ? [this.groups[first]] : [];
  }
}

/** Records the root as the owner of its channels' classes, or joins it with the root that owns one already. */
function claimClasses(
  space: ChannelSpace,
  root: number,
  classOfSlot: Int32Array,
  owner: Int32Array,
  rootUnion: UnionFind,
): void {
  const end = space.base + space.size;
  for (let slot = space.base; slot < end; slot++) {
    const cls = classOfSlot[slot];
    const other = owner[cls];
    if (other < 0) owner[cls] = root;
    else rootUnion.union(root, other);
  }
}

/** The group of every class (−1 for a class no root holds), from the root that owns it. */
function groupOfClasses(owner: Int32Array, groupOfRoot: Int32Array): Int32Array {
  const classGroup = new Int32Array(owner.length).fill(-1);
  for (let cls = 0; cls < owner.length; cls++) if (owner[cls] >= 0) classGroup[cls] = groupOfRoot[owner[cls]];
  return classGroup;
}

/** What tells two members apart: the tensor, on its axis, as a node uses it. */
type MemberPlace = Pick<GroupMember, 'node' | 'tensor' | 'axis'>;

/** Each member joins the groups of its space, once per group (by node, tensor and axis). */
function addMembers(members: readonly SpaceMember[], index: Index): void {
  const placesOf = new Map<Group, Map<string, MemberPlace[]>>(); // only for groups with many members
  for (let m = 0; m < members.length; m++) {
    const member = members[m];
    const memberGroups = index.groupsOf(member.space);
    for (let g = 0; g < memberGroups.length; g++) {
      const group = memberGroups[g];
      if (isNewMember(group, member, placesOf)) group.found.push(member);
    }
  }
}

/**
 * The fewest of a root's channels that share a class: its channels go in units of that. `counts` is scratch,
 * indexed by class, all zeros before and after.
 */
function unitOf(classOfSlot: Int32Array, space: ChannelSpace, counts: Int32Array): number {
  const end = space.base + space.size;
  let unit = Infinity;
  for (let c = space.base; c < end; c++) counts[classOfSlot[c]]++;
  for (let c = space.base; c < end; c++) unit = Math.min(unit, counts[classOfSlot[c]]);
  for (let c = space.base; c < end; c++) counts[classOfSlot[c]] = 0;
  return unit;
}

/**
 * A root layer. Only plan checks and the pruner read its blocks, so they are worked out when first read (a
 * getter on the class: docs/performance.md).
 */
class Root implements RootLayer {
  #owner: ChannelGroup | undefined;
  #classOfSlot: Int32Array | undefined;
  #base = 0;
  #blocks: number[][] | undefined;

  constructor(
    public node: string,
    public op: string,
    public group: string,
    public channels: number,
    public unit: number,
    public locked: string | null,
  ) {}

  attach(owner: ChannelGroup, classOfSlot: Int32Array, base: number): void {
    this.#owner = owner;
    this.#classOfSlot = classOfSlot;
    this.#base = base;
  }

  /** Takes the group's final lock (a group too small to prune is locked after its roots are made). */
  followGroup(): void {
    this.locked = this.#owner!.locked;
  }

  get blocks(): number[][] {
    return (this.#blocks ??= blocksOf(this.#classOfSlot!.subarray(this.#base, this.#base + this.channels)));
  }

  /** Serialised with its blocks, like a plain object. */
  toJSON(): RootLayer {
    const { node, op, group, channels, unit, blocks, locked } = this;
    return { node, op, group, channels, unit, blocks, locked };
  }
}

/**
 * True unless the group has a member with this one's node, tensor and axis. A group has a handful of
 * members, compared one by one; past a few dozen, those of the same tensor (an index made on first need,
 * keyed by the tensor's name, which the model already holds), so a group that gathers thousands stays linear.
 */
function isNewMember(
  group: Group,
  member: MemberPlace,
  placesOf: Map<Group, Map<string, MemberPlace[]>>,
): boolean {
  const known = group.found;
  if (known.length <= 32) {
    for (let k = 0; k < known.length; k++) if (samePlace(known[k], member)) return false;
    return true;
  }
  let byTensor = placesOf.get(group);
  if (!byTensor) {
    byTensor = new Map();
    for (let k = 0; k < known.length; k++) addPlace(byTensor, known[k]);
    placesOf.set(group, byTensor);
  }
  const same = byTensor.get(member.tensor);
  if (same) for (let k = 0; k < same.length; k++) if (samePlace(same[k], member)) return false;
  addPlace(byTensor, member);
  return true;
}

function samePlace(a: MemberPlace, b: MemberPlace): boolean {
  return a.node === b.node && a.tensor === b.tensor && a.axis === b.axis;
}

function addPlace(byTensor: Map<string, MemberPlace[]>, place: MemberPlace): void {
  const list = byTensor.get(place.tensor);
  if (list) list.push(place);
  else byTensor.set(place.tensor, [place]);
}

/** The report's member: its `role` is the label for people (the wire name of design contract §5). */
function toMember(member: SpaceMember): GroupMember {
  const { node, tensor, axis, source, label: role } = member;
  return source && source !== 'initializer'
    ? { node, tensor, axis, source, role }
    : { node, tensor, axis, role };
}

function addShuffle(group: ChannelGroup, info: PixelShuffleInfo): void {
  if (!group.pixelShuffle.some((p) => p.node === info.node)) group.pixelShuffle.push(info);
}

/** Channel indices grouped by class, each list ascending, lists ordered by their first index. */
function blocksOf(classes: Int32Array): number[][] {
  const byClass = new Map<number, number[]>();
  classes.forEach((cls, c) => {
    const list = byClass.get(cls);
    if (list) list.push(c);
    else byClass.set(cls, [c]);
  });
  return [...byClass.values()];
}
