// The ONNX model editor (viewType onnxPruner.modelEditor): a read-only custom editor that shows the model
// summary. It opens the model with the core's lazy reader (graph only, never the weights), renders the page
// in the extension host (summaryHtml.ts) and re-renders when the file changes on disk. A model that cannot be
// opened shows the core's one-sentence message; nothing here throws into VS Code.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import { summarizeModel, type ModelSummary } from '../core/inspect/summary';
import { OnnxError, withModelErrors } from '../core/onnx/errors';
import type { ModelFile } from '../core/onnx/modelFile';
import { ModelView } from '../core/onnx/modelView';
import { openModel, openModelBytes } from '../core/onnx/reader';
import { renderErrorPage, renderSummaryPage } from './summaryHtml';

export const MODEL_EDITOR_VIEW_TYPE = 'onnxPruner.modelEditor';

class ModelDocument implements vscode.CustomDocument {
  constructor(
    readonly uri: vscode.Uri,
    private readonly onDispose: () => void,
  ) {}
  dispose(): void {
    this.onDispose();
  }
}

/** Who hears of models opening and closing in the editor (the analyzer client), and of the active one. */
export interface ModelListener {
  opened(uri: vscode.Uri): void;
  closed(uri: vscode.Uri): void;
  /** The active model editor changed: its summary, or undefined when none is active (or it failed to open). */
  active(summary: ModelSummary | undefined): void;
}

export class ModelEditorProvider implements vscode.CustomReadonlyEditorProvider<ModelDocument> {
  static register(log: vscode.LogOutputChannel, listener: ModelListener): vscode.Disposable {
    return vscode.window.registerCustomEditorProvider(
      MODEL_EDITOR_VIEW_TYPE,
      new ModelEditorProvider(log, listener),
      { supportsMultipleEditorsPerDocument: true },
    );
  }

  /** The model of the editor that was active last (commands act on it). */
  static activeModel: vscode.Uri | undefined;

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly listener: ModelListener,
  ) {}

  openCustomDocument(uri: vscode.Uri): ModelDocument {
    this.listener.opened(uri);
    return new ModelDocument(uri, () => this.listener.closed(uri));
  }

  async resolveCustomEditor(document: ModelDocument, panel: vscode.WebviewPanel): Promise<void> {
    const uri = document.uri;
    const title = uri.path.slice(uri.path.lastIndexOf('/') + 1);
    panel.webview.options = { enableScripts: false, localResourceRoots: [] };
    let disposed = false;
    let summary: ModelSummary | undefined;
    ModelEditorProvider.activeModel = uri;
    panel.onDidChangeViewState(({ webviewPanel }) => {
      if (webviewPanel.active) {
        ModelEditorProvider.activeModel = uri;
        this.listener.active(summary);
      } else if (ModelEditorProvider.activeModel?.toString() === uri.toString()) {
        this.listener.active(undefined);
      }
    });
    panel.onDidDispose(() => {
      disposed = true;
      if (ModelEditorProvider.activeModel?.toString() === uri.toString()) {
        ModelEditorProvider.activeModel = undefined;
        this.listener.active(undefined);
      }
    });
    const render = async () => {
      const result = await this.summarize(uri);
      if (disposed) return;
      summary = 'summary' in result ? result.summary : undefined;
      if (panel.active) this.listener.active(summary);
      const nonce = randomBytes(16).toString('base64');
      panel.webview.html =
        'summary' in result
          ? renderSummaryPage(result.summary, title, { nonce })
          : renderErrorPage(result.error, title, { nonce });
    };
    if (uri.scheme === 'file') {
      const folder = vscode.Uri.joinPath(uri, '..');
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, title));
      const rerender = () => {
        if (disposed) return;
        this.log.info(`${uri.fsPath} changed on disk: reloading`);
        void render();
      };
      watcher.onDidChange(rerender);
      watcher.onDidCreate(rerender);
      watcher.onDidDelete(rerender);
      panel.onDidDispose(() => watcher.dispose());
    }
    await render();
  }

  /** Opens and summarizes the model; the error is the user-facing sentence when that fails. */
  private async summarize(uri: vscode.Uri): Promise<{ summary: ModelSummary } | { error: string }> {
    const name = uri.scheme === 'file' ? uri.fsPath : uri.toString(true);
    const started = performance.now();
    let file: ModelFile | undefined;
    try {
      // Local files are read lazily; other schemes (virtual file systems) are read whole.
      const bytes = uri.scheme === 'file' ? undefined : await vscode.workspace.fs.readFile(uri);
      const summary = withModelErrors(name, () => {
        file = bytes ? openModelBytes(bytes, name) : openModel(name);
        return summarizeModel(new ModelView(file));
      });
      const ms = (performance.now() - started).toFixed(1);
      this.log.info(
        `Opened ${name}: ${summary.nodesTotal} nodes, ${summary.parameters} parameters (${ms} ms)`,
      );
      return { summary };
    } catch (error) {
      if (error instanceof OnnxError) {
        this.log.error(`Cannot open ${name}: ${error.message}`);
        return { error: error.message };
      }
      this.log.error(`Unexpected error opening ${name}`, error);
      return {
        error: `${name} could not be opened: ${error instanceof Error ? error.message : String(error)}`,
      };
    } finally {
      file?.close();
    }
  }
}
