import type { DiagnosticCode } from '../analyze/codes';
import type { GroupMember, PixelShuffleInfo } from '../analyze/types';
import type { Facts, ValueFacts } from '../graph/facts';
import type { ModelFile } from '../onnx/modelFile';
import type { Dim, GraphView, NodeView } from '../onnx/modelView';
import { type ChannelSpace, IDENTITY, type IndexMap } from './channelSpace';
import type { MemberKind } from './memberKinds';
import { UnionFind } from './unionFind';
import { OnnxError } from '../onnx/errors';

/**
 * A tensor, attribute or shape constant that changes when the group loses channels: `kind` says what it is for
 * (what the prune does with it), `label` says it for people and is never branched on.
 */
export interface Member extends Omit<GroupMember, 'role'> {
  readonly kind: MemberKind;
  readonly label: string;
}

/** A tensor slice attached to a space: when the space loses channel c, the tensor loses mappedIndices(map, c). */
export interface SpaceMember extends Member {
  readonly space: ChannelSpace;
  readonly map: IndexMap;
  /**
   * For shape constants (a Reshape target): which element holds the channel count, and how it follows the
   * space's size: value = size × numerator / denominator.
   */
  readonly dim?: ShapeDim;
}

/** A member as a rule gives it: with the tensor's dims when it has them. */
export interface MemberInput extends Member {
  readonly dims?: Dim[];
}

export interface ShapeDim {
  /** The node input that holds the shape (a Reshape's 1, a Resize's sizes 3, a ConstantOfShape's 0). */
  readonly input: number;
  readonly index: number;
  readonly numerator: number;
  readonly denominator: number;
}

export interface Lock {
  readonly space: ChannelSpace;
  readonly reason: string;
}

/** A finding raised while walking the graph, before groups exist; the space ties it to a group. */
export interface RawFinding {
  /** Its severity is the catalogue's (CODES), given when the finding becomes a Diagnostic. */
  code: DiagnosticCode;
  message: string;
  node: string;
  space?: ChannelSpace;
  fixes?: { id: string; title: string; kind: 'model' | 'plan' }[];
  /** The graph itself is broken (two nodes of one name…): said even where no prunable layer is reached. */
  brokenGraph?: true;
}

export interface ShuffleRecord {
  info: PixelShuffleInfo;
  input: ChannelSpace;
  output: ChannelSpace;
}

/** More channels than any layer has (a real model's widest is some thousands): a broken or hostile shape. */
const MAX_CHANNELS = 1 << 20;
/** All channel spaces together: the analysis keeps a few integers per channel. */
const MAX_TOTAL_CHANNELS = 1 << 24;

/**
 * Channel counts come from shapes the file declares or that follow from its attributes; a negative or absurd
 * one would size the analysis' arrays, so it is refused with the value it sits on.
 */
function checkChannelCount(file: string, value: string, size: number, total: number): void {
  if (!Number.isSafeInteger(size) || size < 0)
    throw refuse(file, value, `has an invalid channel count (${size})`);
  if (size > MAX_CHANNELS)
    throw refuse(file, value, `has ${size} channels, more than the ${MAX_CHANNELS} this tool handles`);
  if (total + size > MAX_TOTAL_CHANNELS)
    throw refuse(file, value, `brings the model's channels past the ${MAX_TOTAL_CHANNELS} this tool handles`);
}

/** The error for a refused channel count (a plain function: docs/performance.md). */
function refuse(file: string, value: string, why: string): OnnxError {
  return new OnnxError('too-large', `${file}: value '${value}' ${why}.`, file);
}

/**
 * Everything the channel rules build while walking a graph: the spaces of values, the union-find of their
 * channels, the tensors to slice, the roots, the locks, the pixel shuffles and raw findings.
 */
