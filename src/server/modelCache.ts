import { existsSync, statSync } from 'node:fs';
import { type Analysis, analyzeModel } from '../core/analyze/analyze';
import { OnnxError, withModelErrors } from '../core/onnx/errors';
import { FileSource } from '../core/onnx/fileSource';
import type { ModelFile } from '../core/onnx/modelFile';
import { sha256Of } from '../core/onnx/hash';
import { ModelView } from '../core/onnx/modelView';
import { openModel } from '../core/onnx/reader';

/** A model's analysis, or why it could not be read. */
export type ModelResult =
  { ok: true; analysis: Analysis; sha256: () => string } | { ok: false; message: string };

interface Entry {
  stamp: string;
  result: ModelResult;
}

/** How many analyses the language server keeps (see ModelCache). */
export const MODEL_CACHE_ENTRIES = 6;

/**
 * Analyses of model files, reused while the file is unchanged on disk (size and mtime): a plan is re-checked on
 * every pause in typing, and its model must not be re-read each time. At most `capacity` of them, the least
 * recently used dropped first: each edit of a model in the editor is a file of its own with an analysis of its
 * own (a 50,000-node model's holds ~90 MB), and a session of edits and undos would otherwise keep them all
 * until the server ends. An open model's current state, the state before it (the compare view) and a plan's
 * model are the ones in use at a time, for a couple of open models.
 */
export class ModelCache {
  /** In the order last used, the most recent last (a Map keeps insertion order). */
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly capacity = MODEL_CACHE_ENTRIES) {}

  get(path: string): ModelResult {
    let stamp: string;
    try {
      const stat = statSync(path);
      stamp = `${stat.size}:${stat.mtimeMs}`;
    } catch {
      this.entries.delete(path);
      return { ok: false, message: `${path}: no such file.` };
    }
    const cached = this.entries.get(path);
    this.entries.delete(path);
    if (cached?.stamp === stamp) {
      this.entries.set(path, cached);
      return cached.result;
    }
    const result = analyse(path);
    this.entries.set(path, { stamp, result });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.capacity) break;
      this.entries.delete(oldest);
    }
    return result;
  }

  forget(path: string): void {
    this.entries.delete(path);
  }

  /** Drops the analyses of files that are gone (the states of an editor document closed or reverted). */
  sweep(): void {
    for (const path of [...this.entries.keys()]) if (!existsSync(path)) this.entries.delete(path);
  }

  /** The paths whose analyses are kept, least recently used first (for tests). */
  paths(): string[] {
    return [...this.entries.keys()];
  }
}

/**
 * The file of an analysis kept here, to read weights from: its structure with the file opened again when the
 * file is still the version analysed (`reopened`: a 50,000-node model's structure took ~250 ms to read again
 * for each click or summary), else the model read afresh from `path`. The caller closes it.
 */
export function analysedFile(analysis: Analysis, path: string): { file: ModelFile; reopened: boolean } {
  const again = withModelErrors(path, () => analysis.state.graph.model.file.reopened());
  if (again) return { file: again, reopened: true };
  return {
    file: withModelErrors(path, () => openModel(path, { checkExternalData: false })),
    reopened: false,
  };
}

function analyse(path: string): ModelResult {
  try {
    // External data problems become IO001 findings: the structure is analysable without the weights.
    const file = withModelErrors(path, () => openModel(path, { checkExternalData: false }));
    try {
      const analysis = withModelErrors(path, () => analyzeModel(new ModelView(file)));
      let hash: string | undefined;
      return {
        ok: true,
        analysis,
        // Hashing reads the whole file: only done when a plan asks for it, and at most once per version.
        sha256: () => (hash ??= hashFile(path)),
      };
    } finally {
      file.close();
    }
  } catch (error) {
    if (error instanceof OnnxError) return { ok: false, message: error.message };
    return { ok: false, message: `${path}: ${(error as Error).message}` };
  }
}

function hashFile(path: string): string {
  const source = FileSource.open(path);
  try {
    return sha256Of(source);
  } finally {
    source.close();
  }
}
