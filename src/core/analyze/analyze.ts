import { analyzeGraph } from '../deps/analyzeGraph';
import { buildGroups, type GroupIndex } from '../deps/groups';
import type { ChannelState, ShuffleRecord } from '../deps/state';
import type { ModelView } from '../onnx/modelView';
import { pushAll } from '../lists';
import { OPS, type OpRegistry } from '../ops/registry';
import { pruningOnly } from './codes';
import { diagnostic } from './diagnostic';
import type { AnalysisReport, ChannelGroup, Diagnostic, RootLayer } from './types';

/** The full result: the report (the JSON contract) plus what the pruner and the plan checker build on. */
export interface Analysis {
  report: AnalysisReport;
  roots: Map<string, RootLayer>;
  state: ChannelState;
  index: GroupIndex;
}

const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 } as const;

/**
 * Analyses a model's channel dependencies: groups of channels that must be pruned together, and every
 * finding (it never stops at the first). Model-level codes: PS001–PS008, PR001–PR005, IO001. `ops` is the
 * op registry (`OPS.with(…)` adds rules for ops of other domains).
 */
export function analyzeModel(view: ModelView, ops: OpRegistry = OPS): Analysis {
  const state = analyzeGraph(view.graph, view.file, ops);
  const index = buildGroups(state);
  const diagnostics: Diagnostic[] = [];
  for (const f of state.findings) {
    const groups = f.space ? index.groupsOf(f.space) : [];
    // A lock on a path that reaches no prunable layer changes nothing: keep the report about pruning. A broken
    // graph is said wherever it is (its convs root no group: without it, the report would show none).
    if (pruningOnly(f.code) && !f.brokenGraph && f.space && groups.length === 0) continue;
    diagnostics.push(
      diagnostic(f.code, {
        message: f.message,
        node: f.node,
        ...groupField(groups),
        fixes: f.fixes ?? [],
      }),
    );
  }
  const outputs = state.shuffles.length > 0 ? firstOutputOfClass(state, index) : undefined;
  for (const shuffle of state.shuffles)
    pushAll(diagnostics, shuffleFindings(state, index, shuffle, outputs!));
  pushAll(diagnostics, externalDataFindings(view));
  diagnostics.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  const report: AnalysisReport = {
    model: {
      path: view.file.name,
      irVersion: view.irVersion,
      opsets: Object.fromEntries(view.opsets),
      nodes: view.graph.nodes.length,
    },
    groups: index.groups,
    diagnostics,
  };
  return { report, roots: index.roots, state, index };
}

function groupField(groups: ChannelGroup[]): { group?: string } {
  return groups.length > 0 ? { group: groups[0].id } : {};
}

/**
 * For every class of channels that reaches a graph output, the position in `state.outputs` of the first such
 * output: found once, so that each pixel shuffle looks its own channels up instead of scanning every output.
 */
function firstOutputOfClass(state: ChannelState, index: GroupIndex): Map<number, number> {
  const first = new Map<number, number>();
  for (let o = 0; o < state.outputs.length; o++) {
    const classes = index.classesOf(state.outputs[o]);
    for (let c = 0; c < classes.length; c++) if (!first.has(classes[c])) first.set(classes[c], o);
  }
  return first;
}

/** PS001 (block structure), PS004 (a block straddles a Concat boundary), PS006 (output reaches a graph output). */
function shuffleFindings(
  state: ChannelState,
  index: GroupIndex,
  shuffle: ShuffleRecord,
  outputOfClass: Map<number, number>,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const { info, input } = shuffle;
  const groups = index.groupsOf(input);
  const group = groups[0];
  const producer = input.producer;
  const r = info.blocksize;
  if (group && info.form !== 'SpaceToDepth' && info.form !== 'PixelUnshuffle') {
    const layout =
      info.mode === 'CRD'
        ? `contiguous: c·${r * r} … c·${r * r}+${r * r - 1}`
        : `strided: c, c+${input.size / (r * r)}, c+${(2 * input.size) / (r * r)}, …`;
    const roots = group.roots.map((r) => `'${r}'`);
    const layer =
      roots.length > 2 ? `${roots.slice(0, 2).join(', ')} and ${roots.length - 2} more` : roots.join(' and ');
    const via = producer && !group.roots.includes(producer.name) ? ` (through '${producer.name}')` : '';
    out.push(
      diagnostic('PS001', {
        message: `${layer} feed${group.roots.length > 1 ? '' : 's'} a pixel shuffle (${info.form}${info.mode ? ` ${info.mode}` : ''}, r=${r}) at '${info.node}'${via}: its ${input.size} input channels prune in blocks of ${r * r} (${layout}).`,
        node: info.node,
        group: group.id,
        fixes: [],
      }),
    );
  }
  if (producer?.opType === 'Concat') {
    const inputs = producer.inputs.map((v) => state.space(v));
    const touched = new Map<number, Set<number>>();
    inputs.forEach((space, k) => {
      if (!space) return;
      for (const cls of index.classesOf(space)) touched.set(cls, (touched.get(cls) ?? new Set()).add(k));
    });
    if ([...touched.values()].some((set) => set.size > 1)) {
      out.push(
        diagnostic('PS004', {
          message: `A pixel-shuffle block at '${info.node}' straddles a boundary of Concat '${producer.name}' (branch channel counts are not multiples of ${r * r}): channels of different branches are coupled and prune together.`,
          node: info.node,
          ...groupField(groups),
          fixes: [],
        }),
      );
    }
  }
  // The first graph output that shares a class with the shuffle's output.
  let first = Infinity;
  for (const cls of index.classesOf(shuffle.output))
    first = Math.min(first, outputOfClass.get(cls) ?? Infinity);
  const reaches = first < Infinity ? state.outputs[first] : undefined;
  if (reaches) {
    out.push(
      diagnostic('PS006', {
        message: `The output of the pixel shuffle at '${info.node}' reaches the graph output '${reaches.value}': those channels keep their count and are locked.`,
        node: info.node,
        ...groupField(groups),
        fixes: [],
      }),
    );
  }
  return out;
}

/** IO001 for every external-data reference that is missing, escaping or short (analysis itself goes on). */
function externalDataFindings(view: ModelView): Diagnostic[] {
  return view.file
    .externalDataProblems()
    .map((error) => diagnostic('IO001', { message: error.message, fixes: [] }));
}
