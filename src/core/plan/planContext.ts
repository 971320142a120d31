// What every plan check (one function per code, checkPlan.ts runs them) shares: the plan, the model's root
// layers, and one way to report a finding (its severity from CODES) with quick fixes that edit the plan's text.
import type { DiagnosticCode } from '../analyze/codes';
import { diagnostic } from '../analyze/diagnostic';
import type { ChannelGroup, Diagnostic, Fix, RootLayer, TextEdit } from '../analyze/types';
import type { LayerSetting } from '../prune/amounts';
import type { Node } from './jsonc';
import type { LineIndex } from './lineIndex';
import type { PlanDocument, PlanLayerEntry } from './parsePlan';
import { inlineJson, replaceNode } from './planEdits';

export interface CheckPlanOptions {
  /** SHA-256 of the model file (hex), compared with the plan's `modelSha256` (PL007). */
  modelSha256?: string;
  /** The model's groups: messages then say why a layer's channels go in blocks (pixel shuffle details). */
  groups?: readonly ChannelGroup[];
}

export type PlanFix = Fix & { edits: TextEdit[] };

/** Which layer (and group) a finding is about. */
export interface About {
  layer: string;
  group?: string;
}

export interface PlanContext {
  doc: PlanDocument;
  lines: LineIndex;
  roots: ReadonlyMap<string, RootLayer>;
  options: CheckPlanOptions;
  groups: ReadonlyMap<string, ChannelGroup>;
  /** The plan's roundTo (1 when not given or not valid). */
  roundTo: number;
  diagnostics: Diagnostic[];
}

/** A `layers` entry that names a root of an unlocked group: the amount checks run on these. */
export interface CheckedLayer {
  entry: PlanLayerEntry;
  root: RootLayer;
  setting: LayerSetting;
}

/** What the amount checks of one entry share. */
export interface AmountCheck extends CheckedLayer {
  /** The setting's value node. */
  node: Node;
  /** Whole units and roundTo (amounts.ts). */
  step: number;
  /** The layer's name, quoted for messages. */
  layer: string;
  about: About;
}

export function planContext(
  doc: PlanDocument,
  roots: ReadonlyMap<string, RootLayer>,
  options: CheckPlanOptions,
): PlanContext {
  return {
    doc,
    lines: doc.lines,
    roots,
    options,
    groups: new Map((options.groups ?? []).map((g) => [g.id, g])),
    roundTo: doc.partial.roundTo ?? 1,
    diagnostics: [],
  };
}

/** Reports a finding of `code` on `node` of the plan. */
export function report(
  context: PlanContext,
  code: DiagnosticCode,
  node: Node,
  message: string,
  fixes: PlanFix[],
  about?: About,
): void {
  const found = diagnostic(code, { message, range: context.lines.range(node.offset, node.length), fixes });
  if (about) found.node = about.layer;
  if (about?.group) found.group = about.group;
  context.diagnostics.push(found);
}

export function planFix(id: string, title: string, edits: TextEdit[]): PlanFix {
  return { id, title, kind: 'plan', edits };
}

/** The fix that replaces an entry's setting with `{ "exclude": true }` (none when the entry has no value). */
export function excludeFix(lines: LineIndex, entry: PlanLayerEntry, id: string): PlanFix[] {
  return entry.value
    ? [planFix(id, 'exclude layer', [replaceNode(lines, entry.value, inlineJson({ exclude: true }))])]
    : [];
}

/** A reason as a sentence that ends with a full stop. */
export function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

export function unitName(unit: number): string {
  return unit === 1 ? 'one channel' : `one block of ${unit}`;
}

/** Why a root's channels go in blocks, for messages. */
export function blockReason(root: RootLayer, groups: ReadonlyMap<string, ChannelGroup>): string {
  const shuffle = groups.get(root.group)?.pixelShuffle[0];
  if (shuffle) {
    const mode = shuffle.mode ? ` ${shuffle.mode}` : '';
    return `it feeds a pixel shuffle (${shuffle.form}${mode}, r = ${shuffle.blocksize}), so its output channels go in whole blocks of ${root.unit}`;
  }
  return `its output channels go in whole blocks of ${root.unit}`;
}
