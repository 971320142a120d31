import type { ChannelSpace } from '../deps/channelSpace';
import type { ChannelState } from '../deps/state';
import { normAxis } from '../graph/facts';
import type { NodeView } from '../onnx/modelView';

/**
 * Whether element `position` of a computed integer vector is read at run time from the shape of a value whose
 * channels are `space` (Shape, then Concat / Slice / Gather / Unsqueeze / Squeeze / Cast / Identity): then it
 * follows the pruned channel count by itself.
 */
export function followsSpace(
  state: ChannelState,
  value: string,
  position: number,
  space: ChannelSpace,
  depth = 0,
): boolean {
  const node = state.graph.producer(value);
  if (!node || node.domain !== '' || depth > 16) return false;
  const from = (v: string | undefined, p: number) =>
    v !== undefined && followsSpace(state, v, p, space, depth + 1);
  switch (node.opType) {
    case 'Shape': {
      const rank = state.fact(node.inputs[0])?.shape?.length;
      if (rank === undefined) return false;
      const axis = normAxis(node.attributes.int('start', 0), rank) + position;
      return state.space(node.inputs[0]) === space && axis === space.axis;
    }
    case 'Identity':
    case 'Cast':
    case 'Unsqueeze':
    case 'Squeeze':
      return from(node.inputs[0], position);
    case 'Concat': {
      const part = concatPart(state, node, position);
      return part !== undefined && from(node.inputs[part.input], part.position);
    }
    case 'Gather': {
      const indices = state.fact(node.inputs[1])?.value;
      const index = indices?.[indices.length === 1 ? 0 : position];
      return index !== undefined && from(node.inputs[0], index);
    }
    case 'Slice': {
      const starts = state.fact(node.inputs[1])?.value;
      const steps = node.inputs[4] ? state.fact(node.inputs[4])?.value : [1];
      const length = state.fact(node.inputs[0])?.shape?.[0];
      if (starts?.length !== 1 || steps?.[0] !== 1 || typeof length !== 'number') return false;
      const start = starts[0]!;
      return from(node.inputs[0], (start < 0 ? start + length : start) + position);
    }
    default:
      return false;
  }
}

/**
 * Which input of a Concat of 1-D vectors (a shape being built) holds element `position` of its output, and
 * where in that input; undefined when a length before it is not known.
 */
export function concatPart(
  state: ChannelState,
  concat: NodeView,
  position: number,
): { input: number; position: number } | undefined {
  let offset = 0;
  for (const [input, value] of concat.inputs.entries()) {
    const length = state.fact(value)?.shape?.[0];
    if (typeof length !== 'number') return undefined;
    if (position < offset + length) return { input, position: position - offset };
    offset += length;
  }
  return undefined;
}