export class ChannelState {
  readonly slots = new UnionFind();
  /** The spaces of the values nodes produce, by value slot (GraphView.valueSlot)… */
  private readonly bySlot: (ChannelSpace | undefined)[];
  /** …and of the others (graph inputs), by name. */
  private readonly byName = new Map<string, ChannelSpace>();
  /**
   * Each value given a space and the space, in the order given: what `spaces` is made of. The first
   * `givenCount` places; the lists start with room for a space per value slot (filling a list made at its
   * size costs a fraction of pushing tens of thousands of elements), and grow past it if need be.
   */
  private readonly given: string[];
  private readonly givenSpaces: ChannelSpace[];
  /** The value slot of each `given` value (−1 for one kept by name). */
  private readonly givenSlots: number[];
  private givenCount = 0;
  private spaceMap: Map<string, ChannelSpace> | undefined;
  readonly spaceList: ChannelSpace[] = [];
  readonly members: SpaceMember[] = [];
  readonly roots: { node: NodeView; space: ChannelSpace }[] = [];
  readonly locks: Lock[] = [];
  readonly shuffles: ShuffleRecord[] = [];
  readonly findings: RawFinding[] = [];
  /** Spaces of graph outputs. */
  readonly outputs: ChannelSpace[] = [];

  constructor(
    readonly graph: GraphView,
    readonly file: ModelFile,
    readonly facts: Facts,
  ) {
    this.bySlot = new Array<ChannelSpace | undefined>(graph.valueSlots).fill(undefined);
    this.given = new Array<string>(graph.valueSlots);
    this.givenSpaces = new Array<ChannelSpace>(graph.valueSlots);
    this.givenSlots = new Array<number>(graph.valueSlots);
  }

  /**
   * Every value that has a space, by name, in the order they got one (what the pruner reads). Made when
   * first asked for: the walk itself keeps spaces by value slot, which costs no map of tens of thousands of
   * names.
   */
  get spaces(): Map<string, ChannelSpace> {
    if (!this.spaceMap) {
      this.spaceMap = new Map();
      for (let i = 0; i < this.givenCount; i++) this.spaceMap.set(this.given[i], this.givenSpaces[i]);
    }
    return this.spaceMap;
  }

  /**
   * The distinct spaces the values have, in the order of `new Set(spaces.values())` (a value given a space
   * twice counts where it was first given one, with the space it has now), without making that map.
   */
  distinctSpaces(): ChannelSpace[] {
    // Each value given a space, in order, with the space it has now; a space is met once per value that has it
    // and marked by its id, its place in spaceList (every space is this state's: `define` numbers them). A Set
    // of tens of thousands of spaces cost more than the walk.
    const seenSpace = new Uint8Array(this.spaceList.length);
    const distinct: ChannelSpace[] = [];
    for (let i = 0; i < this.givenCount; i++) {
      const slot = this.givenSlots[i];
      const space = slot >= 0 ? this.bySlot[slot]! : this.byName.get(this.given[i])!;
      if (seenSpace[space.id]) continue;
      seenSpace[space.id] = 1;
      distinct.push(space);
    }
    return distinct;
  }

  space(value: string | undefined): ChannelSpace | undefined {
    if (!value) return undefined;
    const slot = this.graph.valueSlot(value);
    return slot >= 0 ? this.bySlot[slot] : this.byName.get(value);
  }

  /** `space(node.inputs[i])`, its slot found by the graph's edges rather than by the value's name. */
  inputSpace(node: NodeView, i: number): ChannelSpace | undefined {
    const value = node.inputs[i];
    if (!value) return undefined;
    const slot = node.graph === this.graph ? this.graph.inputSlot(node, i) : this.graph.valueSlot(value);
    return slot >= 0 ? this.bySlot[slot] : this.byName.get(value);
  }

  /** `space(node.outputs[o])` (see inputSpace). */
  outputSpace(node: NodeView, o: number): ChannelSpace | undefined {
    const value = node.outputs[o];
    if (!value) return undefined;
    const slot = node.graph === this.graph ? this.graph.outputSlot(node, o) : this.graph.valueSlot(value);
    return slot >= 0 ? this.bySlot[slot] : this.byName.get(value);
  }

  /**
   * Gives a value its space. `producer`: the node that writes it, if known, whose output's slot needs no
   * lookup by name.
   */
  private give(value: string, space: ChannelSpace, producer?: NodeView): void {
    const o = producer && producer.graph === this.graph ? producer.outputs.indexOf(value) : -1;
    const slot = o >= 0 ? this.graph.outputSlot(producer!, o) : this.graph.valueSlot(value);
    if (slot >= 0) this.bySlot[slot] = space;
    else this.byName.set(value, space);
    const at = this.givenCount++;
    this.given[at] = value;
    this.givenSpaces[at] = space;
    this.givenSlots[at] = slot;
    this.spaceMap?.set(value, space);
  }

