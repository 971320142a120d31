/**
 * Custom messages between the extension (language client) and the analyzer language server, beyond LSP's own.
 * A binary `.onnx` file is never a text document, so the client tells the server which models are open in the
 * editor; the server then owns their analysis and publishes their findings on the model's URI.
 */
import { NotificationType, RequestType } from 'vscode-languageserver-protocol';

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
  criterion: 'l1' | 'l2' | 'bn' | 'random';
  /** Share of each group's channels to remove, or… */
  ratio?: number;
  /** …prune until MACs are at most this share of the original. */
  targetMacs?: number;
  global?: boolean;
  roundTo?: number;
}

export interface PlanPreviewRow {
  group: string;
  root: string;
  channels: number;
  kept: number;
  /** Why the group is left alone, when it is. */
  skipped?: string;
}

export type MakePlanResult =
  { ok: true; planUri: string; text: string; preview: PlanPreviewRow[] } | { ok: false; message: string };

/** The selection a prune would make, as plan text (the client writes and opens it). */
export const makePlanRequest = new RequestType<MakePlanParams, MakePlanResult, void>('onnxPruner/makePlan');

export interface ApplyPlanParams {
  /** The plan's `file:` URI (its model is resolved from it). */
  planUri: string;
  /** The plan as the editor has it (it may be unsaved). */
  text: string;
  /** Check the pruned model in ONNX Runtime against the masked original. */
  verify: boolean;
}

export type ApplyPlanResult =
  | {
      ok: true;
      prunedUri: string;
      /** A Markdown page: what was removed per group, parameters, MACs, and the verification. */
      report: string;
      parameters: { before: number; after: number };
      macs: { before: number; after: number };
      /** Present when verified. */
      verification?: { passed: boolean; maxAbsError: number | null; latencyRatio: number | null };
    }
  | { ok: false; message: string };

/** Prunes the plan's model into `<model>.pruned.onnx` (atomically), then verifies it; cancellable. */
export const applyPlanRequest = new RequestType<ApplyPlanParams, ApplyPlanResult, void>(
  'onnxPruner/applyPlan',
);

export interface VerifyParams {
  originalUri: string;
  prunedUri: string;
}

export type VerifyPlanResult = { ok: true; passed: boolean; text: string } | { ok: false; message: string };

/** Checks a pruned model against its original in ONNX Runtime (a child of the server); the text is the CLI's. */
export const verifyRequest = new RequestType<VerifyParams, VerifyPlanResult, void>('onnxPruner/verify');
