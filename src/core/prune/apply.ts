import type { Analysis } from '../analyze/analyze';
import type { ChannelSpace } from '../deps/channelSpace';
import { firstMappedIndex } from '../deps/channelSpace';
import { unhandledKind } from '../deps/memberKinds';
import type { SpaceMember } from '../deps/state';
import { withChanges } from '../onnx/edit';
import { NameIndex } from '../onnx/nameIndex';
import { toLong, toSafeNumber } from '../onnx/int64';
import type { ModelFile } from '../onnx/modelFile';
import type { NodeView } from '../onnx/modelView';
import type { onnx } from '../onnx/proto/onnx.js';
import { ConstantEdits } from './constantEdits';
import { Removals, memberSource } from './removals';
import { staleValues, takenNames } from './staleValues';
import { MASK_METADATA_KEY, MASK_SOURCES, type MaskSlice, type MaskSource, type MaskSpec } from './maskSpec';
import { type AxisRemovals, SliceBuffers, sliceTensor } from './slice';
import { pushAll } from '../lists';

type Tensor = onnx.TensorProto.$Properties;

/** What one member tensor lost, for the report. */
export interface RemovedSlice {
  group: string;
  node: string;
  tensor: string;
  axis: number;
  /** The member's label, for people. */
  role: string;
  indices: readonly number[];
}

export interface AppliedPruning {
  proto: onnx.ModelProto.$Properties;
  mask: MaskSpec;
  /** Per group and member tensor, the indices removed. */
  slices: RemovedSlice[];
  /** Tensors sliced and nodes changed, for the report. */
  tensors: number;
  nodes: number;
}

/**
 * The indices of a member's axis that the removed classes (`gone`, ascending) take, ascending and distinct. A
 * member whose channels are its space's own (most of them) takes `gone` itself: one list shared by every
 * member of the space, its slices and its mask entries, not one copy each for the whole prune.
 */
function removedIndices(member: SpaceMember, gone: readonly number[]): readonly number[] {
  const { map } = member;
  if (map.scale === 1 && map.offset === 0 && map.width === 1 && !map.modulo) return gone;
  const indices: number[] = [];
  let ascending = true;
  for (const c of gone) {
    const from = firstMappedIndex(map, c);
    for (let j = 0; j < map.width; j++) {
      const i = from + j;
      if (indices.length > 0 && i <= indices[indices.length - 1]) ascending = false;
      indices.push(i);
    }
  }
  // A map that reorders channels (a pixel shuffle's) or repeats them: sorted and made distinct here.
  return ascending ? indices : [...new Set(indices)].sort((a, b) => a - b);
}

/**
 * Removes the channels of the given classes from the model: every member tensor is sliced on its axis,
 * shape constants and attributes that hold channel counts are updated, stale value_info is dropped, and the
 * mask spec for the correctness oracle is recorded in the metadata. Returns the new model (the writer copies
 * everything unchanged from the source).
 */
