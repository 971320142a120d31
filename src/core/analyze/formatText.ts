import { oneLine } from '../text';
import { largest, pushAll } from '../lists';
import { CODES, type DiagnosticCode } from './codes';
import type { AnalysisReport, ChannelGroup } from './types';

export interface TextOptions {
  /** Every group and every finding, however many there are. */
  all?: boolean;
}

/**
 * Groups the table lists before it sums up the rest in one line: a 50,000-node graph has ten thousand groups,
 * which no one reads in a terminal (the editor and `--format json` have them all).
 */
export const GROUP_ROWS = 100;
/** Findings of one code listed before the rest of that code are counted (48 alike say no more than 10). */
export const FINDINGS_PER_CODE = 10;

/**
 * `analyze` as people read it: a table of groups, then the findings. Unless `all`, a large model's table is
 * cut after GROUP_ROWS groups and each code's findings after FINDINGS_PER_CODE, with what was left out counted.
 */
export function formatAnalysis(report: AnalysisReport, options: TextOptions = {}): string {
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
    lines.push(
      report.diagnostics.some((d) => d.code === 'PR001')
        ? '  none: no layer this tool can prune (the findings say why)'
        : '  none: no Conv, ConvTranspose, Gemm or MatMul with a weight, so nothing to prune',
    );
  else {
    const listed = options.all ? report.groups : report.groups.slice(0, GROUP_ROWS);
    pushAll(lines, table(listed));
    const rest = report.groups.slice(listed.length);
    if (rest.length > 0) {
      const locked = rest.filter((g) => !g.prunable).length;
      lines.push(
        `  … and ${rest.length} more group${rest.length === 1 ? '' : 's'} (${locked} of them locked): --all lists every group, --format json gives them to tools`,
      );
    }
  }
  const totals = (['error', 'warning', 'info'] as const)
    .map((s) => [s, report.diagnostics.filter((d) => d.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}${n === 1 ? '' : 's'}`);
  lines.push('', `Findings: ${totals.join(', ') || 'none'}`);
  const met = new Map<DiagnosticCode, number>(); // findings met so far, by code
  for (const d of report.diagnostics) {
    const count = (met.get(d.code) ?? 0) + 1;
    met.set(d.code, count);
    if (!options.all && count > FINDINGS_PER_CODE) continue;
    const where =
      d.file && d.range ? `${d.file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ` : '';
    lines.push(
      `  ${d.severity.padEnd(7)} ${d.code}  ${d.group ? `${d.group.padEnd(4)} ` : ''}${where}${d.message}`,
    );
    for (const fix of d.fixes) lines.push(`          fix: ${fix.title} (${fix.kind})`);
  }
  const unlisted = options.all
    ? []
    : [...met]
        .filter(([, count]) => count > FINDINGS_PER_CODE)
        .map(([code, count]) => {
          const n = count - FINDINGS_PER_CODE;
          return `${n} more ${code} ${CODES[code].severity}${n === 1 ? '' : 's'}`;
        });
  if (unlisted.length > 0) lines.push(`  … and ${unlisted.join(', ')} (--all lists every finding)`);
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
    Math.min(
      i === 1 ? 48 : 40,
      largest(
        rows.map((r) => r[i].length),
        h.length,
      ),
    ),
  );
  const cell = (text: string, i: number) => {
    const clipped = text.length > widths[i] && i < 5 ? `${text.slice(0, widths[i] - 1)}…` : text;
    return i === 2 || i === 3 ? clipped.padStart(widths[i]) : clipped.padEnd(widths[i]);
  };
  return [header, ...rows].map((r) => `  ${r.map(cell).join('  ').trimEnd()}`);
}
