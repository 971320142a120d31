// The ONNX model editor (viewType onnxPruner.modelEditor), a CustomEditorProvider. A document is its model file
// plus undoable edits (prunes, fixes) that the language server materialises; Save streams the result through
// the core writer (in the server), atomically, keeping the previous file as <file>.bak unless the setting says
// not to. Hot-exit backups store the edit list, not model bytes. The page is rendered here (editorPage.ts) and
// its script only reports button presses; saving never needs the page.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { notify } from './notify';
import { progressReport } from './progressReport';
import type { ModelSummary } from '../core/inspect/summary';
import type { ModelEdit, ModelStateResult } from '../protocol/server';
import type { AnalyzerClient } from './analyzerClient';
import { renderEditorPage } from './editorPage';
import { ModelDocument } from './modelDocument';
import { handlePageMessage } from './pageMessages';
import { PrunePanelHost } from './prunePanelHost';
import { renderErrorPage } from './summaryHtml';

export const MODEL_EDITOR_VIEW_TYPE = 'onnxPruner.modelEditor';

/** Who hears of models opening and closing in the editor (the analyzer client), and of the active one. */
export interface ModelListener {
  opened(uri: vscode.Uri): void;
  closed(uri: vscode.Uri): void;
  /** The active model editor changed: its summary, or undefined when none is active (or it failed to open). */
  active(summary: ModelSummary | undefined): void;
}

interface Backup {
  version: 1;
  uri: string;
  edits: ModelEdit[];
}

export class ModelEditorProvider implements vscode.CustomEditorProvider<ModelDocument> {
  static register(
    context: vscode.ExtensionContext,
    log: vscode.LogOutputChannel,
    analyzer: AnalyzerClient,
    listener: ModelListener,
  ): { provider: ModelEditorProvider; disposable: vscode.Disposable } {
    const provider = new ModelEditorProvider(context, log, analyzer, listener);
    const disposable = vscode.window.registerCustomEditorProvider(MODEL_EDITOR_VIEW_TYPE, provider, {
      supportsMultipleEditorsPerDocument: true,
    });
    return { provider, disposable };
  }

  /** The model of the editor that was active last (commands act on it). */
  static activeModel: vscode.Uri | undefined;

