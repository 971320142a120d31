import type { ChannelAlignment } from './align';
import { type LayerTiming, leastSaving, predictedSaving } from './latencyTable';
import { type Analysis, analyzeModel } from '../analyze/analyze';
import { type PendingHash, type StartHash, hashWhenAsked } from '../onnx/hash';
import { ModelView } from '../onnx/modelView';
import { openModel } from '../onnx/reader';
import { writeModel } from '../onnx/writer';
import { computeMetrics, computeTotals, type MetricsOptions, type ModelTotals } from '../metrics/metrics';
import { inferShapes } from '../graph/inferShapes';
import { OPS } from '../ops/registry';
import { type AppliedPruning, applyRemoval, type RemovedSlice } from './apply';
import type { MaskSpec } from './maskSpec';
import { type GroupSelection, type PruneSettings, SelectionContext, selectUnits } from './select';
import { estimateMacs } from './macsEstimate';
import type { ModelFile } from '../onnx/modelFile';
import type { PruneStage } from './progressText';
import type { UnitSet } from './unitSet';

export interface PruneOutcome {
  input: string;
  output: string;
  /** The ratio applied (found by the search when a MACs target was given). */
  ratio: number;
  groups: GroupSelection[];
  /** Channels removed over all groups (first roots). */
  removedChannels: number;
  tensorsSliced: number;
  nodesChanged: number;
  bytesWritten: number;
  /** Every file written: the pruned model and, when its weights are external, `<output>.data` (first). */
  files: string[];
  mask: MaskSpec;
  /** Per group and member tensor, the indices removed. */
  slices: RemovedSlice[];
  /** How kept channel counts were aligned, and why (none when absent). */
  alignment?: ChannelAlignment;
  /**
   * With a latency lookup table: what it says the pruned groups' convolutions save in all (ms), and the pruned
   * groups that save least (a slower pruned model is blamed on these).
   */
  latencyTable?: { savedMs: number; leastSaving: LayerTiming[] };
  /** The classes removed (GroupIndex numbering of the original's analysis): which channel of each value went. */
  removed: ReadonlySet<number>;
  /** Parameters and MACs (batch 1) before and after; `macsUncounted` nodes are not in the MACs (ModelTotals). */
  metrics: { before: ModelTotals; after: ModelTotals };
}

/** Models up to this size are read into memory whole for pruning; larger ones through a window. */
const PRELOAD_LIMIT = 32 << 20;

/** What a long prune is doing: analysing, reading weights to score units (bytes), writing (bytes). */
export type PruneProgress = (stage: PruneStage, done: number, total: number) => void;

/**
 * The smallest global ratio whose selection brings the MACs to `target` × the original's (bisection on the
 * estimate; selections share their importance scores).
 */
function selectForMacs(
  analysis: Analysis,
  context: SelectionContext,
  settings: PruneSettings,
  target: number,
): { removed: UnitSet; groups: GroupSelection[]; ratio: number } {
  const { file } = context;
  const metrics = computeMetrics(analysis.state.graph.model, { facts: analysis.state.facts });
  const goal = target * metrics.macs;
  const select = (ratio: number) =>
    selectUnits(analysis, file, { ...settings, ratio, global: true }, context);
  let lo = 0;
  let hi = 0.99;
  let best = select(hi);
  if (estimateMacs(analysis, metrics, best.removed) > goal) return { ...best, ratio: hi }; // as far as it goes
  for (let i = 0; i < 14; i++) {
    const mid = (lo + hi) / 2;
    const selection = select(mid);
    if (estimateMacs(analysis, metrics, selection.removed) <= goal) {
      hi = mid;
      best = selection;
    } else lo = mid;
  }
  return { ...best, ratio: hi };
}

/**
 * The units a prune with these settings removes: by ratio and plan, or by bisection to a MACs target. `scoring`:
 * a context whose scores earlier selections of this analysis worked out, or what hears of the weight bytes read.
 */
