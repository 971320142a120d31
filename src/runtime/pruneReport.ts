import { describeAlignment } from '../core/prune/align';
import type { PruneOutcome } from '../core/prune/prune';
import type { VerifyResult } from './verify/types';
import { describeSlowerLayers, isSlower, slowerLayers } from './slowerLayers';
import { escapeMarkdown, markdownCode } from '../core/text';

/** The JSON report of `prune --report`: settings, what each group lost (indices per member tensor), metrics, verification. */
export function pruneReportJson(outcome: PruneOutcome, verify: VerifyResult | undefined): object {
  const { mask: _mask, slices, removed: _removed, ...summary } = outcome;
  const groups = outcome.groups.map((g) => ({
    ...g,
    removed: slices.filter((s) => s.group === g.group).map(({ group: _group, ...slice }) => slice),
  }));
  return {
    ...summary,
    groups,
    verify: verify ?? null,
    slower: isSlower(verify),
    slowerLayers: slowerLayers(outcome, verify),
  };
}

/** `prune --report-md`: the same as a Markdown page a person can read. */
export function pruneReportMarkdown(outcome: PruneOutcome, verify: VerifyResult | undefined): string {
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
    `| MACs (batch 1) | ${before.macs.toLocaleString('en-US')} | ${after.macs.toLocaleString('en-US')} | ${ratio(before.macs, after.macs)} |`,
  ];
  const latency = verify && verify.original.latencyMs && verify.pruned.latencyMs;
  if (verify?.original.latencyMs && verify.pruned.latencyMs) {
    const a = verify.original.latencyMs.median;
    const b = verify.pruned.latencyMs.median;
    const t = verify.timing;
    const share = verify.ratios.latency ?? b / a;
    const paired = t
      ? ` over ${t.runs} paired runs (middle half ${t.ratio.p25.toFixed(3)}–${t.ratio.p75.toFixed(3)}, ${t.threads} threads)`
      : '';
    lines.push(
      `| ORT CPU latency, median | ${a.toFixed(2)} ms | ${b.toFixed(2)} ms | ${share.toFixed(3)} (${(1 / share).toFixed(2)}× faster)${paired} |`,
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
  for (const g of outcome.groups) {
    const roots = g.roots.map((r) => markdownCode(r, true)).join(', ');
    lines.push(
      `| ${g.group} | ${roots} | ${g.channels} → ${g.keptChannels} | ${g.removedUnits} of ${g.units} | ${g.skipped ? `kept: ${escapeMarkdown(g.skipped)}` : ''} |`,
    );
  }
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