  private readonly documents = new Map<string, ModelDocument>();
  private readonly panels = new Map<ModelDocument, Set<vscode.WebviewPanel>>();
  private readonly changed = new vscode.EventEmitter<vscode.CustomDocumentEditEvent<ModelDocument>>();
  readonly onDidChangeCustomDocument = this.changed.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    private readonly analyzer: AnalyzerClient,
    private readonly listener: ModelListener,
  ) {
    // After a crash of the language server, every open document asks for its state again (its edits are
    // materialised anew), which also brings its findings back.
    context.subscriptions.push(
      analyzer.onRestarted(() => {
        for (const document of this.documents.values()) void document.load(document.edits);
      }),
    );
  }

  /** The open document of a model, if it is open in this editor. */
  document(uri: vscode.Uri): ModelDocument | undefined {
    return this.documents.get(uri.toString());
  }

  async openCustomDocument(
    uri: vscode.Uri,
    { backupId }: vscode.CustomDocumentOpenContext,
    token: vscode.CancellationToken,
  ): Promise<ModelDocument> {
    const key = uri.toString();
    const watcher = this.watch(uri);
    const document = new ModelDocument(uri, this.analyzer, () => {
      watcher?.dispose();
      this.documents.delete(key);
      this.listener.closed(uri);
    });
    this.documents.set(key, document);
    this.listener.opened(uri);
    const started = Date.now();
    const edits = backupId ? await this.readBackup(backupId) : [];
    const restored = edits.length > 0 ? await document.load(edits) : undefined;
    if (restored && !restored.ok) {
      this.log.warn(`Could not restore the unsaved edits of ${uri.fsPath}: ${restored.message}`);
      void notify.warning(`The unsaved edits of ${uri.fsPath} could not be restored: ${restored.message}`);
    }
    const state = restored?.ok
      ? restored
      : await vscode.window.withProgress(
          {
            location: vscode.ProgressLocation.Window,
            title: `Analysing ${uri.path.slice(uri.path.lastIndexOf('/') + 1)}…`,
          },
          () => document.load([], token),
        );
    const name = uri.scheme === 'file' ? uri.fsPath : uri.toString(true);
    if (state.ok) {
      const s = state.summary;
      const more = restored?.ok ? `, ${edits.length} unsaved edit(s) restored` : '';
      this.log.info(
        `Opened ${name}: ${s.nodesTotal} nodes, ${s.parameters} parameters (${Date.now() - started} ms${more})`,
      );
    } else {
      this.log.error(`Cannot open ${name}: ${state.message}`);
    }
    return document;
  }

  resolveCustomEditor(document: ModelDocument, panel: vscode.WebviewPanel): void {
    const dist = vscode.Uri.joinPath(this.context.extensionUri, 'dist');
    panel.webview.options = { enableScripts: true, localResourceRoots: [dist] };
    const set = this.panels.get(document) ?? new Set();
    set.add(panel);
    this.panels.set(document, set);
    const render = () => {
      panel.webview.html = this.page(document, panel.webview, dist);
      if (panel.active) this.setActive(document);
    };
    const prunePanel = new PrunePanelHost(document, this.analyzer, (m) => void panel.webview.postMessage(m));
    let planTimer: NodeJS.Timeout | undefined;
    const onMessage = (message: unknown) =>
      handlePageMessage(message, {
        document,
        webview: panel.webview,
        analyzer: this.analyzer,
        log: this.log,
        applyEdit: (edit) => this.applyEdit(document, edit),
        panel: prunePanel,
      }).catch((error: unknown) => this.log.error('A request of the model editor page failed', error));
    const subscriptions = [
      document.onDidChangeState(render),
      panel.onDidChangeViewState(({ webviewPanel }) => {
        if (webviewPanel.active) this.setActive(document);
        else if (ModelEditorProvider.activeModel?.toString() === document.uri.toString())
          this.listener.active(undefined);
      }),
      panel.webview.onDidReceiveMessage((message: unknown) => onMessage(message)),
      // The plan typed in its own editor: the pruning panel follows (after a pause in typing).
      vscode.workspace.onDidChangeTextDocument(({ document: changed }) => {
        if (changed.uri.toString() !== prunePanel.planUri.toString()) return;
        clearTimeout(planTimer);
        planTimer = setTimeout(() => onMessage({ type: 'plan' }), 300);
      }),
    ];
    panel.onDidDispose(() => {
      clearTimeout(planTimer);
      subscriptions.forEach((s) => s.dispose());
      set.delete(panel);
      if (ModelEditorProvider.activeModel?.toString() === document.uri.toString()) {
        ModelEditorProvider.activeModel = undefined;
        this.listener.active(undefined);
      }
    });
    ModelEditorProvider.activeModel = document.uri;
    render();
  }

  /**
   * Adds an edit to the document (progress with cancel); VS Code gets it as an undoable edit. A refused edit
   * changes nothing and says why.
   */
  async applyEdit(document: ModelDocument, edit: ModelEdit, verify = false): Promise<ModelStateResult> {
    if (!document.editable) {
      const message = `${document.uri.toString(true)} is not a local file: the editor shows it but cannot edit it.`;
      void notify.error(message);
      return { ok: false, message };
    }
    const before = [...document.edits];
    const after = [...before, edit];
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `${edit.label}…`, cancellable: true },
      (progress, token) => document.load(after, token, verify, progressReport(progress)),
    );
    if (!result.ok) {
      this.log.error(`${edit.label}: ${result.message}`);
      void notify.error(result.message);
      return result;
    }
    this.log.info(`${document.uri.fsPath}: ${edit.label}`);
    this.changed.fire({
      document,
      label: edit.label,
      undo: async () => void (await document.load(before)),
      redo: async () => void (await document.load(after)),
    });
    return result;
  }

  saveCustomDocument(document: ModelDocument, token: vscode.CancellationToken): Promise<void> {
    return this.saveTo(document, document.uri, token);
  }

  saveCustomDocumentAs(
    document: ModelDocument,
    destination: vscode.Uri,
    token: vscode.CancellationToken,
  ): Promise<void> {
    return this.saveTo(document, destination, token);
  }

  async revertCustomDocument(document: ModelDocument): Promise<void> {
    this.analyzer.reloaded(document.uri);
    await document.load([]);
    document.markSaved();
  }

  async backupCustomDocument(
    document: ModelDocument,
    context: vscode.CustomDocumentBackupContext,
  ): Promise<vscode.CustomDocumentBackup> {
    const backup: Backup = { version: 1, uri: document.uri.toString(), edits: [...document.edits] };
    // VS Code's own backup folder (not the model's): written by VS Code, which creates that folder first.
    await vscode.workspace.fs.writeFile(
      context.destination,
      new TextEncoder().encode(JSON.stringify(backup)),
    );
    return {
      id: context.destination.toString(),
      delete: () => void vscode.workspace.fs.delete(context.destination).then(undefined, () => undefined),
    };
  }

  private async saveTo(
    document: ModelDocument,
    destination: vscode.Uri,
    token: vscode.CancellationToken,
  ): Promise<void> {
    if (!document.editable || destination.scheme !== 'file')
      throw new Error('ONNX Pruner saves models to local files only.');
    const over = destination.toString() === document.uri.toString();
    const backup = over && vscode.workspace.getConfiguration('onnxPruner').get<boolean>('save.backup', true);
    document.savingUntil = Number.POSITIVE_INFINITY;
    try {
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: 'Saving model…', cancellable: true },
        (_progress, progressToken) => {
          const source = new vscode.CancellationTokenSource();
          token.onCancellationRequested(() => source.cancel());
          progressToken.onCancellationRequested(() => source.cancel());
          return this.analyzer.saveModel(
            {
              uri: document.uri.toString(),
              edits: [...document.edits],
              target: destination.toString(),
              backup,
            },
            source.token,
          );
        },
      );
      if (!result.ok) {
        this.log.error(`Save failed: ${result.message}`);
        throw new Error(result.message);
      }
      const kept = result.backupUri
        ? ` (the previous file kept as ${vscode.Uri.parse(result.backupUri).fsPath})`
        : '';
      this.log.info(
        `Saved ${destination.fsPath}: ${result.bytes} bytes${kept}; wrote ${result.files.join(', ')}`,
      );
      if (over) document.markSaved();
    } finally {
      document.savingUntil = Date.now() + 2000;
    }
  }

  private page(document: ModelDocument, webview: vscode.Webview, dist: vscode.Uri): string {
    const uri = document.uri;
    const title = uri.path.slice(uri.path.lastIndexOf('/') + 1);
    const nonce = randomBytes(16).toString('base64');
    const state = document.state;
    if (!state) return renderErrorPage('Loading…', title, { nonce });
    if (!state.ok) return renderErrorPage(state.message, title, { nonce });
    const script = {
      uri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      worker: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'layoutWorker.js')).toString(),
      cspSource: webview.cspSource,
    };
    const collapseAbove = vscode.workspace
      .getConfiguration('onnxPruner')
      .get<number>('graph.collapseAbove', 1000);
    return renderEditorPage({ state, edits: document.edits, dirty: document.dirty, collapseAbove }, title, {
      nonce,
      script,
    });
  }

  private setActive(document: ModelDocument): void {
    ModelEditorProvider.activeModel = document.uri;
    const state = document.state;
    this.listener.active(state?.ok ? state.summary : undefined);
  }

  /** The model changed on disk: reload it, or, when it has unsaved edits, ask first. */
  private watch(uri: vscode.Uri): vscode.Disposable | undefined {
    if (uri.scheme !== 'file') return undefined;
    const name = uri.path.slice(uri.path.lastIndexOf('/') + 1);
    const watcher = vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(vscode.Uri.joinPath(uri, '..'), name),
    );
    const changed = () => void this.changedOnDisk(uri);
    watcher.onDidChange(changed);
    watcher.onDidCreate(changed);
    watcher.onDidDelete(changed);
    return watcher;
  }

  private async changedOnDisk(uri: vscode.Uri): Promise<void> {
    const document = this.documents.get(uri.toString());
    if (!document || Date.now() < document.savingUntil) return;
    if (!document.dirty) {
      this.log.info(`${uri.fsPath} changed on disk: reloading`);
      this.analyzer.reloaded(uri);
      await document.load([]);
      document.markSaved();
      return;
    }
    const reload = 'Reload (Drop My Edits)';
    const choice = await notify.warning(
      `${uri.fsPath} changed on disk while it has unsaved edits. Your edits apply to the version you opened; ` +
        'saving them will overwrite the file on disk.',
      reload,
      'Keep My Edits',
    );
    if (choice !== reload) return;
    const panel = [...(this.panels.get(document) ?? [])][0];
    panel?.reveal();
    await vscode.commands.executeCommand('workbench.action.files.revert');
  }

  private async readBackup(backupId: string): Promise<ModelEdit[]> {
    try {
      const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.parse(backupId)));
      const backup = JSON.parse(text) as Partial<Backup>;
      return backup.version === 1 && Array.isArray(backup.edits) ? backup.edits : [];
    } catch (error) {
      this.log.warn(`Could not read the backup ${backupId}: ${(error as Error).message}`);
      return [];
    }
  }
}
