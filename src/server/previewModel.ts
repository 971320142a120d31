import { type BigIntStats, statSync } from 'node:fs';
import { type Analysis, analyzeModel } from '../core/analyze/analyze';
import { withModelErrors } from '../core/onnx/errors';
import type { ModelFile } from '../core/onnx/modelFile';
import { ModelView } from '../core/onnx/modelView';
import { openModel } from '../core/onnx/reader';
import { computeMetrics, type ModelMetrics } from '../core/metrics/metrics';
import { type PruneSettings, SelectionContext } from '../core/prune/select';

/** A model opened and analysed for previews, with what every preview of it needs and the scores worked out. */
export interface PreviewModel {
  file: ModelFile;
  analysis: Analysis;
  /**
   * Scores worked out so far: a preview's plan rarely changes which weights it reads. Keyed by group, criterion
   * and seed only, so settings that bring scores of their own are scored afresh (sharesScores).
   */
  context: SelectionContext;
  metrics: ModelMetrics;
}

/** Whether a prune or preview with these settings may use (and add to) a kept model's scores. */
export function sharesScores(settings: PruneSettings): boolean {
  return settings.measured === undefined && settings.activations === undefined;
}

/**
 * The model the last preview read, kept by the prune worker for the next preview: the pruning panel previews the
 * plan on each edit, and opening, analysing and scoring a 50,001-node model again took ~1.4 s of each ~2 s
 * preview. It is handed out again only for the same file, unchanged: the same device and inode, size, and
 * modification and change times (to the nanosecond) as before it was opened and after it was analysed. A model
 * with external data is not kept (its data files could change alone). A prune of the same file takes it over
 * (`take`) and gives it back when done (`keep`): a prune leaves a model as it found it, so the previews after it
 * and a prune with the next plan need not read it again. `drop` closes it, when the worker has waited for a job
 * a while.
 */
export class LastPreviewModel {
  private kept: { path: string; stamp: string; model: PreviewModel } | undefined;

  /**
   * Runs `use` with the model at `path`: the kept one when it is that file, unchanged, else one opened now (and
   * kept afterwards if it can be). A model `use` failed with is dropped, unless `keepAfter` says the error
   * says nothing of it (a cancel, a refused plan).
   */
  with<T>(path: string, use: (model: PreviewModel) => T, keepAfter: (error: unknown) => boolean): T {
    let model = this.unchanged(path);
    if (!model) {
      this.drop();
      const before = fileStamp(path);
      model = open(path);
      if (keepable(path, before, model)) this.kept = { path, stamp: before, model };
    }
    let keep = this.kept?.model === model;
    try {
      return use(model);
    } catch (error) {
      keep &&= keepAfter(error);
      throw error;
    } finally {
      if (!keep) {
        if (this.kept?.model === model) this.kept = undefined;
        model.file.close();
      }
    }
  }

  /**
   * Hands the kept model over (it is the caller's to close from then on) when it is that file, unchanged; else
   * closes it and gives undefined. A prune takes it: its analysis and the scores worked out are the prune's too.
   */
  take(path: string): PreviewModel | undefined {
    const model = this.unchanged(path);
    if (model) this.kept = undefined;
    else this.drop();
    return model;
  }

  /**
   * Keeps a model a prune used (taken over, or opened for it) for the next job, in place of any kept before;
   * `stamp` is the file's (fileStamp) from before the prune took or opened it. Closed instead when the file
   * has changed since, or has external data.
   */
  keep(path: string, stamp: string, model: PreviewModel): void {
    if (this.kept?.model !== model) this.drop();
    if (keepable(path, stamp, model)) this.kept = { path, stamp, model };
    else {
      this.kept = undefined;
      model.file.close();
    }
  }

  /** The kept model, if it is the one of `path` and the file has not changed since. */
  private unchanged(path: string): PreviewModel | undefined {
    const kept = this.kept;
    return kept && kept.path === path && kept.stamp === fileStamp(path) ? kept.model : undefined;
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
    return previewModel(file, analysis);
  } catch (error) {
    file.close();
    throw error;
  }
}

/** A model opened and analysed, with what previews need of it (`context`: scores worked out so far). */
export function previewModel(
  file: ModelFile,
  analysis: Analysis,
  context = new SelectionContext(analysis, file),
): PreviewModel {
  return {
    file,
    analysis,
    context,
    metrics: computeMetrics(analysis.state.graph.model, { facts: analysis.state.facts }),
  };
}

/** Whether a model read from `path` may be kept: the file unchanged since `stamp`, and holding all its data. */
function keepable(path: string, stamp: string, model: PreviewModel): boolean {
  return stamp !== '' && stamp === fileStamp(path) && model.file.externalTensors.length === 0;
}

/** What identifies a file's version: '' when it cannot be read (never equal to a kept model's). */
export function fileStamp(path: string): string {
  let stat: BigIntStats;
  try {
    stat = statSync(path, { bigint: true });
  } catch {
    return '';
  }
  return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`;
}
