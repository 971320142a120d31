// A model open in the ONNX Pruner editor: its file plus the edits made to it (prunes, model fixes). The
// language server materialises and analyses each edit list (its own process: nothing heavy runs here); this
// side keeps the list, the state the server answered with, and what was saved.
import * as vscode from 'vscode';
import { summarizeModel } from '../core/inspect/summary';
import { OnnxError, withModelErrors } from '../core/onnx/errors';
import { ModelView } from '../core/onnx/modelView';
import { openModelBytes } from '../core/onnx/reader';
import type { ModelEdit, ModelStateResult } from '../protocol/server';
import type { AnalyzerClient, ProgressListener } from './analyzerClient';

export class ModelDocument implements vscode.CustomDocument {
  private editList: ModelEdit[] = [];
  private savedEdits = '[]';
  private current: ModelStateResult | undefined;
  private readonly stateChanged = new vscode.EventEmitter<void>();
  /** The state or the saved mark changed: editors render again. */
  readonly onDidChangeState = this.stateChanged.event;
  /** Until when a change of the file on disk is our own save's. */
  savingUntil = 0;

  constructor(
    readonly uri: vscode.Uri,
    private readonly analyzer: AnalyzerClient,
    private readonly onDispose: () => void,
  ) {}

  get edits(): readonly ModelEdit[] {
    return this.editList;
  }

  get state(): ModelStateResult | undefined {
    return this.current;
  }

  /** Edits made since the file was last saved (or opened). */
  get dirty(): boolean {
    return JSON.stringify(this.editList) !== this.savedEdits;
  }

  /** Models in virtual file systems are shown, not edited: the analyzer reads local files. */
  get editable(): boolean {
    return this.uri.scheme === 'file';
  }

  /**
   * Makes `edits` the document's edits, if the server can make them: a refused edit list (a plan with errors,
   * a cancel) leaves the document as it was and returns why.
   */
  async load(
    edits: readonly ModelEdit[],
    token?: vscode.CancellationToken,
    verifyLast = false,
    onProgress?: ProgressListener,
  ): Promise<ModelStateResult> {
    const result = this.editable
      ? await this.analyzer.modelState(
          { uri: this.uri.toString(), edits: [...edits], verifyLast },
          token,
          onProgress,
        )
      : await readOnlyState(this.uri);
    if (result.ok || edits.length === 0) {
      this.editList = [...edits];
      this.current = result;
      this.stateChanged.fire();
    }
    return result;
  }

  /** The file now holds the current edits. */
  markSaved(): void {
    this.savedEdits = JSON.stringify(this.editList);
    this.stateChanged.fire();
  }

  dispose(): void {
    this.stateChanged.dispose();
    this.onDispose();
  }
}

/** A model in a virtual file system: read whole here and summarised (no analysis, no edits). */
async function readOnlyState(uri: vscode.Uri): Promise<ModelStateResult> {
  const name = uri.toString(true);
  try {
    const bytes = await vscode.workspace.fs.readFile(uri);
    const summary = withModelErrors(name, () => {
      const file = openModelBytes(bytes, name);
      try {
        return summarizeModel(new ModelView(file));
      } finally {
        file.close();
      }
    });
    return { ok: true, summary, groups: [], findings: [] };
  } catch (error) {
    return {
      ok: false,
      message:
        error instanceof OnnxError
          ? error.message
          : `${name} could not be opened: ${(error as Error).message}`,
    };
  }
}
