/** Hand-made root layers and helpers for the plan tests. */
import assert from 'node:assert/strict';
import type { ChannelGroup, Diagnostic, RootLayer, TextRange } from '../../../src/core/analyze/types';
import { applyEdits } from '../../../src/core/plan/applyEdits';
import { type CheckPlanOptions, planDiagnostics } from '../../../src/core/plan/checkPlan';
import { LineIndex } from '../../../src/core/plan/lineIndex';
import { parsePlan } from '../../../src/core/plan/parsePlan';

/** CRD blocks: block c = channels c·r² … c·r²+r²−1. */
export function crdBlocks(channels: number, r2: number): number[][] {
  return Array.from({ length: channels / r2 }, (_, c) => Array.from({ length: r2 }, (_, k) => c * r2 + k));
}

/** DCR blocks: block c = channels c, c+C′, c+2C′, … with C′ = channels / r². */
export function dcrBlocks(channels: number, r2: number): number[][] {
  const out = channels / r2;
  return Array.from({ length: out }, (_, c) => Array.from({ length: r2 }, (_, k) => k * out + c));
}

export function root(
  node: string,
  group: string,
  channels: number,
  more: { unit?: number; blocks?: number[][]; locked?: string; op?: string } = {},
): RootLayer {
  const unit = more.unit ?? 1;
  return {
    node,
    op: more.op ?? 'Conv',
    group,
    channels,
    unit,
    blocks: more.blocks ?? (unit === 1 ? Array.from({ length: channels }, (_, c) => [c]) : []),
    locked: more.locked ?? null,
  };
}

/**
 * An EDSR-like model: a head conv, two body convs tied by a residual Add (one group), a conv feeding a
 * DepthToSpace CRD r=2 (48 → 12 channels), one feeding a DepthToSpace DCR r=2 (16 → 4), a tail conv whose
 * output is the graph output (locked), a Gemm.
 */
export const ROOTS: ReadonlyMap<string, RootLayer> = new Map(
  [
    root('/head/Conv', 'G1', 64),
    root('/body/conv1/Conv', 'G2', 64),
    root('/body/conv2/Conv', 'G2', 64),
    root('/up/conv/Conv', 'G3', 48, { unit: 4, blocks: crdBlocks(48, 4) }),
    root('/up2/conv/Conv', 'G4', 16, { unit: 4, blocks: dcrBlocks(16, 4) }),
    root('/tail/Conv', 'G5', 3, {
      locked: 'its output is the graph output "image", whose 3 channels must stay.',
    }),
    root('/fc/Gemm', 'G6', 10, { op: 'Gemm' }),
  ].map((r) => [r.node, r]),
);

export const GROUPS: ChannelGroup[] = [
  {
    id: 'G3',
    roots: ['/up/conv/Conv'],
    channels: 48,
    unit: 4,
    prunable: true,
    locked: null,
    members: [],
    pixelShuffle: [{ node: '/up/DepthToSpace', form: 'DepthToSpace', mode: 'CRD', blocksize: 2 }],
  },
];

export const SHA = 'a'.repeat(64);

/** A plan with the given `layers` entries (one per line) and extra top-level lines. */
export function plan(layers: string[], top: string[] = []): string {
  const head = ['  "model": "edsr.onnx"', ...top.map((t) => `  ${t}`)];
  const body = layers.map((l, i) => `    ${l}${i < layers.length - 1 ? ',' : ''}`);
  return `{\n${head.join(',\n')},\n  "layers": {\n${body.join('\n')}\n  }\n}\n`;
}

export function diagnose(text: string, options: CheckPlanOptions = {}, roots = ROOTS): Diagnostic[] {
  return planDiagnostics(parsePlan(text), roots, { groups: GROUPS, ...options });
}

export function slice(text: string, range: TextRange | undefined): string {
  assert.ok(range, 'the diagnostic has a range');
  return new LineIndex(text).slice(range);
}

export function only(diagnostics: Diagnostic[], code: string): Diagnostic {
  const found = diagnostics.filter((d) => d.code === code);
  assert.equal(found.length, 1, `one ${code} in ${JSON.stringify(diagnostics, null, 1)}`);
  return found[0]!;
}

export function codes(diagnostics: Diagnostic[]): string[] {
  return diagnostics.map((d) => d.code);
}

const summary = (d: Diagnostic): string => `${d.code} ${d.node ?? ''} ${d.message}`;

/**
 * Applies one fix of a diagnostic and checks the result: the text still parses as strict JSON (when it did),
 * the finding is gone, and every other finding is as it was.
 */
export function applyFix(
  text: string,
  diagnostic: Diagnostic,
  fixId: string,
  options: CheckPlanOptions = {},
  roots = ROOTS,
): string {
  const fix = diagnostic.fixes.find((f) => f.id === fixId);
  assert.ok(fix, `fix ${fixId} among ${diagnostic.fixes.map((f) => f.id).join(', ')}`);
  assert.equal(fix.kind, 'plan');
  assert.ok(fix.edits && fix.edits.length > 0, 'the fix has edits');
  const fixed = applyEdits(text, fix.edits);
  let strict = true;
  try {
    JSON.parse(text);
  } catch {
    strict = false;
  }
  if (strict) assert.doesNotThrow(() => JSON.parse(fixed), `strict JSON after the fix:\n${fixed}`);
  const after = diagnose(fixed, options, roots);
  assert.ok(
    !after.some((d) => d.code === diagnostic.code && d.node === diagnostic.node),
    `${diagnostic.code} is gone after "${fix.title}":\n${fixed}\n${after.map(summary).join('\n')}`,
  );
  const before = diagnose(text, options, roots).filter(
    (d) => !(d.code === diagnostic.code && d.node === diagnostic.node),
  );
  assert.deepEqual(after.map(summary).sort(), before.map(summary).sort(), 'the other findings are unchanged');
  return fixed;
}
