/**
 * Custom messages between the extension (language client) and the analyzer language server, beyond LSP's own.
 * A binary `.onnx` file is never a text document, so the client tells the server which models are open in the
 * editor; the server then owns their analysis and publishes their findings on the model's URI.
 */
import { NotificationType, RequestType, type WorkDoneProgressParams } from 'vscode-languageserver-protocol';
import type { DiagnosticCode, Severity } from '../core/analyze/codes';
import type { PackedSkeleton } from '../shared/packedSkeleton';
import type { ChartCriterion, NodeDetails } from '../core/inspect/nodeDetails';
import type { ModelSummary } from '../core/inspect/summary';
import type { OutputFidelity } from '../core/metrics/fidelity';
import type { PrunePreview } from '../core/prune/preview';
import type { SensitivityReport } from '../runtime/sensitivity';
import type { PairedTiming } from '../shared/latency';
import type { ModelFixCode } from '../shared/modelFixCodes';

export interface ModelParams {
  /** The model's `file:` URI. */
  uri: string;
}

/** A model was opened in the ONNX Pruner editor: analyse it and publish its findings. */
export const modelOpened = new NotificationType<ModelParams>('onnxPruner/modelOpened');

/** The last editor of a model closed: forget it and clear its findings. */
export const modelClosed = new NotificationType<ModelParams>('onnxPruner/modelClosed');

/** What the server attaches to a diagnostic (`data`) so a code action can make the fix without asking again. */
export interface DiagnosticData {
  fixes: { title: string; edits: { range: LspRange; newText: string }[] }[];
}