export function chooseUnits(
  analysis: Analysis,
  file: ModelFile,
  settings: PruneSettings,
  scoring?: SelectionContext | ((bytes: number) => void),
): { removed: UnitSet; groups: GroupSelection[]; ratio: number } {
  const context =
    scoring instanceof SelectionContext ? scoring : new SelectionContext(analysis, file, scoring);
  return settings.targetMacs === undefined
    ? { ...selectUnits(analysis, file, settings, context), ratio: settings.ratio }
    : selectForMacs(analysis, context, settings, settings.targetMacs);
}

export interface PruneOptions {
  signal?: AbortSignal;
  onProgress?: PruneProgress;
  /**
   * Concrete shapes of the graph inputs the outcome's MACs are counted on (the sizes a user gave symbolic dims);
   * without them symbolic dims leave MACs uncounted (see ModelTotals).
   */
  inputShapes?: MetricsOptions['inputShapes'];
}

export interface OpenForPruningOptions {
  /** Refuses the model after its analysis (throws), before any weight is read. */
  check?: (analysis: Analysis) => void;
  /** Whether the mask spec names the original's SHA-256 (verify checks it names this very file). */
  hashOriginal?: boolean;
  /** How the original is hashed: when asked for on this thread unless a shell hashes on another. */
  startHash?: StartHash;
}

/**
 * A model opened and analysed once, to be pruned any number of times with different settings: sensitivity
 * prunes every group alone at several ratios, and opening and analysing a large graph costs more than the
 * prune of one group. The prunes share importance scores (each weight's norms are worked out once). Each
 * prune is what pruneFile makes of the same settings, byte for byte. `close` when done.
 */
export class PrunableModel {
  /** The scores worked out so far, by every prune of this model (see SelectionContext). */
  readonly context: SelectionContext;
  private before: ModelTotals | undefined;

  private constructor(
    readonly input: string,
    readonly file: ModelFile,
    readonly analysis: Analysis,
    private readonly originalHash: PendingHash | undefined,
    context: SelectionContext | undefined,
  ) {
    this.context = context ?? new SelectionContext(analysis, file);
  }

  static open(input: string, options: OpenForPruningOptions = {}): PrunableModel {
    // Pruning reads every weight (importance), most of them again (slicing) and copies every unchanged
    // message, mostly in file order. A small model is read once, whole, when it is opened: its tens of
    // thousands of messages are then views, not copies. A larger one is read through one reused window
    // (below): a whole copy's fresh pages cost more than the reads, and count in full towards the peak memory.
    const file = openModel(input, { preload: PRELOAD_LIMIT });
    let analysis: Analysis;
    try {
      analysis = analyzeModel(new ModelView(file));
    } catch (error) {
      file.close();
      throw error;
    }
    return PrunableModel.adopt(input, file, analysis, options);
  }

  /**
   * A model someone else opened and analysed (the editor's prune worker, which kept it from a preview), with the
   * scores worked out so far (`context`, of this very analysis). It is this model's to close from now on (it is
   * closed here if refused).
   */
  static adopt(
    input: string,
    file: ModelFile,
    analysis: Analysis,
    options: OpenForPruningOptions = {},
    context?: SelectionContext,
  ): PrunableModel {
    let originalHash: PendingHash | undefined;
    try {
      options.check?.(analysis);
      // A shell's `startHash` may hash a large file on another thread, through its descriptor, while this one
      // prunes (a file read whole at open has no descriptor left: it is hashed from memory).
      if (options.hashOriginal) originalHash = (options.startHash ?? hashWhenAsked)(file.source);
      file.readThroughWindow();
      return new PrunableModel(input, file, analysis, originalHash, context);
    } catch (error) {
      originalHash?.stop();
      file.close();
      throw error;
    }
  }

