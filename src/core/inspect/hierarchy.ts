// Name scopes as a hierarchy of collapsible boxes for the graph view (issue 17 §1). Exporters name nodes like
// paths: PyTorch `/blocks/blocks.3/branches/branches.0/conv/Conv`, TF/tf2onnx `model/conv2d_1/Conv2D`,
// TorchScript-era module paths `model.layer1.0.conv1`. The scope is the name without its last segment. Names
// without one (caffe2's `0`, `12`; `Conv_3`; `onnx::Add_7`) get no box, so such a model stays a flat view.
// Pure: the skeleton carries the boxes to the page, which only lays out and draws them.

/** A name scope holding at least two nodes. Indices are parents-first: a box's parent has a lower index. */
export interface HierarchyBox {
  /** The scope's own segments (joined with `/` when single-child scopes were merged into it). */
  label: string;
  /** The whole scope, as the exporter wrote it (`/blocks/blocks.3`, `model.layer1.0`). */
  path: string;
  /** The enclosing box, or -1 at the top. */
  parent: number;
  /** Nodes inside, at any depth. */
  nodes: number;
  /** Op types inside with their counts, most frequent first. */
  ops: [string, number][];
}

export interface Hierarchy {
  boxes: HierarchyBox[];
  /** Each node's innermost box, -1 when it is at the top. */
  nodeBox: Int32Array;
}

/** Scopes deeper than this are cut (a hostile name of thousands of slashes would make a box per segment). */
const MAX_DEPTH = 24;

/** The scope segments of a node's name, empty when it has none. */
function scopeOf(name: string): { segments: string[]; separator: string } {
  if (name.includes('/')) {
    const segments = name.split('/').filter(Boolean);
    return { segments: segments.slice(0, Math.min(segments.length - 1, MAX_DEPTH)), separator: '/' };
  }
  // Dotted module paths; `onnx::Conv_12` and an op with a counter (`Relu.3`) are not scopes.
  if (name.includes('.') && !name.includes('::')) {
    const segments = name.split('.');
    if (segments.some((s) => s === '')) return { segments: [], separator: '.' };
    if (segments.length === 2 && /^\d+$/.test(segments[1])) return { segments: [], separator: '.' };
    return { segments: segments.slice(0, Math.min(segments.length - 1, MAX_DEPTH)), separator: '.' };
  }
  return { segments: [], separator: '' };
}

interface Draft {
  label: string;
  path: string;
  parent: number;
  children: number[];
  /**
   * The children by their own segment, those after a '/' and those after a '.': a node's scope is found a
   * segment at a time, with no path string made.
   */
  slash: Map<string, number> | undefined;
  dot: Map<string, number> | undefined;
  direct: number[];
  nodes: number;
  alive: boolean;
}

export function buildHierarchy(names: readonly string[], ops: readonly string[]): Hierarchy {
  const drafts: Draft[] = [];
  // A scope is its parent's child by separator and segment (`a/b` and `a.b` are two children of `a`), and a
  // top-level scope is its path (`/a`, `a`): the scope a path names, found without making the path for each
  // node. A path that two chains spell alike (the slash scope `a.b` of `a.b/x`, the dotted `a` → `a.b` of
  // `a.b.c`) is two scopes.
  const top = new Map<string, number>();
  const rootedTop = new Map<string, number>(); // `/a` of `/a/…`
  const home = new Int32Array(names.length).fill(-1);
  names.forEach((name, i) => {
    const { segments, separator } = scopeOf(name);
    let parent = -1;
    const rooted = separator === '/' && name.startsWith('/');
    segments.forEach((segment, k) => {
      const siblings =
        parent >= 0
          ? separator === '/'
            ? (drafts[parent].slash ??= new Map())
            : (drafts[parent].dot ??= new Map())
          : rooted
            ? rootedTop
            : top;
      let box = siblings.get(segment);
      if (box === undefined) {
        const path =
          parent < 0 ? `${rooted ? '/' : ''}${segment}` : `${drafts[parent].path}${separator}${segment}`;
        box = drafts.length;
        // `layer1.0` reads better than `0` (PyTorch's `/layer1/layer1.0` already says it).
        const label =
          k > 0 && separator === '.' && /^\d+$/.test(segment) ? `${segments[k - 1]}.${segment}` : segment;
        drafts.push({
          label,
          path,
          parent,
          children: [],
          slash: undefined,
          dot: undefined,
          direct: [],
          nodes: 0,
          alive: true,
        });
        siblings.set(segment, box);
        if (parent >= 0) drafts[parent].children.push(box);
      }
      parent = box;
    });
    home[i] = parent;
    if (parent >= 0) drafts[parent].direct.push(i);
  });
  // Subtree counts: children have higher indices than their parents.
  for (let b = drafts.length - 1; b >= 0; b--) {
    drafts[b].nodes += drafts[b].direct.length;
    if (drafts[b].parent >= 0) drafts[drafts[b].parent].nodes += drafts[b].nodes;
  }
  const liveParent = (b: number): number => {
    let p = drafts[b].parent;
    while (p >= 0 && !drafts[p].alive) p = drafts[p].parent;
    return p;
  };
  // A box of one node is that node; a box holding the whole graph frames nothing.
  for (const d of drafts) if (d.nodes < 2 || d.nodes === names.length) d.alive = false;
  // A box holding only one box (no nodes of its own) is one box: `StatefulPartitionedCall/model`.
  for (let b = drafts.length - 1; b >= 0; b--) {
    const d = drafts[b];
    if (!d.alive || d.direct.length > 0) continue;
    const live = d.children.filter((c) => drafts[c].alive);
    if (live.length === 1 && drafts[live[0]].nodes === d.nodes) {
      const child = drafts[live[0]];
      child.label = `${d.label}/${child.label}`;
      d.alive = false;
    }
  }
  const index = new Int32Array(drafts.length).fill(-1);
  const boxes: HierarchyBox[] = [];
  const histograms: Map<string, number>[] = [];
  drafts.forEach((d, b) => {
    if (!d.alive) return;
    index[b] = boxes.length;
    const parent = liveParent(b);
    boxes.push({
      label: d.label,
      path: d.path,
      parent: parent >= 0 ? index[parent] : -1,
      nodes: d.nodes,
      ops: [],
    });
    histograms.push(new Map());
  });
  const nodeBox = new Int32Array(names.length).fill(-1);
  names.forEach((_, i) => {
    let b = home[i];
    while (b >= 0 && !drafts[b].alive) b = drafts[b].parent;
    const box = b >= 0 ? index[b] : -1;
    nodeBox[i] = box;
    if (box >= 0) histograms[box].set(ops[i], (histograms[box].get(ops[i]) ?? 0) + 1);
  });
  // Each box's counts into its parent's, innermost first (a parent's index is lower than its children's).
  for (let b = boxes.length - 1; b >= 0; b--) {
    const parent = boxes[b].parent;
    if (parent < 0) continue;
    const into = histograms[parent];
    for (const [op, count] of histograms[b]) into.set(op, (into.get(op) ?? 0) + count);
  }
  boxes.forEach((box, b) => {
    box.ops = [...histograms[b]].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1));
  });
  return { boxes, nodeBox };
}
