// "ONNX Pruner: Prune Channels": pick a criterion and an amount, get `<model>.prune.json` beside the model
// (made by the analyzer server from the core's selection), opened beside the editor, with a per-group preview
// in the log and a summary in a notification.
import * as vscode from 'vscode';
import { notify } from './notify';
import type { MakePlanParams, PlanPreviewRow } from '../protocol/server';
import type { AnalyzerClient } from './analyzerClient';
import { modelArgument } from './modelCommands';
import { writeFileSafely } from './writeFile';

const CRITERIA: (vscode.QuickPickItem & { id: MakePlanParams['criterion'] })[] = [
  { id: 'l1', label: 'l1', description: 'sum of |weights| over every tensor of the group' },
  { id: 'l2', label: 'l2', description: 'Euclidean norm of the weights over every tensor of the group' },
  { id: 'bn', label: 'bn', description: 'BatchNormalization |scale| (where the group has one)' },
  { id: 'random', label: 'random', description: 'seeded random choice (a baseline)' },
];

type Amount = { kind: 'ratio' | 'global' | 'macs'; value: number };

async function pickAmount(defaultRatio: number): Promise<Amount | undefined> {
  const kind = await vscode.window.showQuickPick(
    [
      { label: 'Ratio', description: 'remove this share of every prunable group', id: 'ratio' as const },
      {
        label: 'Global ratio',
        description: 'remove this share of all channels, ranked together across groups',
        id: 'global' as const,
      },
      {
        label: 'MACs target',
        description: 'prune until MACs are at most this share of the original',
        id: 'macs' as const,
      },
    ],
    { title: 'Prune Channels (2/3): how much', ignoreFocusOut: true },
  );
  if (!kind) return undefined;
  const ratio = kind.id !== 'macs';
  const text = await vscode.window.showInputBox({
    title: `Prune Channels (3/3): ${ratio ? 'ratio of channels to remove' : 'MACs to keep'}`,
    prompt: ratio ? 'A number in [0, 1), e.g. 0.5' : 'A number in (0, 1], e.g. 0.6 for 60 % of the MACs',
    value: ratio ? String(defaultRatio) : '0.5',
    ignoreFocusOut: true,
    validateInput: (value) => {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n)) return 'Enter a number.';
      if (ratio && (n < 0 || n >= 1)) return 'The ratio must be at least 0 and below 1.';
      if (!ratio && (n <= 0 || n > 1)) return 'The MACs target must be above 0 and at most 1.';
      return undefined;
    },
  });
  if (text === undefined) return undefined;
  return { kind: kind.id, value: Number(text) };
}

const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 2 });
const change = (a?: { before: number; after: number }) =>
  a ? `${compact.format(a.before)} → ${compact.format(a.after)}` : '?';

function previewLines(rows: PlanPreviewRow[]): string[] {
  return rows.map((r) =>
    r.skipped
      ? `  ${r.group} ${r.root}: ${r.channels} channels, left alone (${r.skipped})`
      : `  ${r.group} ${r.root}: ${r.channels} → ${r.kept} channels, parameters ${change(r.params)}, MACs ${change(r.macs)}`,
  );
}

export function registerPruneCommand(
  analyzer: AnalyzerClient,
  log: vscode.LogOutputChannel,
): vscode.Disposable {
  return vscode.commands.registerCommand('onnxPruner.pruneChannels', async (argument: unknown) => {
    const model = await modelArgument(argument, 'Prune');
    if (!model) return;
    const config = vscode.workspace.getConfiguration('onnxPruner');
    const defaultCriterion = config.get<string>('prune.criterion', 'l1');
    const criterion = await vscode.window.showQuickPick(
      [...CRITERIA].sort((a, b) => Number(b.id === defaultCriterion) - Number(a.id === defaultCriterion)),
      { title: 'Prune Channels (1/3): rank channels by', ignoreFocusOut: true },
    );
    if (!criterion) return;
    const amount = await pickAmount(config.get<number>('prune.ratio', 0.5));
    if (!amount) return;
    const params: MakePlanParams = {
      modelUri: model.toString(),
      criterion: criterion.id,
      roundTo: config.get<number>('prune.roundTo', 1),
      align: config.get<boolean>('prune.alignChannels', true),
      ...(amount.kind === 'macs' ? { targetMacs: amount.value } : { ratio: amount.value }),
      ...(amount.kind === 'global' ? { global: true } : {}),
    };
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Planning the prune…', cancellable: true },
      (_progress, token) => analyzer.makePlan(params, token),
    );
    if (!result.ok) {
      log.error(result.message);
      void notify.error(result.message);
      return;
    }
    const planUri = vscode.Uri.parse(result.planUri);
    await writeFileSafely(planUri, result.text);
    const pruned = result.preview.filter((r) => !r.skipped);
    const before = pruned.reduce((n, r) => n + r.channels, 0);
    const after = pruned.reduce((n, r) => n + r.kept, 0);
    log.info(`Plan ${planUri.fsPath}:\n${previewLines(result.preview).join('\n')}`);
    await vscode.window.showTextDocument(planUri, { viewColumn: vscode.ViewColumn.Beside, preview: false });
    const t = result.totals;
    void notify.info(
      `Plan written: ${pruned.length} groups, ${before} → ${after} channels; parameters ${change(t.parameters)}, ` +
        `MACs ${change(t.macs)} (estimated). Edit it, then apply it.`,
    );
  });
}
