// The pruning panel of the model editor, host side. The plan file `<model>.prune.json` beside the model is the
// one source of truth: the panel's form writes it (the language server makes the plan), per-layer overrides
// edit its `layers`, edits typed in the plan's own editor come back to the panel, and every preview is the
// plan's selection on the document's current state.
import * as vscode from 'vscode';
import { parsePlan } from '../core/plan';
import { applyJsonEdits, modify } from '../core/plan/jsonc';
import type { HostMessage, PanelSettings } from '../protocol/webview';
import type { AnalyzerClient } from './analyzerClient';
import type { ModelDocument } from './modelDocument';
import { writeFileSafely } from './writeFile';

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
  const criterion =
    plan.criterion === 'activation' || plan.criterion === 'greedy' ? undefined : plan.criterion;
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
    const result = await this.analyzer.makePlan(
      {
        modelUri: this.document.uri.toString(),
        criterion: settings.criterion,
        ...(settings.mode === 'macs' ? { targetMacs: settings.value } : { ratio: settings.value }),
        ...(settings.mode === 'global' ? { global: true } : {}),
        roundTo: vscode.workspace.getConfiguration('onnxPruner').get<number>('prune.roundTo', 1),
        align: vscode.workspace.getConfiguration('onnxPruner').get<boolean>('prune.alignChannels', true),
      },
      new vscode.CancellationTokenSource().token,
    );
    if (!result.ok) {
      this.post({ type: 'plan', plan: nameOf(this.planUri), message: result.message });
      return;
    }
    await writePlan(this.planUri, result.text);
    await this.showPlan(settings);
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
      text = applyJsonEdits(
        text,
        modify(
          text,
          ['layers', root],
          { exclude: true },
          { formattingOptions: { insertSpaces: true, tabSize: 2 } },
        ),
      );
    await writePlan(this.planUri, text);
    await this.showPlan();
  }

  /** A per-layer override: the plan's `layers[root]` removes `channels − keep`. */
  async setLayer(root: string, keep: number, channels: number): Promise<void> {
    const text = await planText(this.planUri);
    if (text === undefined) return;
    const edits = modify(
      text,
      ['layers', root],
      { prune: channels - keep },
      { formattingOptions: { insertSpaces: true, tabSize: 2 } },
    );
    await writePlan(this.planUri, applyJsonEdits(text, edits));
    await this.showPlan();
  }
}
