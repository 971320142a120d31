// The pruning panel of the model editor, host side. The plan file `<model>.prune.json` beside the model is the
// one source of truth: the panel's form writes it (the language server makes the plan), per-layer overrides
// edit its `layers`, edits typed in the plan's own editor come back to the panel, and every preview is the
// plan's selection on the document's current state.
import * as vscode from 'vscode';
import { parsePlan } from '../core/plan';
import { applyJsonEdits, modify } from '../core/plan/jsonc';
import { type AllocationTarget, allocateForTarget, targetApplies } from '../core/quality/allocateTarget';
import { ownValue } from '../core/records';
import type { HostMessage, PanelSettings } from '../protocol/webview';
import type { SensitivityReport } from '../runtime/sensitivity';
import type { AnalyzerClient } from './analyzerClient';
import type { ModelDocument } from './modelDocument';
import { notify } from './notify';
import { progressReport } from './progressReport';
import { latencyText } from '../shared/latency';
import { writeFileSafely } from './writeFile';

const FORMAT = { formattingOptions: { insertSpaces: true, tabSize: 2 } };

function planUriOf(model: vscode.Uri): vscode.Uri {
  return model.with({ path: `${model.path.replace(/\.onnx$/i, '')}.prune.json` });
}

const nameOf = (uri: vscode.Uri) => uri.path.slice(uri.path.lastIndexOf('/') + 1);

/** The plan's text as the editor has it (it may be unsaved), or as on disk; undefined when there is none. */
async function planText(uri: vscode.Uri): Promise<string | undefined> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open) return open.getText();
  try {
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    return undefined;
  }
}

/** Writes the plan: through the open editor when there is one (undoable there, then saved), else to disk. */
async function writePlan(uri: vscode.Uri, text: string): Promise<void> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (!open) {
    await writeFileSafely(uri, text);
    return;
  }
  const edit = new vscode.WorkspaceEdit();
  edit.replace(uri, new vscode.Range(0, 0, open.lineCount, 0), text);
  await vscode.workspace.applyEdit(edit);
  await open.save();
}

function settingsOf(text: string): PanelSettings | undefined {
  const plan = parsePlan(text).partial;
  const criterion = plan.criterion === 'activation' ? undefined : plan.criterion;
  if (plan.targetMacs !== undefined)
    return { criterion: criterion ?? 'l1', mode: 'macs', value: plan.targetMacs };
  return { criterion: criterion ?? 'l1', mode: plan.global ? 'global' : 'ratio', value: plan.ratio ?? 0.5 };
}

export class PrunePanelHost {
  constructor(
    private readonly document: ModelDocument,
    private readonly analyzer: AnalyzerClient,
    private readonly post: (message: HostMessage) => void,
  ) {}

  /** The preview being worked out, if one is. */
  private previewing: vscode.CancellationTokenSource | undefined;

  /** The calibration folder chosen in the panel (greedy criterion, refit, sensitivity, fidelity). */
  calibDir: string | undefined;

  /** The sensitivity analysis or fidelity measurement running, if one is (the page's Cancel stops it). */
  private running: vscode.CancellationTokenSource | undefined;

  /** The last sensitivity run, which "Allocate by sensitivity" turns into per-layer ratios. */
  private sensitivityReport: SensitivityReport | undefined;

  get planUri(): vscode.Uri {
    return planUriOf(this.document.uri);
  }

  /** Sends the plan's settings and preview (or that there is no plan yet). */
  async showPlan(settings?: PanelSettings): Promise<void> {
    // Whatever this shows supersedes a preview still being worked out: only the latest reaches the panel.
    this.previewing?.cancel();
    this.previewing = undefined;
    const uri = this.planUri;
    const text = await planText(uri);
    if (text === undefined) {
      this.post({ type: 'plan' });
      return;
    }
    if (this.document.edits.some((e) => e.kind === 'prune' && e.planText === text)) {
      // Previewing it again would plan a second prune of channels already gone.
      this.post({
        type: 'plan',
        plan: nameOf(uri),
        settings: settings ?? settingsOf(text),
        message: 'This plan is applied to the model (Undo takes it back); the comparison is below.',
      });
      return;
    }
    const previewing = (this.previewing = new vscode.CancellationTokenSource());
    const result = await this.analyzer.preview(
      {
        uri: this.document.uri.toString(),
        edits: [...this.document.edits],
        planUri: uri.toString(),
        planText: text,
      },
      previewing.token,
    );
    if (previewing !== this.previewing) return;
    previewing.dispose();
    this.previewing = undefined;
    this.post({
      type: 'plan',
      plan: nameOf(uri),
      settings: settings ?? settingsOf(text),
      ...(result.ok ? { preview: result.preview } : { message: result.message }),
    });
  }