interface LspRange {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

export interface MakePlanParams {
  /** The model's `file:` URI; the plan goes beside it as `<model>.prune.json`. */
  modelUri: string;
  /** `greedy` ranks channels by what their consumers absorb on the calibration inputs (ONNX Runtime). */
  criterion: 'l1' | 'l2' | 'bn' | 'random' | 'greedy';
  /** Share of each group's channels to remove, or… */
  ratio?: number;
  /** …prune until MACs are at most this share of the original, or… */
  targetMacs?: number;
  /** …(globally) until the pruned model, timed against the original in ONNX Runtime, takes this share. */
  targetLatency?: number;
  /** Calibration inputs of the greedy criterion (none: seeded random inputs). */
  calibDir?: string;
  /** Time limit of each ONNX Runtime step (setting onnxPruner.verify.timeoutSeconds). */
  timeoutSeconds?: number;
  global?: boolean;
  roundTo?: number;
  /**
   * Keep kept channel counts on this machine's ONNX Runtime channel block (default true; ignored when
   * `roundTo` is above 1).
   */
  align?: boolean;
}

export interface PlanPreviewRow {
  group: string;
  root: string;
  channels: number;
  kept: number;
  /** Why the group is left alone, when it is. */
  skipped?: string;
  /** Parameters and MACs of the root, before and after (estimated). */
  params?: { before: number; after: number };
  macs?: { before: number; after: number };
}

export type MakePlanResult =
  | {
      ok: true;
      planUri: string;
      text: string;
      preview: PlanPreviewRow[];
      /** The whole model's parameters and MACs before and after (estimated). */
      totals: { parameters: { before: number; after: number }; macs: { before: number; after: number } };
      /** What a latency target's search measured (the ratio it came to, each step), for the panel. */
      note?: string;
    }
  | { ok: false; message: string };

/** The selection a prune would make, as plan text (the client writes and opens it). */
export const makePlanRequest = new RequestType<MakePlanParams, MakePlanResult, void>('onnxPruner/makePlan');

/**
 * Sizes of symbolic input dims by name, from the setting onnxPruner.verify.inputDims (one for every model, so
 * a name a model does not have is left alone); values are checked again by the server.
 */
export type InputDimsSetting = Record<string, number>;

/** With a `workDoneToken`, the server reports how far the prune is ($/progress: message and percentage). */
export interface ApplyPlanParams extends WorkDoneProgressParams {
  /** The plan's `file:` URI (its model is resolved from it). */
  planUri: string;
  /** The plan as the editor has it (it may be unsaved). */
  text: string;
  /** Check the pruned model in ONNX Runtime against the masked original. */
  verify: boolean;
  /** Time limit of each ONNX Runtime step of the check (setting onnxPruner.verify.timeoutSeconds). */
  timeoutSeconds?: number;
  inputDims?: InputDimsSetting;
  /** The pruned model is `<model><suffix>.onnx` (default `.pruned`). */
  outputSuffix?: string;
}

export type ApplyPlanResult =
  | {
      ok: true;
      prunedUri: string;
      /** Every file the prune wrote (`<model>.pruned.onnx.data` first when the weights are external). */
      files: string[];
      /** A Markdown page: what was removed per group, parameters, MACs, and the verification. */
      report: string;
      parameters: { before: number; after: number };
      /** `uncounted`: nodes whose MACs symbolic input dims leave out (the setting onnxPruner.verify.inputDims). */
      macs: { before: number; after: number; uncounted?: number };
      /** Present when verified. */
      verification?: {
        passed: boolean;
        maxAbsError: number | null;
        latencyRatio: number | null;
        /** The paired timing behind latencyRatio: quartiles, runs, threads. */
        latency?: PairedTiming;
      };
    }
  | { ok: false; message: string };

/** Prunes the plan's model into `<model>.pruned.onnx` (atomically), then verifies it; cancellable. */
export const applyPlanRequest = new RequestType<ApplyPlanParams, ApplyPlanResult, void>(
  'onnxPruner/applyPlan',
);

export interface VerifyParams {
  originalUri: string;
  prunedUri: string;
  /** Time limit of each ONNX Runtime step (setting onnxPruner.verify.timeoutSeconds). */
  timeoutSeconds?: number;
  inputDims?: InputDimsSetting;
}

export type VerifyPlanResult = { ok: true; passed: boolean; text: string } | { ok: false; message: string };

/** Checks a pruned model against its original in ONNX Runtime (a child of the server); the text is the CLI's. */
export const verifyRequest = new RequestType<VerifyParams, VerifyPlanResult, void>('onnxPruner/verify');

// ---- the model editor's document: edits, state and save ----------------------------------------------------

/** One undoable edit of a model open in the editor; the document is its file plus these edits, in order. */
export type ModelEdit =
  | {
      kind: 'prune';
      /** What the Undo menu says. */
      label: string;
      /** The plan's `file:` URI and its text as the editor had it when applied. */
      planUri: string;
      planText: string;
      /** Calibration inputs of a data-aware criterion and of the refit (none: seeded random inputs). */
      calibDir?: string;
      /** Refit the layers that read removed channels by least squares on the calibration inputs. */
      reconstruct?: boolean;
    }
  | { kind: 'fix'; label: string; code: ModelFixCode; node?: string };

/** With a `workDoneToken`, a prune the state needs reports its progress ($/progress). */
export interface ModelStateParams extends WorkDoneProgressParams {
  /** The model's `file:` URI. */
  uri: string;
  edits: ModelEdit[];
  /** Check a prune edit at the end of `edits` in ONNX Runtime against the state before it. */
  verifyLast?: boolean;
  /** Time limit of each ONNX Runtime step of that check (setting onnxPruner.verify.timeoutSeconds). */
  timeoutSeconds?: number;
  inputDims?: InputDimsSetting;
}

/** A channel group as the editor's table shows it. */
export interface GroupRow {
  id: string;
  roots: string[];
  channels: number;
  unit: number;
  prunable: boolean;
  locked: string | null;
  /** "DepthToSpace CRD r=2", one per pixel shuffle the group passes through. */
  pixelShuffles: string[];
  members: number;
}

/** A finding as the editor shows it, with the model fix it offers (Fix button, Fix Problem). */
export interface FindingRow {
  code: DiagnosticCode;
  severity: Severity;
  message: string;
  node?: string;
  group?: string;
  fix?: { code: ModelFixCode; node?: string; title: string };
}

export type ModelStateResult =
  | {
      ok: true;
      summary: ModelSummary;
      groups: GroupRow[];
      findings: FindingRow[];
      /**
       * Present when verifyLast asked and the last edit is a prune. plainPrune: the edit refits weights, so
       * what was checked is its plain prune (the refitted model no longer equals the masked original).
       */
      verification?: {
        passed: boolean;
        maxAbsError: number | null;
        text: string;
        plainPrune?: boolean;
        /** The paired timing of the check (pruned against the state before). */
        latency?: PairedTiming;
      };
    }
  | { ok: false; message: string };

/**
 * The model with these edits applied (materialised by the server in its own temporary folder, cached per
 * prefix so Undo and Redo are immediate): its summary, groups and findings. The server also publishes the
 * findings of this state on the model's URI.
 */
export const modelStateRequest = new RequestType<ModelStateParams, ModelStateResult, void>(
  'onnxPruner/modelState',
);

export interface SaveModelParams {
  uri: string;
  edits: ModelEdit[];
  /** Where to write (`file:` URI): the model itself (Save) or another file (Save As). */
  target: string;
  /** Saving over an existing file keeps it as `<file>.bak` first. */
  backup: boolean;
}

export type SaveModelResult =
  | {
      ok: true;
      bytes: number;
      backupUri?: string;
      /** Every file the save wrote (the backup, `<target>.data` when the weights are external, the model). */
      files: string[];
    }
  | { ok: false; message: string };

/** Writes the document (its file plus edits) through the core writer, atomically; cancellable. */
export const saveModelRequest = new RequestType<SaveModelParams, SaveModelResult, void>(
  'onnxPruner/saveModel',
);

/** The model's file changed on disk and the user chose to reload it: drop its snapshot and states. */
export const modelReloaded = new NotificationType<ModelParams>('onnxPruner/modelReloaded');

// ---- the inspector: graph skeleton and node details ----------------------------------------------------------

/** The skeleton in columns (src/shared/packedSkeleton.ts): a 50,000-node model's is under 10 MB. */
export type GraphResult = { ok: true; skeleton: PackedSkeleton } | { ok: false; message: string };

/** The document's graph for the inspector: nodes, values with shapes, groups; never weight bytes. */
export const graphRequest = new RequestType<ModelStateParams, GraphResult, void>('onnxPruner/graph');

export interface NodeDetailsParams extends ModelStateParams {
  node: string;
  /** The importance chart's criterion (the pruning panel's); l1 by default. */
  criterion?: ChartCriterion;
}

export type NodeDetailsResult = { ok: true; details: NodeDetails } | { ok: false; message: string };

/** One node: attributes, ports with shapes, weight statistics, per-channel importance of a group root. */
export const nodeDetailsRequest = new RequestType<NodeDetailsParams, NodeDetailsResult, void>(
  'onnxPruner/nodeDetails',
);

// ---- the pruning panel and the compare view ----------------------------------------------------------------

export interface PreviewParams extends ModelStateParams {
  /** The plan (as the editor has it) whose selection to preview on the document's current state. */
  planUri: string;
  planText: string;
}

export type PreviewResult = { ok: true; preview: PrunePreview } | { ok: false; message: string };

/** What the plan would remove from the document now: channels per group, parameters and MACs. */
export const previewRequest = new RequestType<PreviewParams, PreviewResult, void>('onnxPruner/preview');

export interface CompareRow {
  root: string;
  op: string;
  before: number;
  after: number;
}

export type CompareResult =
  | {
      ok: true;
      rows: CompareRow[];
      parameters: { before: number; after: number };
      macs: { before: number; after: number };
    }
  | { ok: false; message: string };

/** The document now against the model as it was opened: output channels per layer, parameters, MACs. */
export const compareRequest = new RequestType<ModelStateParams, CompareResult, void>('onnxPruner/compare');

export interface CompareModelsParams {
  originalUri: string;
  otherUri: string;
}

/** Any two model files compared layer by layer (root layers matched by name), with parameters and MACs. */
export const compareModelsRequest = new RequestType<CompareModelsParams, CompareResult, void>(
  'onnxPruner/compareModels',
);

// ---- sensitivity and fidelity in the editor ------------------------------------------------------------------

/** With a `workDoneToken`, the server reports each variant measured ($/progress). */
export interface SensitivityParams extends ModelStateParams {
  /** Calibration inputs: a folder of pictures or .npy/.pb tensors (none: seeded random inputs, a weak estimate). */
  calibDir?: string;
  ratios?: number[];
  /** Measure at most this many groups, those whose layers hold the most MACs (a positive integer). */
  maxGroups?: number;
}

export type SensitivityResult =
  /** A PSNR of Infinity (nothing changed) arrives as null: JSON has no Infinity. */
  { ok: true; report: SensitivityReport } | { ok: false; message: string; cancelled?: boolean };

/**
 * Every prunable group of the document's current state pruned alone at each ratio, each variant compared with
 * the state in ONNX Runtime (a child of the server); cancelling stops the child.
 */
export const sensitivityRequest = new RequestType<SensitivityParams, SensitivityResult, void>(
  'onnxPruner/sensitivity',
);

/** With a `workDoneToken`, the server reports its steps ($/progress). */
export interface FidelityParams extends ModelStateParams {
  calibDir?: string;
}

/** One output of the first calibration input, as pictures: up to 3 planes, downsampled to at most 192 px. */
export interface OutputPicture {
  name: string;
  height: number;
  width: number;
  channels: number;
  /** Planar [c][y][x] values of the original's and the pruned model's output. */
  original: number[];
  pruned: number[];
  /** The original's value range (what PSNR calls the peak), for the colour scale. */
  low: number;
  high: number;
}

export type FidelityResult =
  | {
      ok: true;
      /** How the calibration inputs were made (a weak estimate when random). */
      inputs: string;
      source: 'files' | 'random';
      samples: string[];
      /** An identical output's PSNR, Infinity, arrives as null (JSON has no Infinity). */
      outputs: OutputFidelity[];
      /** The first input's image-like outputs, for the side-by-side view and the difference heat map. */
      pictures: OutputPicture[];
      /** Paired timing of the model as opened and now (they alternate run by run on the same inputs). */
      latency: PairedLatency;
    }
  | { ok: false; message: string; cancelled?: boolean };

/** What the compare view and notifications say of latency: paired runs, median with spread, threads. */
export type PairedLatency = Required<PairedTiming>;

/** The document now against the model as opened, in ONNX Runtime: fidelity, pictures, paired latency. */
export const fidelityRequest = new RequestType<FidelityParams, FidelityResult, void>('onnxPruner/fidelity');
