import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as vscode from 'vscode';
import { AnalyzerClient } from './analyzerClient';
import { registerApplyPlan } from './applyPlanCommand';
import { ModelEditorProvider } from './modelEditor';
import { ModelStatus, registerModelCommands } from './modelCommands';
import { registerPruneCommand } from './pruneCommand';

let log: vscode.LogOutputChannel | undefined;

export function activate(context: vscode.ExtensionContext): void {
  log = vscode.window.createOutputChannel('ONNX Pruner', { log: true });
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  let loopSince = 'activation';
  context.subscriptions.push({ dispose: () => loop.disable() });
  const analyzer = new AnalyzerClient(context, log);
  const status = new ModelStatus();
  const listener = {
    opened: (uri: vscode.Uri) => analyzer.opened(uri),
    closed: (uri: vscode.Uri) => analyzer.closed(uri),
    active: (summary: Parameters<ModelStatus['show']>[0]) => status.show(summary),
  };
  const editor = ModelEditorProvider.register(context, log, analyzer, listener);
  context.subscriptions.push(
    log,
    analyzer,
    vscode.commands.registerCommand('onnxPruner.showLog', () => {
      // The extension host is shared with every other extension: how long we (or anyone) blocked it shows here.
      const ms = (ns: number) => (ns / 1e6).toFixed(1);
      log?.info(
        `Extension host event loop since ${loopSince}: worst delay ${ms(loop.max)} ms, 99th percentile ${ms(loop.percentile(99))} ms`,
      );
      loop.reset();
      loopSince = 'the log was last shown';
      log?.show();
    }),
    status,
    editor.disposable,
    registerModelCommands(analyzer, editor.provider, log),
    registerPruneCommand(analyzer, log),
    registerApplyPlan(analyzer, editor.provider, log),
  );
  log.info(`ONNX Pruner ${context.extension.packageJSON.version} activated (VS Code ${vscode.version})`);
}

export function deactivate(): void {
  log = undefined;
}
