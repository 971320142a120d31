// Commands on the active model: Show Model Summary, Analyze Model (findings in the Problems panel), Verify Pruned
// Model (against `<model>.pruned.onnx` when it exists, else a picked file); and the status bar item that shows
// the active model's parameters and MACs.
import * as vscode from 'vscode';
import { notify } from './notify';
import type { ModelSummary } from '../core/inspect/summary';
import { macsBasis } from '../core/inspect/format';
import type { AnalyzerClient } from './analyzerClient';
import { MODEL_EDITOR_VIEW_TYPE, ModelEditorProvider } from './modelEditor';
import { renderComparePage } from './compareHtml';
import { randomBytes } from 'node:crypto';

/** "Compare Models": the active (or picked) model against another, layer by layer, in a page of its own. */
async function compareModels(analyzer: AnalyzerClient, argument: unknown): Promise<void> {
  const original = await modelArgument(argument, 'Original');
  if (!original) return;
  const other = (
    await vscode.window.showOpenDialog({
      filters: { 'ONNX models': ['onnx'] },
      openLabel: 'Compare with',
      defaultUri: vscode.Uri.joinPath(original, '..'),
    })
  )?.[0];
  if (!other) return;
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: 'Comparing models…' },
    () => analyzer.compareModels({ originalUri: original.toString(), otherUri: other.toString() }),
  );
  const name = (uri: vscode.Uri) => uri.path.slice(uri.path.lastIndexOf('/') + 1);
  const panel = vscode.window.createWebviewPanel(
    'onnxPruner.compare',
    `${name(original)} ↔ ${name(other)}`,
    vscode.ViewColumn.Active,
    { enableScripts: false, localResourceRoots: [] },
  );
  panel.webview.html = renderComparePage(result, name(original), name(other), {
    nonce: randomBytes(16).toString('base64'),
  });
}

/** "Fix Problem": the fixable findings of the active model, picked and applied as an undoable edit. */
async function fixProblem(editor: ModelEditorProvider, argument: unknown): Promise<void> {
  const model = await modelArgument(argument, 'Fix');
  if (!model) return;
  await vscode.commands.executeCommand('vscode.openWith', model, MODEL_EDITOR_VIEW_TYPE);
  const document = editor.document(model);
  const state = document?.state;
  const fixable = state?.ok ? state.findings.filter((f) => f.fix) : [];
  if (!document || fixable.length === 0) {
    void notify.info(`${model.path.slice(model.path.lastIndexOf('/') + 1)} has no problem with a model fix.`);
    return;
  }
  const picked = await vscode.window.showQuickPick(
    fixable.map((f) => ({
      label: f.fix!.title,
      description: `${f.code}${f.node ? ` at ${f.node}` : ''}`,
      detail: f.message,
      finding: f,
    })),
    {
      title: 'Fix Problem',
      placeHolder: 'Pick a problem to fix (the fix is an undoable edit)',
      matchOnDetail: true,
    },
  );
  if (!picked) return;
  const fix = picked.finding.fix!;
  await editor.applyEdit(document, {
    kind: 'fix',
    label: `${fix.title}${fix.node ? ` at ${fix.node}` : ''}`,
    code: fix.code,
    ...(fix.node ? { node: fix.node } : {}),
  });
}

/** The model to act on: the command's argument (explorer, editor title), the active model editor, or a pick. */
export async function modelArgument(argument: unknown, openLabel: string): Promise<vscode.Uri | undefined> {
  if (argument instanceof vscode.Uri) return argument;
  if (ModelEditorProvider.activeModel) return ModelEditorProvider.activeModel;
  const picked = await vscode.window.showOpenDialog({ filters: { 'ONNX models': ['onnx'] }, openLabel });
  return picked?.[0];
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 2 });

export class ModelStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(
    'onnxPruner.model',
    vscode.StatusBarAlignment.Right,
    100,
  );

  constructor() {
    this.item.name = 'ONNX Pruner: active model';
    this.item.command = 'onnxPruner.pruneChannels';
  }

  show(summary: ModelSummary | undefined): void {
    if (!summary) {
      this.item.hide();
      return;
    }
    const macs = `${compact.format(summary.macs)}${summary.macsUncounted.length > 0 ? '+' : ''}`;
    this.item.text = `$(circuit-board) ${compact.format(summary.parameters)} params · ${macs} MACs`;
    const on = summary.macsInputShapes ? macsBasis(summary) : 'at batch 1';
    const uncounted =
      summary.macsUncounted.length > 0
        ? ` (${summary.macsUncounted.length} nodes with symbolic shapes not counted: the setting onnxPruner.verify.inputDims sizes their dims)`
        : '';
    this.item.tooltip = `${summary.parameters.toLocaleString('en')} parameters, ${summary.macs.toLocaleString('en')} MACs ${on}${uncounted}. Click to prune channels.`;
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}

export function registerModelCommands(
  analyzer: AnalyzerClient,
  editor: ModelEditorProvider,
  log: vscode.LogOutputChannel,
): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand('onnxPruner.fixProblem', (argument: unknown) =>
      fixProblem(editor, argument),
    ),
    vscode.commands.registerCommand('onnxPruner.compareModels', (argument: unknown) =>
      compareModels(analyzer, argument),
    ),
    vscode.commands.registerCommand('onnxPruner.showSummary', async (argument: unknown) => {
      const model = await modelArgument(argument, 'Show');
      if (model) await vscode.commands.executeCommand('vscode.openWith', model, MODEL_EDITOR_VIEW_TYPE);
    }),
    vscode.commands.registerCommand('onnxPruner.analyzeModel', async (argument: unknown) => {
      const model = await modelArgument(argument, 'Analyze');
      if (!model) return;
      // Opening it in the editor makes the analyzer publish its findings.
      await vscode.commands.executeCommand('vscode.openWith', model, MODEL_EDITOR_VIEW_TYPE);
      await vscode.commands.executeCommand('workbench.actions.view.problems');
    }),
    vscode.commands.registerCommand('onnxPruner.verifyModels', async (argument: unknown) => {
      const original = await modelArgument(argument, 'Original');
      if (!original) return;
      const beside = original.with({ path: original.path.replace(/\.onnx$/i, '.pruned.onnx') });
      const pruned = (await exists(beside))
        ? beside
        : (
            await vscode.window.showOpenDialog({
              filters: { 'ONNX models': ['onnx'] },
              openLabel: 'Pruned model',
            })
          )?.[0];
      if (!pruned) return;
      const result = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: 'Verifying in ONNX Runtime…',
          cancellable: true,
        },
        (_progress, token) =>
          analyzer.verify({ originalUri: original.toString(), prunedUri: pruned.toString() }, token),
      );
      if (!result.ok) {
        log.error(result.message);
        void notify.error(result.message);
        return;
      }
      log.info(`Verify:\n${result.text}`);
      const name = pruned.path.slice(pruned.path.lastIndexOf('/') + 1);
      const message = result.passed
        ? `${name} verified: equal to the masked original in ONNX Runtime.`
        : `${name} FAILED verification (details in the log).`;
      const shown = await (result.passed ? notify.info : notify.warning)(message, 'Show Log');
      if (shown === 'Show Log') log.show();
    }),
  );
}
