import { fileURLToPath } from 'node:url';
import {
  type Diagnostic as LspDiagnostic,
  DiagnosticSeverity,
  type Range,
} from 'vscode-languageserver-protocol';
import type { Severity } from '../core/analyze/codes';
import type { Diagnostic } from '../core/analyze/types';
import { parsePlan, planDiagnostics, resolvePlanModel } from '../core/plan';
import type { DiagnosticData } from '../protocol/server';
import type { ModelCache } from './modelCache';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

const START: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

function toLsp(d: Diagnostic): LspDiagnostic {
  const data: DiagnosticData = {
    fixes: d.fixes
      .filter((f) => f.edits && f.edits.length > 0)
      .map((f) => ({ title: f.title, edits: f.edits ?? [] })),
  };
  return {
    // A binary model has no lines: the finding sits at its start and its message names the node.
    range: d.range ?? START,
    severity: SEVERITY[d.severity],
    code: d.code,
    source: 'onnx-pruner',
    message: d.node && !d.range ? `${d.node}: ${d.message}` : d.message,
    data,
  };
}

/**
 * The findings of a model file, for its URI; a model that cannot be read gets one error saying why. `path` may
 * be an edited state of the model in a temporary folder: messages then name the model (`shownAs`).
 */
export function modelFindings(path: string, models: ModelCache, shownAs = path): LspDiagnostic[] {
  const result = models.get(path);
  if (!result.ok) {
    return [
      {
        range: START,
        severity: DiagnosticSeverity.Error,
        source: 'onnx-pruner',
        message: result.message.replaceAll(path, () => shownAs), // a function: `$&` in a name is no pattern
      },
    ];
  }
  return capped(result.analysis.report.diagnostics);
}

/**
 * Most problems one model puts in the Problems panel. A real model has tens to hundreds (120 for a 50,000-node
 * transformer); a file can be made to have hundreds of thousands, which the panel cannot show usefully and the
 * editor would carry in every update. The model editor lists them all, grouped by code.
 */
export const MAX_PROBLEMS = 1000;

/** The first MAX_PROBLEMS − 1 (errors first, as the analysis sorts them) and one that counts the rest. */
function capped(diagnostics: readonly Diagnostic[]): LspDiagnostic[] {
  if (diagnostics.length <= MAX_PROBLEMS) return diagnostics.map(toLsp);
  const kept = diagnostics.slice(0, MAX_PROBLEMS - 1).map(toLsp);
  const rest = diagnostics.length - kept.length;
  kept.push({
    range: START,
    severity: DiagnosticSeverity.Information,
    source: 'onnx-pruner',
    message: `… and ${rest.toLocaleString('en-US')} more findings: the model editor lists every one, grouped by code.`,
  });
  return kept;
}

/**
 * The model a plan refers to: its `model` field (from a parsed plan), relative to the plan's folder; undefined
 * when there is none or when it leads outside the plan's folder (resolvePlanModel: never opened).
 */
export function planModelPath(planPath: string, model: unknown): string | undefined {
  if (typeof model !== 'string' || !model) return undefined;
  const resolved = resolvePlanModel(planPath, model);
  return resolved.ok ? resolved.path : undefined;
}

/** The findings of a plan (PL000–PL009 with exact ranges, fixes as edits), checked against its model. */
export function planFindings(planUri: string, text: string, models: ModelCache): LspDiagnostic[] {
  const planPath = fileURLToPath(planUri);
  const doc = parsePlan(text);
  const named = doc.partial.model;
  if (typeof named !== 'string' || !named) return doc.diagnostics.map(toLsp);
  const range = doc.positions.properties.get('model')?.value ?? START;
  const resolved = resolvePlanModel(planPath, named);
  if (!resolved.ok) {
    // Said on the "model" value, and the model is not opened (nor are the layers checked against it).
    const refusal = {
      range,
      severity: DiagnosticSeverity.Error,
      source: 'onnx-pruner',
      message: `${resolved.message}.`,
    };
    return [...doc.diagnostics.map(toLsp), refusal];
  }
  const model = models.get(resolved.path);
  if (!model.ok) {
    return [
      ...doc.diagnostics.map(toLsp),
      {
        range,
        severity: DiagnosticSeverity.Error,
        source: 'onnx-pruner',
        message: `the plan's model cannot be read: ${model.message}`,
      },
    ];
  }
  const { analysis } = model;
  const modelSha256 = doc.partial.modelSha256 ? model.sha256() : undefined;
  return planDiagnostics(doc, analysis.roots, { modelSha256, groups: analysis.report.groups }).map(toLsp);
}

/** The analysis of the model a plan points at, when it can be read. */
export function planAnalysis(planUri: string, text: string, models: ModelCache) {
  const modelPath = planModelPath(fileURLToPath(planUri), parsePlan(text).partial.model);
  const result = modelPath ? models.get(modelPath) : undefined;
  return result?.ok ? result.analysis : undefined;
}
