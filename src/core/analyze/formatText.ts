import { oneLine } from '../text';
import type { AnalysisReport, ChannelGroup } from './types';

/** `analyze` as people read it: a table of groups, then the findings. */
export function formatAnalysis(report: AnalysisReport): string {
  const lines: string[] = [];
  const m = report.model;
  const opsets = Object.entries(m.opsets)
    .map(([d, v]) => `${d || 'ai.onnx'} ${v}`)
    .join(', ');
  lines.push(`${m.path}  (IR ${m.irVersion}, ${opsets}, ${m.nodes} nodes)`, '');
  const prunable = report.groups.filter((g) => g.prunable).length;
  lines.push(
    `Groups: ${report.groups.length} (${prunable} prunable, ${report.groups.length - prunable} locked)`,
  );
  if (report.groups.length === 0)
    lines.push('  none: no Conv, ConvTranspose, Gemm or MatMul with a weight, so nothing to prune');
  else lines.push(...table(report.groups));
  const counts = (['error', 'warning', 'info'] as const)
    .map((s) => [s, report.diagnostics.filter((d) => d.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}${n === 1 ? '' : 's'}`);
  lines.push('', `Findings: ${counts.join(', ') || 'none'}`);
  for (const d of report.diagnostics) {
    const where =
      d.file && d.range ? `${d.file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ` : '';
    lines.push(
      `  ${d.severity.padEnd(7)} ${d.code}  ${d.group ? `${d.group.padEnd(4)} ` : ''}${where}${d.message}`,
    );
    for (const fix of d.fixes) lines.push(`          fix: ${fix.title} (${fix.kind})`);
  }
  return lines.map(oneLine).join('\n'); // a line each: a name cannot add one
}

function table(groups: ChannelGroup[]): string[] {
  const rows = groups.map((g) => [
    g.id,
    g.roots.length > 1 ? `${g.roots[0]} (+${g.roots.length - 1})` : g.roots[0],
    String(g.channels),
    String(g.unit),
    g.pixelShuffle.map((p) => `${p.form}${p.mode ? ` ${p.mode}` : ''} r=${p.blocksize}`).join('; ') || '-',
    g.locked ? `locked: ${g.locked}` : 'prunable',
  ]);
  const header = ['group', 'roots', 'channels', 'unit', 'pixel shuffle', 'status'];
  const widths = header.map((h, i) =>
    Math.min(i === 1 ? 48 : 40, Math.max(h.length, ...rows.map((r) => r[i].length))),
  );
  const cell = (text: string, i: number) => {
    const clipped = text.length > widths[i] && i < 5 ? `${text.slice(0, widths[i] - 1)}…` : text;
    return i === 2 || i === 3 ? clipped.padStart(widths[i]) : clipped.padEnd(widths[i]);
  };
  return [header, ...rows].map((r) => `  ${r.map(cell).join('  ').trimEnd()}`);
}
