// The graph skeleton's types: what the host sends the page (core/inspect/graphSkeleton.ts builds it,
// core/inspect/bodies.ts adds the bodies of calls, src/shared/packedSkeleton.ts packs it).
import type { HierarchyBox } from './hierarchy';

export interface SkeletonValue {
  name: string;
  /** "[N, 64, 32, 32]", or null when even the rank is unknown. */
  shape: string | null;
  dtype: string | null;
  /** Index of the producing node; -1 for graph inputs, initializers and outer-scope values. */
  producer: number;
  /** An initializer (or Constant output): a weight, drawn inside its consumer rather than as an edge. */
  weight: boolean;
}

export interface SkeletonNode {
  name: string;
  op: string;
  /** Value indices (empty names, i.e. omitted optional inputs, are left out). */
  inputs: number[];
  outputs: number[];
  /** Output channels where the analysis knows them (channel axis 1). */
  channels?: number;
  /** The channel group whose root this node is, or that it is a member of. */
  group?: string;
  /** The innermost name-scope box holding the node (GraphSkeleton.boxes); absent at the top. */
  box?: number;
}

/** A name scope drawn as a collapsible box (core/inspect/hierarchy.ts). */
export interface SkeletonBox extends HierarchyBox {
  /** Indices of the channel groups (GraphSkeleton.groups) with a member inside. */
  groups: number[];
  /**
   * For the box of a call (a local function's, an If's, a Loop's…: core/inspect/bodies.ts), the calling node's
   * index; absent for a name scope and for a branch box inside a call's box.
   */
  call?: number;
}

export interface SkeletonGroup {
  id: string;
  roots: number[];
  /** Every node that slices a tensor when the group's channels go (roots included). */
  members: number[];
  /** The pixel-shuffle nodes the group passes through (all three of a Reshape→Transpose→Reshape). */
  shuffles: number[];
  shuffleLabels: string[];
  channels: number;
  unit: number;
  prunable: boolean;
  locked: string | null;
}

export interface GraphSkeleton {
  nodes: SkeletonNode[];
  values: SkeletonValue[];
  inputs: number[];
  outputs: number[];
  groups: SkeletonGroup[];
  /** Name scopes, then the boxes of calls, parents first; empty when there are none (a flat view). */
  boxes: SkeletonBox[];
  /** Present when `nodes` holds body nodes after the graph's own (core/inspect/bodies.ts). */
  bodies?: SkeletonBodies;
}

/** What the skeleton says about its body nodes. */
export interface SkeletonBodies {
  /** `nodes[start]` onwards are body nodes: view only, not in the channel analysis. */
  start: number;
  /** Per body node (index − start): its attributes, as [name, value] for the details panel. */
  attributes: [string, string][][];
  /** Calls left as plain nodes: recursive, nested deeper than the limit, or past the body-node limit. */
  cut: number;
}
