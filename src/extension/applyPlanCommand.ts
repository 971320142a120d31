// "ONNX Pruner: Apply Pruning Plan" (palette, and a CodeLens at the top of every plan). When the plan's model is
// open in the ONNX Pruner editor, the plan becomes an undoable edit of it (verified in ONNX Runtime against the
// state before; Save writes it). Otherwise the analyzer server prunes the model into `<model>.pruned.onnx` and
// verifies it; the report opens as a Markdown preview and the summary shows in a notification.
import { dirname, resolve } from 'node:path';
import * as vscode from 'vscode';
import { notify } from './notify';
import { progressReport } from './progressReport';
import { parsePlan } from '../core/plan';
import { type PairedTiming, latencyText } from '../shared/latency';
import type { AnalyzerClient } from './analyzerClient';
import { MODEL_EDITOR_VIEW_TYPE, type ModelEditorProvider } from './modelEditor';
import { writeFileSafely } from './writeFile';

const PLAN_PATTERN = '**/*.prune.json';

class ApplyPlanLens implements vscode.CodeLensProvider {
  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const top = new vscode.Range(0, 0, 0, 0);
    return [
      new vscode.CodeLens(top, {
        title: '$(play) Apply pruning plan',
        command: 'onnxPruner.applyPlan',
        arguments: [document.uri],
      }),
    ];
  }
}

/** What the model editor's pruning panel adds to a plan it applies: its calibration folder, the refit. */
export interface ApplyOptions {
  calibDir?: string;
  reconstruct?: boolean;
}

/** The verification in a few words, for the notification, with its latency as measured. */
function verdictOf(
  v:
    { passed: boolean; maxAbsError: number | null; plainPrune?: boolean; latency?: PairedTiming } | undefined,
): string {
  if (!v) return 'not verified';
  const what = v.plainPrune ? 'the plain prune (before the refit) ' : '';
  const verdict = v.passed
    ? `${what}verified in ONNX Runtime (max error ${v.maxAbsError?.toExponential(1) ?? '–'})`
    : `${what}VERIFICATION FAILED`;
  return v.latency ? `${verdict}; ${latencyText(v.latency).text}` : verdict;
}

/** A pruned model slower than its original is a warning, like a failed verification. */
const warns = (v: { passed: boolean; latency?: PairedTiming } | undefined) =>
  v !== undefined && (!v.passed || (v.latency !== undefined && latencyText(v.latency).slower));

function ratio(before: number, after: number): string {
  if (before === 0) return 'none to count';
  return after > 0 ? `${(before / after).toFixed(2)}× smaller` : 'all removed';
}

/** The MACs part of the summary: not a ratio when symbolic input dims left nodes uncounted. */
function macsText(macs: { before: number; after: number; uncounted?: number }): string {
  return macs.uncounted
    ? `MACs not counted (symbolic input dims: the setting onnxPruner.verify.inputDims sizes them)`
    : `MACs ${ratio(macs.before, macs.after)}`;
}

/** The model a plan's `model` field names (relative to the plan's folder). */
function planModel(planUri: vscode.Uri, text: string): vscode.Uri | undefined {
  const model = parsePlan(text).partial.model;
  return typeof model === 'string' && model && planUri.scheme === 'file'
    ? vscode.Uri.file(resolve(dirname(planUri.fsPath), model))
    : undefined;
}

