import { type BigIntStats, statSync } from 'node:fs';
import { type Analysis, analyzeModel } from '../core/analyze/analyze';
import { withModelErrors } from '../core/onnx/errors';
import type { ModelFile } from '../core/onnx/modelFile';
import { ModelView } from '../core/onnx/modelView';
import { openModel } from '../core/onnx/reader';
import { computeMetrics, type ModelMetrics } from '../core/metrics/metrics';
import { SelectionContext } from '../core/prune/select';

/** A model opened and analysed for previews, with what every preview of it needs and the scores worked out. */
export interface PreviewModel {
  file: ModelFile;
  analysis: Analysis;
  /** Norms of the weights scored so far: a preview's plan rarely changes which weights it reads. */
  context: SelectionContext;
  metrics: ModelMetrics;
}

/**
 * The model the last preview read, kept by the prune worker for the next preview: the pruning panel previews the
 * plan on each edit, and opening, analysing and scoring a 50,001-node model again took ~1.4 s of each ~2 s
 * preview. It is handed out again only for the same file, unchanged: the same device and inode, size, and
 * modification and change times (to the nanosecond) as before it was opened and after it was analysed. A model
 * with external data is not kept (its data files could change alone). `drop` closes it: the worker drops it
 * before a prune (which opens the model its own way) and when it has waited for a job a while.
 */
export class LastPreviewModel {
  private kept: { path: string; stamp: string; model: PreviewModel } | undefined;

  /**
   * Runs `use` with the model at `path`: the kept one when it is that file, unchanged, else one opened now (and
   * kept afterwards if it can be). A model `use` failed with is dropped, unless `keepAfter` says the error
   * says nothing of it (a cancel, a refused plan).
   */
  with<T>(path: string, use: (model: PreviewModel) => T, keepAfter: (error: unknown) => boolean): T {
    let kept =
      this.kept && this.kept.path === path && this.kept.stamp === stampOf(path) ? this.kept : undefined;
    if (!kept) {
      this.drop();
      const before = stampOf(path);
      const model = open(path);
      const stamp = model.file.externalTensors.length === 0 && before === stampOf(path) ? before : undefined;
      kept = { path, stamp: stamp ?? '', model };
      if (stamp) this.kept = kept;
    }
    let keep = kept === this.kept;
    try {
      return use(kept.model);
    } catch (error) {
      if (!keepAfter(error)) keep = false;
      throw error;
    } finally {
      if (!keep) {
        if (this.kept === kept) this.kept = undefined;
        kept.model.file.close();
      }
    }
  }

  /** Closes the kept model, if any. */
  drop(): void {
    this.kept?.model.file.close();
    this.kept = undefined;
  }
}

function open(path: string): PreviewModel {
  const file = withModelErrors(path, () => openModel(path));
  try {
    const analysis = withModelErrors(path, () => analyzeModel(new ModelView(file)));
    return {
      file,
      analysis,
      context: new SelectionContext(analysis, file),
      metrics: computeMetrics(analysis.state.graph.model, { facts: analysis.state.facts }),
    };
  } catch (error) {
    file.close();
    throw error;
  }
}

/** What identifies a file's version: '' when it cannot be read (never equal to a kept model's). */
function stampOf(path: string): string {
  let stat: BigIntStats;
  try {
    stat = statSync(path, { bigint: true });
  } catch {
    return '';
  }
  return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`;
}
