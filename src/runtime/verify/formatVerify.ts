import { oneLine } from '../../core/text';
import type { VerifyInputError, VerifyResult } from './types';
import { isSlower } from '../slowerLayers';
import { verdictWords } from '../../shared/latency';
import { DEFAULT_SYMBOLIC_DIM } from '../randomFeeds';
import { largest, pushAll } from '../../core/lists';

/**
 * The text form of a verification: a before/after table (parameters, MACs, ORT latency, with ratios),
 * the input/output check, the error per output, and a verdict line. Used by `verify` and `prune --verify`.
 */
export function formatVerify(r: VerifyResult, howToSizeDims = '--dim NAME=SIZE'): string {
  const lines: string[] = [];
  lines.push(`Original  ${r.original.path}`, `Pruned    ${r.pruned.path}`);
  const inputs = r.inputs
    .map((i) => `${i.name} ${i.type} [${i.dims.join(', ')}]${i.range ? ` in ${i.range}` : ''}`)
    .join(', ');
  lines.push(`Inputs    ${inputs || '(none)'}, random, seed ${r.seed}`);
  if (r.guessedDims.length > 0) lines.push(`          ${guessedDimsNote(r.guessedDims, howToSizeDims)}`);
  lines.push('');

  const table: string[][] = [['', 'original', 'pruned', 'pruned/original']];
  table.push([
    'Parameters',
    count(r.original.parameters),
    count(r.pruned.parameters),
    ratioText(r.ratios.parameters, 'fewer'),
  ]);
  const macs = (m: VerifyResult['original']) => `${m.macsUncounted ? '≥ ' : ''}${count(m.macs)}`;
  const uncounted = r.original.macsUncounted + r.pruned.macsUncounted > 0;
  table.push([
    'MACs',
    macs(r.original),
    macs(r.pruned),
    uncounted ? '— (some nodes have dynamic shapes: not counted)' : ratioText(r.ratios.macs, 'fewer'),
  ]);
  if (r.original.latencyMs && r.pruned.latencyMs && r.timing) {
    table.push([
      'ORT latency, median',
      ms(r.original.latencyMs.median),
      ms(r.pruned.latencyMs.median),
      `${r.timing.ratio.median.toFixed(3)} (${verdictWords(r.timing.ratio)}) over ${r.timing.runs} paired CPU runs ` +
        `(middle half ${r.timing.ratio.p25.toFixed(3)}–${r.timing.ratio.p75.toFixed(3)}, ` +
        `${r.timing.warmup} warm-up, ${r.timing.threads} threads)`,
    ]);
  } else {
    table.push(['ORT latency, median', '—', '—', 'not measured']);
  }
  pushAll(lines, alignTable(table));
  lines.push('');
  if (r.timing && isSlower(r))
    lines.push(
      `Warning: the pruned model is slower than the original in ONNX Runtime here (${r.timing.ratio.median.toFixed(2)}× ` +
        "its time): channel counts off the runtime's channel block are the usual cause (prune with the default " +
        'alignment, or --align N), or layers too small for pruning to pay.',
      '',
    );

  if (r.runtimeError) lines.push(`Runtime error: ${r.runtimeError}`);
  if (r.io.differences.length > 0) {
    lines.push('Inputs/outputs differ:');
    for (const d of r.io.differences) lines.push(`  ${d}`);
  } else if (!r.runtimeError) {
    lines.push('Inputs/outputs: same names, element types and shapes');
  }

  const e = r.exactness;
  if (e.status === 'skipped') {
    lines.push(`Exactness: not checked: ${e.reason}`);
  } else {
    lines.push(
      `Exactness: pruned vs masked original (${e.maskedSlices} tensor slice${e.maskedSlices === 1 ? '' : 's'} zeroed), ` +
        `|error| ≤ max(${e.atol} + ${e.rtol} × max|output|, ${e.noiseFloorFactor} × noise floor); noise floor = ` +
        "the masked original with ONNX Runtime's graph optimisations on vs off",
    );
    const rows = [['  output', 'max abs error', 'noise floor', 'tolerance', '']];
    for (const o of e.outputs) {
      rows.push([
        `  ${o.name}`,
        o.maxAbsError === null ? '—' : sci(o.maxAbsError),
        o.noiseFloor === null ? '—' : sci(o.noiseFloor),
        sci(o.tolerance),
        o.passed ? 'ok' : `FAIL${o.problem ? `: ${o.problem}` : ''}`,
      ]);
    }
    pushAll(lines, alignTable(rows, 1));
  }
  lines.push('', verdict(r));
  return lines.map(oneLine).join('\n'); // a line each: a name cannot add one
}