export function applyRemoval(
  analysis: Analysis,
  file: ModelFile,
  removed: ReadonlySet<number>,
  originalSha256 = '',
): AppliedPruning {
  const { state, index } = analysis;
  const removedCache = new Map<ChannelSpace, number[]>();
  const removedOf = (space: ChannelSpace): number[] => {
    let list = removedCache.get(space);
    if (!list) {
      const classes = index.classesOf(space);
      list = [];
      for (let c = 0; c < classes.length; c++) if (removed.has(classes[c])) list.push(c);
      removedCache.set(space, list);
    }
    return list;
  };
  const removals = new Removals(state.members);
  // Integer constants that hold channel counts or positions (shape targets, sizes, bounds), per reading node.
  const constants = new ConstantEdits(state.graph, file);
  const attributeEdits = new Map<string, Map<string, number | number[]>>();
  const zero: MaskSlice[] = [];
  const unmasked: NonNullable<MaskSpec['unmasked']> = [];
  const slices: RemovedSlice[] = [];
  // Nodes by name, for the few members that edit a node (shape constants, attributes): made on first use.
  let byName: NameIndex<NodeView> | undefined;
  const nodeNamed = (name: string): NodeView | undefined => {
    if (!byName) {
      const nodes = state.graph.nodes;
      byName = new NameIndex(nodes.length);
      for (let n = 0; n < nodes.length; n++) byName.set(nodes[n].name, nodes[n]);
    }
    return byName.get(name);
  };

  const editAttribute = (node: string, name: string, value: number | number[]) => {
    const edits = attributeEdits.get(node) ?? new Map<string, number | number[]>();
    attributeEdits.set(node, edits);
    edits.set(name, value);
  };

  for (const member of state.members) {
    const gone = removedOf(member.space);
    if (gone.length === 0) continue;
    if (member.axis >= 0) {
      const source = memberSource(member);
      const sorted = removedIndices(member, gone);
      removals.add(source, member.tensor, member.axis, sorted);
      for (const group of index.groupsOf(member.space)) {
        slices.push({
          group: group.id,
          node: member.node,
          tensor: member.tensor,
          axis: member.axis,
          role: member.label,
          indices: sorted,
        });
      }
      if (member.kind === 'weight-in') {
        // Every weight source a member can have must be maskable, or the spec says it is not (verify refuses).
        if (MASK_SOURCES.includes(source)) {
          zero.push({
            tensor: member.tensor,
            source: source as MaskSource,
            axis: member.axis,
            indices: sorted,
          });
        } else unmasked.push({ tensor: member.tensor, source });
      }
      continue;
    }
    applyStructural(member, gone.length);
  }

  function applyStructural(member: SpaceMember, count: number): void {
    const node = nodeNamed(member.node)!;
    const newSize = member.space.size - count;
    switch (member.kind) {
      case 'shape-constant': {
        // A shape constant (Reshape target, Resize sizes, Expand shape): the element at dim.index follows the size.
        if (!member.dim) throw new Error(`internal: no update for '${member.label}' of '${member.node}'`);
        const value = (newSize * member.dim.numerator) / member.dim.denominator;
        if (member.source === 'attribute') {
          const shape = node.attributes.ints('shape')!.slice();
          if (shape[member.dim.index] > 0) shape[member.dim.index] = value;
          editAttribute(member.node, 'shape', shape);
        } else constants.set(node, member.dim.input, member.dim.index, value);
        break;
      }
      case 'group-attribute': {
        const group = node.attributes.int('group', 1);
        editAttribute(member.node, 'group', group - count / (member.space.size / group));
        break;
      }
      case 'num-groups-attribute': {
        const groups = node.attributes.int('num_groups', 1);
        editAttribute(member.node, 'num_groups', groups - count / (member.space.size / groups));
        break;
      }
      case 'split-sizes':
        splitSizes(member);
        break;
      case 'slice-bounds':
        sliceBounds(member, removedOf(member.space));
        break;
      // Sliced members have an axis: they never come here.
      case 'weight-out':
      case 'weight-in':
      case 'bias':
      case 'norm-scale':
      case 'norm-statistic':
      case 'per-channel-constant':
      case 'quantisation-parameter':
        throw new Error(`internal: no update for '${member.label}' of '${member.node}'`);
      default:
        unhandledKind(member.kind);
    }
  }

  function splitSizes(member: SpaceMember): void {
    const node = nodeNamed(member.node)!;
    const sizes = node.outputs.map((out) => {
      const space = state.space(out)!;
      return space.size - removedOf(space).length;
    });
    if (member.source === 'attribute') editAttribute(member.node, 'split', sizes);
    else if (node.inputs[1]) sizes.forEach((size, i) => constants.set(node, 1, i, size));
    else if (new Set(sizes).size > 1)
      throw new Error(
        `Split '${member.node}' splits into equal parts, which the pruned channels make unequal`,
      );
  }

  function sliceBounds(member: SpaceMember, gone: number[]): void {
    const node = nodeNamed(member.node)!;
    // Before opset 10, starts, ends and axes are attributes; from 10 on, inputs 1–3.
    const inAttributes = member.source === 'attribute';
    const a = node.attributes;
    const axes = inAttributes
      ? a.ints('axes')
      : node.inputs[3]
        ? state.fact(node.inputs[3])?.value
        : undefined;
    const starts = inAttributes ? a.ints('starts') : state.fact(node.inputs[1])?.value;
    const ends = inAttributes ? a.ints('ends') : state.fact(node.inputs[2])?.value;
    const size = member.space.size;
    const rank = state.fact(node.inputs[0])?.shape?.length ?? 4;
    const position = (axes ?? starts?.map((_, i) => i) ?? []).findIndex(
      (a) => a !== undefined && (a < 0 ? a + rank : a) === member.space.axis,
    );
    if (position < 0 || !starts || !ends)
      throw new Error(`cannot update the bounds of Slice '${member.node}'`);
    const shift = (bound: number) => {
      if (bound >= size) return bound; // "to the end" stays so
      const at = Math.min(Math.max(bound < 0 ? bound + size : bound, 0), size);
      const moved = at - gone.filter((c) => c < at).length;
      // A negative bound counts from the end; one that now lands on the end is written as the end itself
      // (-0 would be 0: the start).
      const kept = size - gone.length;
      return bound < 0 && moved < kept ? moved - kept : moved;
    };
    if (inAttributes) {
      const moved = (bounds: (number | undefined)[]) =>
        bounds.map((b, i) => (i === position ? shift(b!) : b!));
      editAttribute(member.node, 'starts', moved(starts));
      editAttribute(member.node, 'ends', moved(ends));
      return;
    }
    // Bounds that do not move (0, "to the end") may be computed; the others are constants (the rule checks).
    [starts, ends].forEach((bounds, i) => {
      const bound = bounds[position]!;
      if (shift(bound) !== bound) constants.set(node, i + 1, position, shift(bound));
    });
  }

  // Build the new model. ConstantOfShape weights first: they edit the shape constants they are made from.
  const graph = file.proto.graph!;
  for (const n of state.graph.nodes) {
    const removal =
      n.opType === 'ConstantOfShape' && n.outputs[0]
        ? removals.get('constant-of-shape', n.outputs[0])
        : undefined;
    if (removal) constantOfShape(n, removal);
  }
  const changes = constants.build(takenNames(state.graph));
  let tensorCount = changes.initializers.size + changes.addedInitializers.length;
  const buffers = new SliceBuffers();
  const rewriteTensor = (tensor: Tensor, source: string, name: string): Tensor => {
    const removal = removals.get(source, name);
    if (!removal) return tensor;
    const sliced = sliceTensor(file, tensor, removal, buffers);
    file.setTensorData(sliced.tensor, [sliced.data]);
    tensorCount++;
    return sliced.tensor;
  };
  const initializer = [
    ...(graph.initializer ?? []).map(
      (t) => changes.initializers.get(t.name ?? '') ?? rewriteTensor(t, 'initializer', t.name ?? ''),
    ),
    ...changes.addedInitializers,
  ];
  let nodeCount = 0;
  const node: onnx.NodeProto.$Properties[] = [];
  (graph.node ?? []).forEach((original, i) => {
    const name = original.name || `#${i}`;
    const n = changes.constantNodes.get(original) ?? original;
    let attribute = n.attribute ?? [];
    let input = n.input ?? [];
    const output = n.output?.[0];
    if (n.op_type === 'Constant' && output && removals.get('constant-node', output))
      attribute = attribute.map((a) =>
        a.name === 'value' && a.t ? withChanges(a, { t: rewriteTensor(a.t, 'constant-node', output) }) : a,
      );
    const edits = attributeEdits.get(name);
    if (edits) {
      attribute = attribute.map((a) => {
        const value = edits.get(a.name ?? '');
        if (value === undefined) return a;
        return Array.isArray(value)
          ? withChanges(a, { ints: value.map((v) => toLong(v)) })
          : withChanges(a, { i: toLong(value) });
      });
    }
    const rewired = changes.rewired.get(original);
    if (rewired) input = input.map((v, k) => rewired.get(k) ?? v);
    const added = changes.addedAfter.get(original) ?? [];
    nodeCount += added.length;
    if (n === original && attribute === n.attribute && input === n.input) node.push(original);
    else {
      nodeCount++;
      node.push(withChanges(n, { attribute, input }));
    }
    pushAll(node, added);
  });

  /** A ConstantOfShape weight: its shape input (an initializer or Constant) loses the removed counts. */
  function constantOfShape(n: NodeView, axes: AxisRemovals): void {
    const dims = state.fact(n.inputs[0])?.value;
    if (!dims) throw new Error(`cannot update the shape of ConstantOfShape '${n.name}'`);
    axes.forEach((gone, axis) => {
      if (gone?.length) constants.set(n, 0, axis, (dims[axis] ?? 0) - gone.length);
    });
  }

  // IR < 4 lists initializers among the graph inputs, with their shapes: those follow the sliced tensors,
  // and copies of shape constants are listed beside their originals.
  // Most models list no weight among their inputs: then nothing is looked up, and the tens of thousands of
  // sliced weights of a large graph are not indexed by name for nothing.
  const listsWeights = (graph.input ?? []).some(
    (v) => state.graph.ownInitializer(v.name ?? '') !== undefined,
  );
  const resized = new NameIndex<Tensor>(listsWeights ? initializer.length : 0);
  if (listsWeights)
    initializer.forEach((t, i) => {
      if (t !== graph.initializer![i]) resized.set(t.name ?? '', t);
    });
  const declared = (v: onnx.ValueInfoProto.$Properties, tensor: Tensor) => {
    const shape = { dim: (tensor.dims ?? []).map((d) => ({ dim_value: toLong(toSafeNumber(d)) })) };
    const type = { tensor_type: { elem_type: v.type!.tensor_type!.elem_type, shape } };
    return withChanges(v, { name: tensor.name, type });
  };
  const input = (graph.input ?? []).flatMap((v) => {
    const tensor = resized.get(v.name ?? '');
    const updated = tensor && v.type?.tensor_type ? declared(v, tensor) : v;
    const copies = (changes.copiesOf.get(v.name ?? '') ?? []).map((name) => resized.get(name));
    return [updated, ...copies.flatMap((t) => (t && v.type?.tensor_type ? [declared(v, t)] : []))];
  });

  // value_info may record the old shapes of what changed: those entries go (ONNX Runtime trusts them). A
  // graph without value_info (most exports) has nothing to drop, and the walk over it is skipped.
  const valueInfo = graph.value_info?.length
    ? (() => {
        const changedValues = staleValues(state, (space) => removedOf(space).length > 0, [
          ...removals.tensors(),
          ...constants.editedNodes(),
          ...[...attributeEdits.keys()].flatMap((name) => {
            const node = nodeNamed(name);
            return node ? [node] : [];
          }),
        ]);
        return graph.value_info.filter((v) => !changedValues.has(v.name ?? ''));
      })()
    : (graph.value_info ?? []);
  const mask: MaskSpec = { original: originalSha256, zero, ...(unmasked.length > 0 ? { unmasked } : {}) };
  const metadata = [
    ...(file.proto.metadata_props ?? []).filter((e) => e.key !== MASK_METADATA_KEY),
    { key: MASK_METADATA_KEY, value: JSON.stringify(mask) },
  ];
  const proto = withChanges(file.proto as onnx.ModelProto.$Properties, {
    graph: withChanges(graph, { initializer, node, input, value_info: valueInfo }),
    metadata_props: metadata,
  });
  return { proto, mask, slices, tensors: tensorCount, nodes: nodeCount };
}
