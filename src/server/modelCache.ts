import { statSync } from 'node:fs';
import { type Analysis, analyzeModel } from '../core/analyze/analyze';
import { OnnxError, withModelErrors } from '../core/onnx/errors';
import { FileSource } from '../core/onnx/fileSource';
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

/**
 * Analyses of model files, reused while the file is unchanged on disk (size and mtime): a plan is re-checked on
 * every pause in typing, and its model must not be re-read each time.
 */
export class ModelCache {
  private readonly entries = new Map<string, Entry>();

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
    if (cached?.stamp === stamp) return cached.result;
    const result = analyse(path);
    this.entries.set(path, { stamp, result });
    return result;
  }

  forget(path: string): void {
    this.entries.delete(path);
  }
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