function verdict(r: VerifyResult): string {
  if (r.passed && r.exactness.status === 'passed')
    return 'PASS: same inputs and outputs, and the pruned model equals the masked original within tolerance.';
  if (r.passed) return 'PASS (shapes only): same inputs and outputs; the exactness check did not run.';
  if (r.runtimeError) return 'FAIL: ONNX Runtime could not run the pruned model.';
  if (!r.io.equal) return 'FAIL: the pruned model does not keep the inputs and outputs of the original.';
  const failed = r.exactness.outputs.filter((o) => !o.passed).map((o) => `'${o.name}'`);
  return `FAIL: output${failed.length === 1 ? '' : 's'} ${failed.join(', ')} differ${failed.length === 1 ? 's' : ''} from the masked original beyond tolerance.`;
}

/** Left-aligns the first column and right-aligns the numbers, with two spaces between columns. */
function alignTable(rows: string[][], numericFrom = 1): string[] {
  const widths = rows[0].map((_, c) => largest(rows.map((row) => (row[c] ?? '').length)));
  return rows.map((row) =>
    row
      .map((cell, c) => {
        const last = c === row.length - 1;
        if (c < numericFrom || last) return last ? cell : cell.padEnd(widths[c]);
        return cell.padStart(widths[c]);
      })
      .join('  ')
      .trimEnd(),
  );
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function ms(n: number): string {
  return `${n.toFixed(n < 10 ? 3 : n < 100 ? 2 : 1)} ms`;
}

function sci(n: number): string {
  return n === 0 ? '0' : Number.isFinite(n) ? n.toExponential(2) : String(n);
}

/** "0.253 (3.95× fewer)": the ratio, and the factor the other way round when it is a gain. */
function ratioText(ratio: number | null, gain: string): string {
  if (ratio === null) return '—';
  const text = ratio.toFixed(3);
  if (ratio > 0 && ratio < 1) return `${text} (${(1 / ratio).toFixed(2)}× ${gain})`;
  return text;
}

/** A message as a sentence: one full stop at the end. */
export function sentence(message: string): string {
  return /[.!?…]$/.test(message) ? message : `${message}.`;
}

/**
 * A refused verification as one sentence; a step that timed out says how to give it longer (`how`: the option
 * or the setting): "… within 120 s; its process was stopped (--timeout gives each step longer)."
 */
export function refusalSentence(error: VerifyInputError, how: string): string {
  if (!error.timedOut) return sentence(error.message);
  return `${error.message.replace(/\.$/, '')} (${how} gives each step longer).`;
}

/** The same, when the pruned model was written all the same (`prune --verify`, a plan applied with verify). */
export function unverifiedSentence(error: VerifyInputError, how: string, written: string): string {
  const why = refusalSentence(error, how).replace(/\.$/, '');
  return `${why}; the pruned model was written to ${written}, but it is not verified.`;
}

/**
 * Says which symbolic dims were guessed, and that the timing and MACs hold for that size only; `howToSizeDims`
 * is what sizes them (the command line's option, the editor's setting).
 */
export function guessedDimsNote(names: readonly string[], howToSizeDims: string): string {
  const list = names.map((n) => `'${n}'`).join(', ');
  const plural = names.length > 1;
  return (
    `symbolic dim${plural ? 's' : ''} ${list} ${plural ? 'were' : 'was'} given ${DEFAULT_SYMBOLIC_DIM} ` +
    `(nothing sizes ${plural ? 'them' : 'it'}; ${howToSizeDims} does): latency and MACs are for inputs that size`
  );
}
