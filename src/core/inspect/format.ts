import { oneLine } from '../text';
import type { ModelSummary, ValueSummary } from './summary';
import { largest } from '../lists';

/**
 * The human-readable form of `inspect`. `howToSizeDims`: what gives symbolic input dims sizes where the text is
 * read (said when they leave MACs uncounted).
 */
export function formatSummary(s: ModelSummary, howToSizeDims = '--dim NAME=SIZE'): string {
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
  row('MACs', formatMacs(s, howToSizeDims));
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

/**
 * MACs per inference: at batch 1, or on the input shapes symbolic dims were given, with the nodes whose dynamic
 * shapes kept them out of the count and how to size them.
 */
function formatMacs(s: ModelSummary, howToSizeDims: string): string {
  const text = `${s.macs.toLocaleString('en-US')} (${macsBasis(s)})`;
  const uncounted = s.macsUncounted.length;
  if (uncounted === 0) return text;
  const nodes = `${uncounted} node${uncounted === 1 ? '' : 's'} with dynamic shapes not counted`;
  return `≥ ${text}; ${nodes}${s.macsInputShapes ? '' : ` (${howToSizeDims} sizes symbolic input dims)`}`;
}

/** What a summary's MACs were counted on: "batch 1" (the declared shapes), or "on input [1, 3, 480, 640]". */
export function macsBasis(s: Pick<ModelSummary, 'macsInputShapes'>): string {
  if (!s.macsInputShapes) return 'batch 1';
  const shapes = Object.entries(s.macsInputShapes).map(([name, shape]) => `${name} [${shape.join(', ')}]`);
  return `on ${shapes.join(', ')}`;
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