  /** The form's settings become the plan (made by the server, from the document's current state). */
  async write(settings: PanelSettings): Promise<void> {
    const config = vscode.workspace.getConfiguration('onnxPruner');
    const params = {
      modelUri: this.document.uri.toString(),
      criterion: settings.criterion,
      ...(settings.mode === 'macs'
        ? { targetMacs: settings.value }
        : settings.mode === 'latency'
          ? { targetLatency: settings.value }
          : { ratio: settings.value }),
      ...(settings.mode === 'global' ? { global: true } : {}),
      ...(settings.criterion === 'greedy' && this.calibDir !== undefined ? { calibDir: this.calibDir } : {}),
      roundTo: config.get<number>('prune.roundTo', 1),
      align: config.get<boolean>('prune.alignChannels', true),
    };
    // A latency target and the greedy criterion run the model in ONNX Runtime: seconds, with progress and Cancel.
    const measured = settings.mode === 'latency' || settings.criterion === 'greedy';
    const result = measured
      ? await vscode.window.withProgress(
          {
            location: vscode.ProgressLocation.Notification,
            title:
              settings.mode === 'latency'
                ? `Finding the prune that runs in ${settings.value} of the time (paired runs in ONNX Runtime)…`
                : 'Scoring channels on the calibration inputs (greedy)…',
            cancellable: true,
          },
          (_progress, token) => this.analyzer.makePlan(params, token),
        )
      : await this.analyzer.makePlan(params, new vscode.CancellationTokenSource().token);
    if (!result.ok) {
      this.post({ type: 'plan', plan: nameOf(this.planUri), message: result.message });
      return;
    }
    await writePlan(this.planUri, result.text);
    await this.showPlan(settings);
    if (result.note) this.post({ type: 'plan', plan: nameOf(this.planUri), settings, message: result.note });
  }

  /** The calibration folder: picked with a folder dialog (kept while the editor is open), or forgotten. */
  async pickCalib(clear = false): Promise<void> {
    if (clear) this.calibDir = undefined;
    else {
      const picked = await vscode.window.showOpenDialog({
        canSelectFiles: false,
        canSelectFolders: true,
        canSelectMany: false,
        defaultUri: vscode.Uri.joinPath(this.document.uri, '..'),
        openLabel: 'Use as Calibration Inputs',
        title: 'Calibration inputs: a folder of PNG/JPEG pictures or .npy/.pb tensors',
      });
      if (!picked?.[0]) return;
      this.calibDir = picked[0].fsPath;
    }
    this.post({ type: 'calib', ...(this.calibDir !== undefined ? { dir: this.calibDir } : {}) });
  }

  /** Tells a page rendered anew what it had: the calibration folder, the last sensitivity run. */
  restore(): void {
    this.post({ type: 'calib', ...(this.calibDir !== undefined ? { dir: this.calibDir } : {}) });
    if (this.sensitivityReport) this.post({ type: 'sensitivity', ok: true, report: this.sensitivityReport });
  }

  /** Stops the sensitivity analysis or fidelity measurement that runs. */
  cancel(): void {
    this.running?.cancel();
  }

