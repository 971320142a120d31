// "ONNX Pruner: Apply Pruning Plan" (palette, and a CodeLens at the top of every plan): the analyzer server
// prunes the plan's model into `<model>.pruned.onnx` and verifies it in ONNX Runtime; the report opens as a
// Markdown preview and the summary shows in a notification.
import * as vscode from 'vscode';
import type { AnalyzerClient } from './analyzerClient';

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

function ratio(before: number, after: number): string {
  return after > 0 ? `${(before / after).toFixed(2)}× smaller` : 'all removed';
}

export function registerApplyPlan(analyzer: AnalyzerClient, log: vscode.LogOutputChannel): vscode.Disposable {
  const command = vscode.commands.registerCommand('onnxPruner.applyPlan', async (argument: unknown) => {
    const uri = argument instanceof vscode.Uri ? argument : vscode.window.activeTextEditor?.document.uri;
    if (!uri || !uri.path.endsWith('.prune.json')) {
      void vscode.window.showErrorMessage(
        'Open a pruning plan (*.prune.json) first, or run Prune Channels to make one.',
      );
      return;
    }
    const document = await vscode.workspace.openTextDocument(uri);
    const verify = vscode.workspace.getConfiguration('onnxPruner').get<boolean>('prune.verify', true);
    const result = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: verify ? 'Pruning and verifying in ONNX Runtime…' : 'Pruning…',
        cancellable: true,
      },
      (_progress, token) =>
        analyzer.applyPlan({ planUri: uri.toString(), text: document.getText(), verify }, token),
    );
    if (!result.ok) {
      log.error(result.message);
      void vscode.window.showErrorMessage(result.message);
      return;
    }
    const pruned = vscode.Uri.parse(result.prunedUri);
    const reportUri = pruned.with({ path: pruned.path.replace(/\.onnx$/, '.report.md') });
    await vscode.workspace.fs.writeFile(reportUri, new TextEncoder().encode(result.report));
    const v = result.verification;
    const verdict = !v
      ? 'not verified'
      : v.passed
        ? `verified in ONNX Runtime (max error ${v.maxAbsError?.toExponential(1) ?? '–'})`
        : 'VERIFICATION FAILED';
    const summary =
      `Pruned model written: ${pruned.path.slice(pruned.path.lastIndexOf('/') + 1)}, parameters ` +
      `${ratio(result.parameters.before, result.parameters.after)}, MACs ${ratio(result.macs.before, result.macs.after)}, ${verdict}.`;
    log.info(summary);
    const show = (v && !v.passed ? vscode.window.showWarningMessage : vscode.window.showInformationMessage)(
      summary,
      'Show Report',
    );
    void show.then((choice) => {
      if (choice === 'Show Report') void vscode.commands.executeCommand('markdown.showPreview', reportUri);
    });
  });
  const lens = vscode.languages.registerCodeLensProvider(
    { scheme: 'file', pattern: PLAN_PATTERN },
    new ApplyPlanLens(),
  );
  return vscode.Disposable.from(command, lens);
}
