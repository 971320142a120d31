import { oneLine } from '../text';
import type { ModelSummary, ValueSummary } from './summary';
import { largest } from '../lists';

/** The human-readable form of `inspect`. */
export function formatSummary(s: ModelSummary): string {
  const lines: string[] = [];
  const row = (label: string, value: string) => lines.push(`${label.padEnd(18)}${value}`);
  row('Model', s.path);
  row('File size', formatBytes(s.fileBytes));
  row('IR version', String(s.irVersion));
  row(
    'Opsets',
    Object.entries(s.opsets)
      .map(([d, v]) => `${d || 'ai.onnx'} ${v}`)
      .join(', ') || '(none)',
  );
  row('Producer', [s.producer.name, s.producer.version].filter(Boolean).join(' ') || '(unknown)');
  if (s.domain) row('Domain', s.domain);
  row(
    'Nodes',
    s.nodesTotal === s.nodes ? String(s.nodes) : `${s.nodes} (${s.nodesTotal} with ${s.subgraphs} subgraphs)`,
  );
  if (s.functions) row('Functions', String(s.functions));
  row('Parameters', s.parameters.toLocaleString('en-US'));
  row('MACs', formatMacs(s.macs, s.macsUncounted.length));
  row('Initializer data', formatBytes(s.initializerBytes));
  const origins = Object.entries(s.weightOrigins).map(([origin, n]) => `${n} ${origin}`);
  row('Weights from', origins.join(', ') || '(none)');
  const storage = Object.entries(s.storage)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${n} ${kind}`);
  row('Tensor storage', storage.join(', ') || '(none)');
  row('External data', s.externalData.length ? s.externalData.join(', ') : '(none)');
  for (const [key, value] of Object.entries(s.metadata)) row(`  ${key}`, value);
  lines.push('', 'Inputs');
  for (const v of s.inputs) lines.push(`  ${formatValue(v)}`);
  lines.push('Outputs');
  for (const v of s.outputs) lines.push(`  ${formatValue(v)}`);
  lines.push('', 'Operators');
  const ops = Object.entries(s.ops).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const width = largest(
    ops.map(([op]) => op.length),
    8,
  );
  for (const [op, n] of ops) lines.push(`  ${op.padEnd(width)} ${String(n).padStart(6)}`);
  return lines.map(oneLine).join('\n'); // a line each: a name cannot add one
}

/** MACs per inference, with the nodes whose dynamic shapes kept them out of the count. */
function formatMacs(macs: number, uncounted: number): string {
  const text = `${macs.toLocaleString('en-US')} (batch 1)`;
  return uncounted
    ? `≥ ${text}; ${uncounted} node${uncounted === 1 ? '' : 's'} with dynamic shapes not counted`
    : text;
}

function formatValue(v: ValueSummary): string {
  const shape = v.shape === null ? '?' : `[${v.shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
  return `${v.name}  ${v.dtype ?? '?'} ${shape}`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]} (${n.toLocaleString('en-US')} bytes)`;
}
