import * as vscode from 'vscode';

let log: vscode.LogOutputChannel | undefined;

export function activate(context: vscode.ExtensionContext): void {
  log = vscode.window.createOutputChannel('ONNX Pruner', { log: true });
  context.subscriptions.push(
    log,
    vscode.commands.registerCommand('onnxPruner.showLog', () => log?.show()),
  );
  log.info('ONNX Pruner activated');
}

export function deactivate(): void {
  log = undefined;
}