  /** Runs `job` with a progress notification whose Cancel, and the page's, stop it. */
  private async measured<R>(
    title: string,
    job: (token: vscode.CancellationToken, progress: ReturnType<typeof progressReport>) => Promise<R>,
  ): Promise<R> {
    this.running?.cancel();
    const source = (this.running = new vscode.CancellationTokenSource());
    try {
      return await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title, cancellable: true },
        (progress, token) => {
          token.onCancellationRequested(() => source.cancel());
          return job(source.token, progressReport(progress));
        },
      );
    } finally {
      if (this.running === source) this.running = undefined;
      source.dispose();
    }
  }

  /** Sensitivity of the document's current state: every group alone at each ratio, in ONNX Runtime. */
  async sensitivity(): Promise<void> {
    this.post({ type: 'sensitivity', running: true });
    const params = {
      uri: this.document.uri.toString(),
      edits: [...this.document.edits],
      ...(this.calibDir !== undefined ? { calibDir: this.calibDir } : {}),
    };
    const result = await this.measured('Sensitivity analysis', (token, progress) =>
      this.analyzer.sensitivity(params, token, progress),
    );
    if (result.ok) this.sensitivityReport = result.report;
    else if (!result.cancelled) void notify.error(result.message);
    this.post({ type: 'sensitivity', ...result });
  }

  /** The document now against the model as opened, in ONNX Runtime (the compare view's figures). */
  async fidelity(): Promise<void> {
    this.post({ type: 'fidelity', running: true });
    const params = {
      uri: this.document.uri.toString(),
      edits: [...this.document.edits],
      ...(this.calibDir !== undefined ? { calibDir: this.calibDir } : {}),
    };
    const result = await this.measured('Measuring fidelity and latency', (token, progress) =>
      this.analyzer.fidelity(params, token, progress),
    );
    if (result.ok) {
      const latency = latencyText(result.latency);
      if (latency.slower) void notify.warning(`${latency.text}.`);
    } else if (!result.cancelled) void notify.error(result.message);
    this.post({ type: 'fidelity', ...result });
  }

  /**
   * "Allocate by sensitivity": per-layer ratios for the target from the last sensitivity run, written to the
   * plan's `layers` (every measured group gets an entry, so the plan's own ratio, set to 0, cuts nothing else).
   */
  async allocate(target: AllocationTarget): Promise<void> {
    const report = this.sensitivityReport;
    if (!report) {
      this.post({ type: 'allocation', ok: false, message: 'Run the sensitivity analysis first.' });
      return;
    }
    if (!targetApplies(report.rows, target)) {
      this.post({
        type: 'allocation',
        ok: false,
        message:
          target.kind === 'psnr'
            ? 'No output of this model is image-like ([N, C≤4, H, W]): a PSNR floor does not apply; use top-1 or MACs.'
            : 'No output of this model is classifier-like ([N, K]): a top-1 floor does not apply; use PSNR or MACs.',
      });
      return;
    }
    const allocation = allocateForTarget(report.rows, target);
    let text = await planText(this.planUri);
    if (text === undefined) {
      await this.write({ criterion: report.criterion === 'l2' ? 'l2' : 'l1', mode: 'ratio', value: 0 });
      text = await planText(this.planUri);
      if (text === undefined) return;
    }
    const set = (path: (string | number)[], value: unknown) =>
      (text = applyJsonEdits(text!, modify(text!, path, value, FORMAT)));
    set(['ratio'], 0);
    for (const key of ['targetMacs', 'targetLatency', 'global']) set([key], undefined);
    for (const root of new Set(report.rows.map((r) => r.roots[0]))) {
      const ratio = ownValue(allocation.ratios, root);
      set(['layers', root], ratio === undefined ? { prune: 0 } : { ratio });
    }
    await writePlan(this.planUri, text);
    await this.showPlan();
    this.post({
      type: 'allocation',
      ok: true,
      target,
      ratios: allocation.ratios,
      predictedMacs: allocation.predictedMacs,
      predicted: allocation.predicted,
      reached: allocation.reached,
    });
  }

  /** Exclude Layer: the plan leaves these roots alone (written into the plan, made first if there is none). */
  async exclude(roots: string[]): Promise<void> {
    let text = await planText(this.planUri);
    if (text === undefined) {
      await this.write({
        criterion: 'l1',
        mode: 'ratio',
        value: vscode.workspace.getConfiguration('onnxPruner').get<number>('prune.ratio', 0.5),
      });
      text = await planText(this.planUri);
      if (text === undefined) return;
    }
    for (const root of roots)
      text = applyJsonEdits(text, modify(text, ['layers', root], { exclude: true }, FORMAT));
    await writePlan(this.planUri, text);
    await this.showPlan();
  }

  /** A per-layer override: the plan's `layers[root]` removes `channels − keep`. */
  async setLayer(root: string, keep: number, channels: number): Promise<void> {
    const text = await planText(this.planUri);
    if (text === undefined) return;
    const edits = modify(text, ['layers', root], { prune: channels - keep }, FORMAT);
    await writePlan(this.planUri, applyJsonEdits(text, edits));
    await this.showPlan();
  }
}
