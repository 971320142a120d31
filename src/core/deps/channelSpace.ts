import type { NodeView } from '../onnx/modelView';

/**
 * The channels of one value: `size` channels along `axis`, numbered by slots `base … base+size−1` of the
 * analysis's union-find. Coupled channels (those that must go together) end up in one class.
 */
export interface ChannelSpace {
  readonly id: number;
  readonly value: string;
  readonly axis: number;
  readonly size: number;
  readonly base: number;
  /** The node that produced it (undefined for graph inputs). */
  readonly producer: NodeView | undefined;
}

/**
 * How a tensor's indices along `axis` follow a space's channel c: the indices
 * `(c mod modulo)·scale + offset + j` for j in [0, width). Identity is scale 1, width 1. A Flatten→Gemm
 * weight has scale = width = H·W; a grouped conv's input weight uses modulo = Cin/g.
 */
export interface IndexMap {
  readonly scale: number;
  readonly offset: number;
  readonly width: number;
  readonly modulo?: number;
}

export const IDENTITY: IndexMap = { scale: 1, offset: 0, width: 1 };

/** The first of the `map.width` consecutive indices channel c maps to. */
export function firstMappedIndex(map: IndexMap, channel: number): number {
  return (map.modulo ? channel % map.modulo : channel) * map.scale + map.offset;
}
