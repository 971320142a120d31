import * as vscode from 'vscode';
import { AnalyzerClient } from './analyzerClient';
import { registerApplyPlan } from './applyPlanCommand';
import { ModelEditorProvider } from './modelEditor';
import { registerPruneCommand } from './pruneCommand';

let log: vscode.LogOutputChannel | undefined;

export function activate(context: vscode.ExtensionContext): void {
  log = vscode.window.createOutputChannel('ONNX Pruner', { log: true });
  const analyzer = new AnalyzerClient(context, log);
  context.subscriptions.push(
    log,
    analyzer,
    vscode.commands.registerCommand('onnxPruner.showLog', () => log?.show()),
    ModelEditorProvider.register(log, analyzer),
    registerPruneCommand(analyzer, log),
    registerApplyPlan(analyzer, log),
  );
  log.info(`ONNX Pruner ${context.extension.packageJSON.version} activated (VS Code ${vscode.version})`);
}

export function deactivate(): void {
  log = undefined;
}