/** The plan as an undoable edit of its model's open document. */
async function applyToDocument(
  editor: ModelEditorProvider,
  planUri: vscode.Uri,
  text: string,
  verify: boolean,
  log: vscode.LogOutputChannel,
  options: ApplyOptions,
): Promise<void> {
  const model = planModel(planUri, text)!;
  const document = editor.document(model)!;
  const name = planUri.path.slice(planUri.path.lastIndexOf('/') + 1);
  const before = document.state?.ok ? document.state.summary : undefined;
  const refit = options.reconstruct ? ', layers refitted' : '';
  const result = await editor.applyEdit(
    document,
    {
      kind: 'prune',
      label: `Prune channels (${name}${refit})`,
      planUri: planUri.toString(),
      planText: text,
      ...(options.calibDir !== undefined ? { calibDir: options.calibDir } : {}),
      ...(options.reconstruct ? { reconstruct: true } : {}),
    },
    verify,
  );
  if (!result.ok) return;
  await vscode.commands.executeCommand('vscode.openWith', model, MODEL_EDITOR_VIEW_TYPE);
  const v = result.verification;
  const verdict = verdictOf(v);
  if (v) log.info(`Verify:\n${v.text}`);
  const sizes = before
    ? `parameters ${ratio(before.parameters, result.summary.parameters)}, MACs ${ratio(before.macs, result.summary.macs)}, `
    : '';
  const message = `Plan applied to ${model.path.slice(model.path.lastIndexOf('/') + 1)}: ${sizes}${verdict}. Save to write the model; Undo takes it back.`;
  log.info(message);
  void (warns(v) ? notify.warning : notify.info)(message);
}

export function registerApplyPlan(
  analyzer: AnalyzerClient,
  editor: ModelEditorProvider,
  log: vscode.LogOutputChannel,
): vscode.Disposable {
  const command = vscode.commands.registerCommand(
    'onnxPruner.applyPlan',
    async (argument: unknown, extra?: unknown) => {
      // The pruning panel passes its calibration folder and refit choice; other callers pass nothing.
      const options: ApplyOptions =
        typeof extra === 'object' && extra !== null ? (extra as ApplyOptions) : {};
      const uri = argument instanceof vscode.Uri ? argument : vscode.window.activeTextEditor?.document.uri;
      if (!uri || !uri.path.endsWith('.prune.json')) {
        void notify.error('Open a pruning plan (*.prune.json) first, or run Prune Channels to make one.');
        return;
      }
      const document = await vscode.workspace.openTextDocument(uri);
      const verify = vscode.workspace.getConfiguration('onnxPruner').get<boolean>('prune.verify', true);
      const model = planModel(uri, document.getText());
      if (model && editor.document(model)) {
        await applyToDocument(editor, uri, document.getText(), verify, log, options);
        return;
      }
      const result = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: verify ? 'Pruning and verifying in ONNX Runtime…' : 'Pruning…',
          cancellable: true,
        },
        (progress, token) =>
          analyzer.applyPlan(
            {
              planUri: uri.toString(),
              text: document.getText(),
              verify,
              outputSuffix: vscode.workspace
                .getConfiguration('onnxPruner')
                .get<string>('output.suffix', '.pruned'),
            },
            token,
            progressReport(progress),
          ),
      );
      if (!result.ok) {
        log.error(result.message);
        void notify.error(result.message);
        return;
      }
      const pruned = vscode.Uri.parse(result.prunedUri);
      const reportUri = pruned.with({ path: pruned.path.replace(/\.onnx$/, '.report.md') });
      await writeFileSafely(reportUri, result.report);
      const v = result.verification;
      const verdict = verdictOf(v);
      const summary =
        `Pruned model written: ${pruned.path.slice(pruned.path.lastIndexOf('/') + 1)}, parameters ` +
        `${ratio(result.parameters.before, result.parameters.after)}, ${macsText(result.macs)}, ${verdict}.`;
      log.info(`${summary} Wrote ${[...result.files, reportUri.fsPath].join(', ')}.`);
      const show = (warns(v) ? notify.warning : notify.info)(summary, 'Show Report');
      void show.then((choice) => {
        if (choice === 'Show Report') void vscode.commands.executeCommand('markdown.showPreview', reportUri);
      });
    },
  );
  const lens = vscode.languages.registerCodeLensProvider(
    { scheme: 'file', pattern: PLAN_PATTERN },
    new ApplyPlanLens(),
  );
  return vscode.Disposable.from(command, lens);
}
