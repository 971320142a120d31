import * as vscode from 'vscode';
import { ModelEditorProvider } from './modelEditor';

let log: vscode.LogOutputChannel | undefined;

export function activate(context: vscode.ExtensionContext): void {
  log = vscode.window.createOutputChannel('ONNX Pruner', { log: true });
  context.subscriptions.push(
    log,
    vscode.commands.registerCommand('onnxPruner.showLog', () => log?.show()),
    ModelEditorProvider.register(log),
  );
  log.info(`ONNX Pruner ${context.extension.packageJSON.version} activated (VS Code ${vscode.version})`);
}

export function deactivate(): void {
  log = undefined;
}
