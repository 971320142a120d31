import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ChannelGroup, Diagnostic, PixelShuffleInfo } from '../core/analyze/types';
import { isModelFixCode } from '../shared/modelFixCodes';
import { summarizeModel } from '../core/inspect/summary';
import { OnnxError } from '../core/onnx/errors';
import { ModelView } from '../core/onnx/modelView';
import type {
  FindingRow,
  GroupRow,
  SaveModelParams,
  ModelStateParams,
  ModelStateResult,
  SaveModelResult,
} from '../protocol/server';
import { formatVerify, refusalSentence, sentence } from '../runtime/verify/formatVerify';
import { VerifyInputError } from '../runtime/verify/types';
import { verifyModels } from '../runtime/verify/verifyModels';
import { TIMEOUT_SETTING, pairedTimingOf, verifyTimeoutMs } from './verify';
import { INPUT_DIMS_SETTING, inputDimsForModel, inputSizesForInputs } from './inputDimsSetting';
import { PlanRefused } from './checkedPlan';
import { largest } from '../core/lists';
import { PruneCancelled } from './pruneInWorker';
import { type ModelCache, analysedFile } from './modelCache';
import type { ModelStates } from './modelStates';
import type { WorkDone } from './workDone';

/**
 * Answers onnxPruner/modelState: materialises the document's edits (an edit that cannot be made refuses the
 * request and changes nothing), then summarises and analyses the result for the editor.
 */
export async function modelStateFor(
  params: ModelStateParams,
  states: ModelStates,
  models: ModelCache,
  signal: AbortSignal,
  progress?: WorkDone,
): Promise<ModelStateResult> {
  const modelPath = fileURLToPath(params.uri);
  try {
    const path = await states.show(params.uri, params.edits, signal, progress?.prune);
    const result = models.get(path);
    if (!result.ok) return { ok: false, message: states.shown(result.message, modelPath) };
    // The analysed structure and its shape facts, unless the file is no longer the version analysed.
    const { file, reopened } = analysedFile(result.analysis, path);
    const summary = (() => {
      try {
        // The MACs on the sizes the setting gives the model's symbolic input dims, if it gives any.
        const view = new ModelView(file);
        const { inputShapes } = inputSizesForInputs(params.inputDims, view.graph.inputs);
        const facts = reopened ? result.analysis.state.facts : undefined;
        return summarizeModel(view, { inputShapes, facts });
      } finally {
        file.close();
      }
    })();
    summary.path = modelPath;
    const last = params.edits.at(-1);
    const verifying = params.verifyLast === true && last?.kind === 'prune' && !signal.aborted;
    if (verifying) progress?.report('checking it in ONNX Runtime against the model before…', 100);
    const verified = verifying ? await verifyLastEdit(params, states, path) : undefined;
    // The report names the model: the states it compared are files of ours.
    const verification = verified && { ...verified, text: states.shown(verified.text, modelPath) };
    return {
      ok: true,
      summary,
      groups: result.analysis.report.groups.map(groupRow),
      findings: result.analysis.report.diagnostics.map(findingRow),
      ...(verification ? { verification } : {}),
    };
  } catch (error) {
    return { ok: false, message: states.shown(userMessage(error, modelPath, signal), modelPath) };
  }
}

/** Answers onnxPruner/saveModel. */
export async function saveModelFor(
  params: SaveModelParams,
  states: ModelStates,
  signal: AbortSignal,
): Promise<SaveModelResult> {
  const target = fileURLToPath(params.target);
  try {
    const saved = await states.save(params.uri, params.edits, target, params.backup, signal);
    return {
      ok: true,
      bytes: saved.bytes,
      files: saved.files,
      ...(saved.backup ? { backupUri: pathToFileURL(saved.backup).href } : {}),
    };
  } catch (error) {
    return {
      ok: false,
      message: states.shown(userMessage(error, target, signal), fileURLToPath(params.uri)),
    };
  }
}

/** The pruned state against the one before it, in ONNX Runtime (the masked-original oracle). */
async function verifyLastEdit(params: ModelStateParams, states: ModelStates, state: string) {
  const before = await states.materialise(params.uri, params.edits.slice(0, -1));
  // A refitted model no longer equals the masked original: the surgery is checked on its plain prune.
  const last = params.edits.at(-1)!;
  const reconstructed = last.kind === 'prune' && last.reconstruct === true;
  const pruned = reconstructed
    ? await states.materialise(params.uri, [...params.edits.slice(0, -1), { ...last, reconstruct: false }])
    : state;
  try {
    const result = await verifyModels(before, pruned, {
      runs: 3,
      timeoutMs: verifyTimeoutMs(params.timeoutSeconds),
      dims: inputDimsForModel(params.inputDims, before),
    });
    const errors = result.exactness.outputs.map((o) => o.maxAbsError).filter((e) => e !== null);
    return {
      passed: result.passed,
      maxAbsError: errors.length > 0 ? largest(errors) : null,
      text: formatVerify(result, INPUT_DIMS_SETTING),
      ...(reconstructed ? { plainPrune: true } : {}),
      ...(result.timing ? { latency: pairedTimingOf(result)! } : {}),
    };
  } catch (error) {
    if (error instanceof VerifyInputError)
      return { passed: false, maxAbsError: null, text: refusalSentence(error, TIMEOUT_SETTING) };
    if (error instanceof OnnxError)
      return { passed: false, maxAbsError: null, text: sentence(error.message) };
    throw error;
  }
}

function userMessage(error: unknown, path: string, signal: AbortSignal): string {
  if (signal.aborted || error instanceof PruneCancelled) return 'Cancelled: nothing was changed.';
  if (error instanceof PlanRefused || error instanceof OnnxError) return error.message;
  return `${path}: ${(error as Error).message}`;
}

function shuffleLabel(s: PixelShuffleInfo): string {
  return `${s.form}${s.mode ? ` ${s.mode}` : ''} r=${s.blocksize} at ${s.node}`;
}

export function groupRow(g: ChannelGroup): GroupRow {
  return {
    id: g.id,
    roots: g.roots,
    channels: g.channels,
    unit: g.unit,
    prunable: g.prunable,
    locked: g.locked,
    pixelShuffles: g.pixelShuffle.map(shuffleLabel),
    members: g.members.length,
  };
}

export function findingRow(d: Diagnostic): FindingRow {
  const fix = d.fixes.find((f) => f.kind === 'model');
  const code = fix?.id.split('.')[0];
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    ...(d.node ? { node: d.node } : {}),
    ...(d.group ? { group: d.group } : {}),
    ...(fix && isModelFixCode(code)
      ? { fix: { code, title: fix.title, ...(d.node ? { node: d.node } : {}) } }
      : {}),
  };
}
