import { describeAlignment } from '../core/prune/align';
import { type PruneOutcome, removedChannels } from '../core/prune/prune';
import type { GroupSelection } from '../core/prune/select';
import { GROUP_ROWS } from '../core/analyze/formatText';
import type { VerifyResult } from './verify/types';
import { guessedDimsNote } from './verify/formatVerify';
import { describeSlowerLayers, isSlower, slowerLayers } from './slowerLayers';
import { verdictWords } from '../shared/latency';
import { escapeMarkdown, markdownCode } from '../core/text';

/** The JSON report of `prune --report`: settings, what each group lost (indices per member tensor), metrics, verification. */
export function pruneReportJson(outcome: PruneOutcome, verify: VerifyResult | undefined): object {
  const { mask: _mask, slices, removed: _removed, ...summary } = outcome;
  // By group in one pass: a 50,000-node model has ten thousand groups and fifty thousand slices.
  const byGroup = new Map<string, Omit<(typeof slices)[number], 'group'>[]>();
  for (const { group, ...slice } of slices) {
    const list = byGroup.get(group);
    if (list) list.push(slice);
    else byGroup.set(group, [slice]);
  }
  const groups = outcome.groups.map((g) => ({ ...g, removed: byGroup.get(g.group) ?? [] }));
  return {
    ...summary,
    groups,
    verify: verify ?? null,
    slower: isSlower(verify),
    slowerLayers: slowerLayers(outcome, verify),
  };
}

/** Roots a Markdown row names before it counts the rest (a transformer's residual stream has thousands). */
const ROOTS_SHOWN = 5;

/** Groups a table leaves out, in one phrase: "9857 more groups: 9785 pruned (…), 72 kept". */
export function describeRest(rest: readonly GroupSelection[]): string {
  const pruned = rest.filter((g) => g.keptChannels < g.channels);
  const channels = removedChannels(pruned);
  return `${rest.length} more group${rest.length === 1 ? '' : 's'}: ${pruned.length} pruned (${channels} channels of the first roots removed), ${rest.length - pruned.length} kept`;
}

/** `prune --report-md`: the same as a Markdown page a person can read. */
export function pruneReportMarkdown(
  outcome: PruneOutcome,
  verify: VerifyResult | undefined,
  howToSizeDims = '`--dim NAME=SIZE`',
): string {
  const { before, after } = outcome.metrics;
  const ratio = (a: number, b: number) =>
    a > 0 ? `${(b / a).toFixed(3)} (${(a / Math.max(b, 1)).toFixed(2)}× fewer)` : '—';
  const lines = [
    `# Pruning report`,
    '',
    `${markdownCode(outcome.input)} → ${markdownCode(outcome.output)}`,
    '',
    '| | before | after | after / before |',
    '|---|---:|---:|---|',
    `| parameters | ${before.parameters.toLocaleString('en-US')} | ${after.parameters.toLocaleString('en-US')} | ${ratio(before.parameters, after.parameters)} |`,
    before.macsUncounted > 0
      ? `| MACs (batch 1) | ≥ ${before.macs.toLocaleString('en-US')} | ≥ ${after.macs.toLocaleString('en-US')} | — (${before.macsUncounted} nodes have symbolic shapes: not counted; ${howToSizeDims} sizes them) |`
      : `| MACs (batch 1) | ${before.macs.toLocaleString('en-US')} | ${after.macs.toLocaleString('en-US')} | ${ratio(before.macs, after.macs)} |`,
  ];
  const latency = verify && verify.original.latencyMs && verify.pruned.latencyMs;
  if (verify?.original.latencyMs && verify.pruned.latencyMs) {
    const a = verify.original.latencyMs.median;
    const b = verify.pruned.latencyMs.median;
    const t = verify.timing;
    // The paired runs' verdict (shared/latency.ts): a ratio of the two medians alone would claim a speed-up
    // from noise.
    const share = t
      ? `${t.ratio.median.toFixed(3)} (${verdictWords(t.ratio)}) over ${t.runs} paired runs (middle half ${t.ratio.p25.toFixed(3)}–${t.ratio.p75.toFixed(3)}, ${t.threads} threads)`
      : `${(b / a).toFixed(3)} (unpaired medians)`;
    lines.push(`| ORT CPU latency, median | ${a.toFixed(2)} ms | ${b.toFixed(2)} ms | ${share} |`);
    if (verify.guessedDims.length > 0)
      lines.push(
        '',
        `Timed on random inputs whose ${guessedDimsNote(verify.guessedDims.map(escapeMarkdown), howToSizeDims)}.`,
      );
    if (t && isSlower(verify))
      lines.push(
        '',
        `**Warning**: the pruned model is slower than the original in ONNX Runtime here (${t.ratio.median.toFixed(2)}× its time). ${escapeMarkdown(describeSlowerLayers(outcome, verify)!)}`,
      );
  }
  lines.push(
    '',
    '## Groups',
    '',
    '| group | roots | channels | units removed | note |',
    '|---|---|---:|---:|---|',
  );
  // A large model's groups past the first ones are summed up (the JSON report has them all), and a group's
  // roots past the first few counted: the verdict below must not sit under ten thousand rows.
  const listed = outcome.groups.slice(0, GROUP_ROWS);
  for (const g of listed) {
    const shown = g.roots.slice(0, ROOTS_SHOWN).map((r) => markdownCode(r, true));
    if (g.roots.length > ROOTS_SHOWN) shown.push(`+${g.roots.length - ROOTS_SHOWN} more`);
    lines.push(
      `| ${g.group} | ${shown.join(', ')} | ${g.channels} → ${g.keptChannels} | ${g.removedUnits} of ${g.units} | ${g.skipped ? `kept: ${escapeMarkdown(g.skipped)}` : ''} |`,
    );
  }
  const rest = outcome.groups.slice(listed.length);
  if (rest.length > 0) lines.push('', `… and ${describeRest(rest)}.`);
  lines.push(
    '',
    `${outcome.removedChannels} channels removed; ${outcome.tensorsSliced} tensors and ${outcome.nodesChanged} nodes changed.`,
  );
  if (outcome.alignment) lines.push('', escapeMarkdown(describeAlignment(outcome.alignment)));
  if (verify) {
    lines.push('', '## Verification (ONNX Runtime)', '');
    lines.push(
      verify.passed
        ? '**PASS**: same inputs and outputs, and the pruned model equals the masked original.'
        : '**FAIL**: see the JSON report.',
    );
    for (const o of verify.exactness.outputs) {
      lines.push(
        `- ${markdownCode(o.name)}: max abs error ${o.maxAbsError ?? '—'} (noise floor ${o.noiseFloor ?? '—'}, ` +
          `tolerance ${o.tolerance.toPrecision(3)})`,
      );
    }
  } else if (!latency) {
    lines.push('', 'Not verified: run with `--verify` to check the pruned model in ONNX Runtime.');
  }
  return `${lines.join('\n')}\n`;
}
