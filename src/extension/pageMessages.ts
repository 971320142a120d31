// What the model editor's page asks for: a Fix (an undoable edit), the graph skeleton and a node's details
// (answered by the language server for the document's current state), and exports of the graph view (saved
// where the user picks). Every message is checked first: the page shows untrusted model strings.
import * as vscode from 'vscode';
import type { ModelEdit } from '../protocol/server';
import { type HostMessage, isPageMessage } from '../protocol/webview';
import type { AnalyzerClient } from './analyzerClient';
import type { ModelDocument } from './modelDocument';
import type { PrunePanelHost } from './prunePanelHost';
import { writeFileSafely } from './writeFile';

export interface PageContext {
  document: ModelDocument;
  webview: vscode.Webview;
  analyzer: AnalyzerClient;
  log: vscode.LogOutputChannel;
  applyEdit(edit: ModelEdit): Promise<unknown>;
  panel: PrunePanelHost;
}

export async function handlePageMessage(message: unknown, context: PageContext): Promise<void> {
  if (!isPageMessage(message)) {
    context.log.warn('Ignored a malformed message from the model editor page');
    return;
  }
  const { document, webview, analyzer } = context;
  const post = (reply: HostMessage) => void webview.postMessage(reply);
  const params = { uri: document.uri.toString(), edits: [...document.edits] };
  switch (message.type) {
    case 'fix': {
      const where = message.node ? ` at ${message.node}` : '';
      await context.applyEdit({
        kind: 'fix',
        label: `${message.title}${where}`,
        code: message.code,
        ...(message.node ? { node: message.node } : {}),
      });
      return;
    }
    case 'graph': {
      if (!document.editable) {
        post({ type: 'graph', ok: false, message: 'The graph is shown for local files only.' });
        return;
      }
      post({ type: 'graph', ...(await analyzer.graph(params)) });
      return;
    }
    case 'details':
      post({
        type: 'details',
        node: message.node,
        ...(await analyzer.nodeDetails({ ...params, node: message.node, criterion: message.criterion })),
      });
      return;
    case 'plan':
      context.panel.restore();
      await context.panel.showPlan();
      return;
    case 'write-plan':
      await context.panel.write(message.settings);
      return;
    case 'layer':
      await context.panel.setLayer(message.root, message.keep, message.channels);
      return;
    case 'exclude':
      await context.panel.exclude(message.roots);
      return;
    case 'apply-plan':
      await vscode.commands.executeCommand('onnxPruner.applyPlan', context.panel.planUri, {
        calibDir: context.panel.calibDir,
        reconstruct: message.reconstruct === true,
      });
      return;
    case 'pick-calib':
    case 'clear-calib':
      await context.panel.pickCalib(message.type === 'clear-calib');
      return;
    case 'sensitivity':
      await context.panel.sensitivity();
      return;
    case 'cancel':
      context.panel.cancel();
      return;
    case 'allocate':
      await context.panel.allocate(message.target);
      return;
    case 'fidelity':
      await context.panel.fidelity();
      return;
    case 'compare':
      post({ type: 'compare', ...(await analyzer.compare(params)) });
      return;
    case 'export': {
      const name = document.uri.path.slice(document.uri.path.lastIndexOf('/') + 1).replace(/\.onnx$/i, '');
      const target = await vscode.window.showSaveDialog({
        defaultUri: vscode.Uri.joinPath(document.uri, '..', `${name}.graph.${message.format}`),
        filters: message.format === 'svg' ? { 'SVG image': ['svg'] } : { 'PNG image': ['png'] },
      });
      if (!target) return;
      const bytes =
        message.format === 'svg'
          ? new TextEncoder().encode(message.data)
          : Buffer.from(message.data.replace(/^data:image\/png;base64,/, ''), 'base64');
      await writeFileSafely(target, bytes);
      context.log.info(`Exported the graph of ${document.uri.fsPath} to ${target.fsPath}`);
      return;
    }
  }
}
