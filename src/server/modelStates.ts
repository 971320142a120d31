// The model editor's documents, server side. A document is its model file plus a list of edits (prunes by a
// plan, model fixes); VS Code keeps the undo stack, the server keeps the files. Each prefix of the edit list is
// materialised once, through the core's writer, into this server's temporary folder, so Undo and Redo only
// switch between files already written. The first edit snapshots the model (a copy), so the
// edits keep applying to the version the user opened even if the file is then saved over or changed on disk.
import { constants, copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeModel } from '../core/analyze/analyze';
import { fixModel } from '../core/fix/modelFixes';
import { keepCopy } from '../core/onnx/atomicFile';
import { withModelErrors } from '../core/onnx/errors';
import { ModelView } from '../core/onnx/modelView';
import { openModel } from '../core/onnx/reader';
import { writeModel } from '../core/onnx/writer';
import type { PruneProgress } from '../core/prune/prune';
import type { ModelEdit } from '../protocol/server';
import { PlanRefused } from './checkedPlan';
import { pruneInWorker } from './pruneInWorker';
import { pruneAndReconstruct } from './reconstructEdit';

interface DocumentFiles {
  /** The model as first edited (a snapshot), the file every edit list starts from. */
  base: string;
  /**
   * Edit-list prefix (as JSON) → the file holding the model with those edits, once written. A promise: two
   * requests that need the same state while its prune runs wait for the one prune.
   */
  states: Map<string, Promise<string>>;
  /** The file that holds what the editor shows now, and the request that showed it. */
  current: string;
  shownBy: number;
}

export class ModelStates {
  private dir: string | undefined;
  private count = 0;
  private readonly docs = new Map<string, DocumentFiles>();
  private requests = 0;

  /** The file whose findings are the document's: its current state, or the model file when never edited. */
  pathOf(uri: string): string {
    return this.docs.get(uri)?.current ?? fileURLToPath(uri);
  }

  /** A message about one of our files, as the user should read it: naming the model instead. */
  shown(message: string, modelPath: string): string {
    if (!this.dir) return message;
    const prefix = `${this.dir}/`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    // A function, not a replacement string: a path may hold `$&` or `$'`, which a string would expand.
    return message.replace(new RegExp(`${prefix}\\d+-[^:\\s]*`, 'g'), () => modelPath);
  }

  /**
   * The file holding the model `uri` with `edits` applied, written now if not yet. An edit that cannot be made
   * (a plan with errors, a fix with nothing to fix, a cancel) throws and leaves the document as it was.
   */
  async materialise(
    uri: string,
    edits: readonly ModelEdit[],
    signal?: AbortSignal,
    onProgress?: PruneProgress,
  ): Promise<string> {
    const path = fileURLToPath(uri);
    let doc = this.docs.get(uri);
    if (!doc && edits.length === 0) return path;
    if (!doc) {
      doc = { base: this.snapshot(path), states: new Map(), current: path, shownBy: 0 };
      this.docs.set(uri, doc);
    }
    let input = doc.base;
    for (let i = 0; i < edits.length; i++) {
      const key = JSON.stringify(edits.slice(0, i + 1));
      let output = doc.states.get(key);
      if (!output) {
        const file = this.newFile(path);
        output = applyEdit(edits[i], input, file, signal, onProgress).then(() => file);
        const states = doc.states;
        states.set(key, output);
        // A failed or cancelled edit is not remembered: asking again tries again.
        output.catch(() => states.get(key) === output && states.delete(key));
      }
      input = await output;
    }
    return input;
  }

  /**
   * Materialises what the editor now shows: its findings become the document's. Requests can end out of order
   * (a prune still running when Undo is pressed): the latest request wins, not the last to end.
   */
  async show(
    uri: string,
    edits: readonly ModelEdit[],
    signal?: AbortSignal,
    onProgress?: PruneProgress,
  ): Promise<string> {
    const request = ++this.requests;
    const path = await this.materialise(uri, edits, signal, onProgress);
    const doc = this.docs.get(uri);
    if (doc && request > doc.shownBy) {
      doc.current = path;
      doc.shownBy = request;
    }
    return path;
  }

  /**
   * Saves the document to `target` through the core writer (atomically: a temporary file renamed into place).
   * With `backup`, an existing target is kept as `<target>.bak` first.
   */
  async save(
    uri: string,
    edits: readonly ModelEdit[],
    target: string,
    backup: boolean,
    signal?: AbortSignal,
  ): Promise<{ bytes: number; backup?: string; files: string[] }> {
    const source = await this.materialise(uri, edits, signal);
    let kept: string | undefined;
    if (backup && existsSync(target) && source !== target) {
      kept = `${target}.bak`;
      keepCopy(target, kept);
    }
    const file = withModelErrors(source, () => openModel(source));
    try {
      const { bytes, files } = writeModel(file, file.proto, target, { signal });
      return { bytes, backup: kept, files: kept === undefined ? files : [kept, ...files] };
    } finally {
      file.close();
    }
  }

  /** The model was reverted or reloaded from disk: its edits are gone, start again from the file. */
  forget(uri: string): void {
    const doc = this.docs.get(uri);
    if (!doc) return;
    this.docs.delete(uri);
    rmSync(doc.base, { force: true });
    // A state still being written is removed when its prune ends (the atomic writer leaves nothing else).
    for (const state of doc.states.values())
      void state.then(
        (file) => rmSync(file, { force: true }),
        () => {},
      );
  }

  /** Removes every file this server wrote (at exit). */
  dispose(): void {
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.docs.clear();
  }

  private newFile(modelPath: string): string {
    this.dir ??= mkdtempSync(join(tmpdir(), 'onnx-pruner-states-'));
    return join(this.dir, `${++this.count}-${basename(modelPath)}`);
  }

  private snapshot(path: string): string {
    const file = withModelErrors(path, () => openModel(path, { checkExternalData: false }));
    try {
      // States live in a temporary folder: tensors that point at external files beside the model would dangle.
      if (file.externalTensors.length > 0)
        throw new PlanRefused(
          `${path} keeps its weights in external data files, which the editor cannot edit in place yet: ` +
            'apply the plan from the plan file instead (it writes <model>.pruned.onnx beside the model).',
        );
    } finally {
      file.close();
    }
    // A copy, not a link: exporters (onnx.save, torch.onnx.export) rewrite a model in place, which would
    // change a linked snapshot under the edits.
    const base = this.newFile(path);
    copyFileSync(path, base, constants.COPYFILE_FICLONE);
    return base;
  }
}

async function applyEdit(
  edit: ModelEdit,
  input: string,
  output: string,
  signal?: AbortSignal,
  onProgress?: PruneProgress,
): Promise<void> {
  if (edit.kind === 'prune') {
    const job = {
      input,
      output,
      planPath: fileURLToPath(edit.planUri),
      planText: edit.planText,
      ...(edit.calibDir !== undefined ? { calibDir: edit.calibDir } : {}),
    };
    if (edit.reconstruct) await pruneAndReconstruct(job, signal, onProgress);
    else await pruneInWorker(job, signal, onProgress);
    return;
  }
  const file = withModelErrors(input, () => openModel(input));
  try {
    // fixModel refuses a fix with nothing to fix, and one the model's opset cannot express.
    const result = fixModel(file, analyzeModel(new ModelView(file)), edit.code, edit.node);
    writeModel(file, result.proto, output, { signal });
  } finally {
    file.close();
  }
}