  /**
   * What a prune with these settings removes, without writing anything: the units, the edited model (its sliced
   * tensors' data produced only if it is written), its mask spec.
   */
  remove(
    settings: PruneSettings,
    progress?: PruneProgress,
  ): { chosen: ReturnType<typeof chooseUnits>; applied: AppliedPruning } {
    const { analysis, file } = this;
    let weightBytes = 0;
    let scored = 0;
    if (progress) analysis.state.graph.forEachInitializer((t) => (weightBytes += file.storedBytes(t)));
    this.context.norms.onRead =
      progress && ((bytes: number) => progress('score', (scored += bytes), weightBytes));
    let chosen: ReturnType<typeof chooseUnits>;
    try {
      chosen = chooseUnits(analysis, file, settings, this.context);
    } finally {
      this.context.norms.onRead = undefined;
    }
    // Nothing to remove (ratio 0, everything excluded or locked): the model is re-saved as it was.
    const applied =
      chosen.removed.size > 0
        ? applyRemoval(analysis, file, chosen.removed, this.originalHash?.value() ?? '')
        : { proto: file.proto, mask: { original: '', zero: [] }, slices: [], tensors: 0, nodes: 0 };
    return { chosen, applied };
  }

  /** Parameters and MACs of the original, and of a model `remove` made. */
  totals(applied?: AppliedPruning, inputShapes?: MetricsOptions['inputShapes']): ModelTotals {
    const { analysis, file } = this;
    // Concrete input shapes (those a run was fed) make the symbolic dims' MACs countable: shapes inferred anew.
    if (inputShapes) {
      const model = analysis.state.graph.model;
      return computeTotals(applied ? new ModelView(file.withProto(applied.proto), model) : model, {
        inputShapes,
      });
    }
    if (applied) {
      // The pruned model keeps the original's wiring: its view shares the original's indexes, and its shapes
      // are inferred anew only where what the prune changed reaches.
      const view = new ModelView(file.withProto(applied.proto), analysis.state.graph.model);
      return computeTotals(view, { facts: inferShapes(view.graph, view.file, OPS, analysis.state.facts) });
    }
    return (this.before ??= computeTotals(analysis.state.graph.model, { facts: analysis.state.facts }));
  }

  /** Prunes into `output` (atomically): choose the units, slice every member, write, count what is left. */
  prune(output: string, settings: PruneSettings, options: PruneOptions = {}): PruneOutcome {
    const { file, input } = this;
    const progress = options.onProgress;
    const { chosen, applied } = this.remove(settings, progress);
    const { removed, groups, ratio } = chosen;
    const written = writeModel(file, applied.proto, output, {
      signal: options.signal,
      onProgress: progress && ((done, total) => progress('write', done, total)),
    });
    // The model just written, as the writer had it: its unchanged parts are the original's, its sliced
    // tensors have their new dims (reading the file back would decode all of it a second time).
    const before = this.totals(undefined, options.inputShapes);
    const after = this.totals(applied, options.inputShapes);
    return {
      input,
      output,
      groups,
      removedChannels: removedChannels(groups),
      ratio,
      tensorsSliced: applied.tensors,
      nodesChanged: applied.nodes,
      bytesWritten: written.bytes,
      files: written.files,
      mask: applied.mask,
      slices: applied.slices,
      ...(settings.alignment ? { alignment: settings.alignment } : {}),
      ...(settings.latency
        ? {
            latencyTable: {
              savedMs: predictedSaving(settings.latency, groups),
              leastSaving: leastSaving(settings.latency, groups),
            },
          }
        : {}),
      removed,
      metrics: { before, after },
    };
  }

  close(): void {
    this.release();
    this.file.close();
  }

  /**
   * Done pruning, but the file stays open: its file, analysis and scores are the caller's from now on (the prune
   * worker keeps them for its next job, which prunes or previews what a fresh open would).
   */
  release(): void {
    this.originalHash?.stop();
  }
}

/** The channels a selection removes, over all its groups. */
export function removedChannels(groups: readonly GroupSelection[]): number {
  return groups.reduce((n, g) => n + g.channels - g.keptChannels, 0);
}

/**
 * Prunes a model file into another: analyse, choose the units to remove, slice every member, write with the
 * streaming writer (atomic). The pruned model records the mask spec the correctness oracle needs.
 */
export function pruneFile(
  input: string,
  output: string,
  settings: PruneSettings,
  options: PruneOptions & OpenForPruningOptions = {},
): PruneOutcome {
  options.onProgress?.('analyse', 0, 1);
  const model = PrunableModel.open(input, options);
  try {
    return model.prune(output, settings, options);
  } finally {
    model.close();
  }
}