  define(value: string, axis: number, size: number, producer: NodeView | undefined): ChannelSpace {
    checkChannelCount(this.file.name, value, size, this.slots.length);
    const space: ChannelSpace = {
      id: this.spaceList.length,
      value,
      axis,
      size,
      base: this.slots.add(size),
      producer,
    };
    this.give(value, space, producer);
    this.spaceList.push(space);
    return space;
  }

  /** Refuses a channel count before a channel map is built for it (define checks it again). */
  checkChannels(value: string, size: number): void {
    checkChannelCount(this.file.name, value, size, this.slots.length);
  }

  /**
   * A value whose channels are exactly another's (an activation's output): it shares the space. `producer`:
   * the node that writes the value, if known (see give).
   */
  alias(value: string, space: ChannelSpace, producer?: NodeView): void {
    this.give(value, space, producer);
  }

  couple(a: ChannelSpace, ia: number, b: ChannelSpace, ib: number): void {
    if (ia < 0 || ia >= a.size || ib < 0 || ib >= b.size) {
      throw new Error(`internal: channel ${ia}/${a.size} ~ ${ib}/${b.size} out of range`);
    }
    this.slots.union(a.base + ia, b.base + ib);
  }

  /** Channel c of `a` is channel c of `b`, for every c. */
  identity(a: ChannelSpace, b: ChannelSpace): void {
    const n = Math.min(a.size, b.size);
    for (let c = 0; c < n; c++) this.slots.union(a.base + c, b.base + c);
  }

  /**
   * A tensor sliced when the space loses channels. `member.dims`, when the caller has them (an initializer's,
   * from resolving the weight), saves looking the tensor up again.
   */
  member(space: ChannelSpace, member: MemberInput, map: IndexMap = IDENTITY, dim?: ShapeDim): void {
    const { node, tensor, axis, source, kind, label } = member;
    // A tensor too short for the channels it follows (a bias of 4 values on a 16-channel conv: a broken model)
    // could not be sliced: the group is kept whole instead.
    const shape = axis >= 0 ? (member.dims ?? this.shape(tensor)) : undefined;
    if (shape && axis >= shape.length) {
      this.lock(space, `${node}'s ${label} '${tensor}' has no axis ${axis} (its rank is ${shape.length})`);
      return;
    }
    const length = shape?.[axis];
    if (typeof length === 'number' && space.size > 0) {
      const last =
        ((map.modulo ? Math.min(space.size, map.modulo) : space.size) - 1) * map.scale +
        map.offset +
        map.width;
      if (last > length) {
        this.lock(
          space,
          `${node}'s ${label} '${tensor}' has ${length} entries on axis ${axis}, too few for its ${space.size} channels`,
        );
        return;
      }
    }
    this.members.push({ node, tensor, axis, source, kind, label, space, map, dim });
  }

  root(node: NodeView, space: ChannelSpace): void {
    this.roots.push({ node, space });
  }

  lock(space: ChannelSpace | undefined, reason: string): void {
    if (space) this.locks.push({ space, reason });
  }

  finding(finding: RawFinding): void {
    this.findings.push(finding);
  }

  /** The shape of a value, when known (an initializer's without working out its other facts). */
  shape(value: string | undefined): Dim[] | undefined {
    return value ? this.facts.shape(value) : undefined;
  }

  /** Facts of a value (shape, type, small constant values). */
  fact(value: string | undefined): ValueFacts | undefined {
    return value ? this.facts.get(value) : undefined;
  }

  /** `fact(node.inputs[i])`, found by the input's place in the graph rather than by its name. */
  inputFact(node: NodeView, i: number): ValueFacts | undefined {
    const value = node.inputs[i];
    if (!value) return undefined;
    return node.graph === this.graph ? this.facts.input(node, i, value) : this.facts.get(value);
  }

  /** `fact(node.outputs[o])` (see inputFact). */
  outputFact(node: NodeView, o: number): ValueFacts | undefined {
    const value = node.outputs[o];
    if (!value) return undefined;
    return node.graph === this.graph ? this.facts.output(node, o) : this.facts.get(value);
  }
}
