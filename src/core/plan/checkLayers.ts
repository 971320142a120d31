// The plan checks on top-level fields and on `layers` entries that give a ratio or a count: one function per
// code. The arithmetic of what an amount may be (whole units, roundTo, never every channel) is amounts.ts's.
import type { RootLayer } from '../analyze/types';
import { largestCount, largestRatio, removalStep, roundCount } from '../prune/amounts';
import { type SearchBudget, closestNames } from './closestNames';
import type { PlanLayerEntry } from './parsePlan';
import { checkIndices } from './checkIndices';
import {
  type AmountCheck,
  type CheckedLayer,
  type PlanContext,
  blockReason,
  excludeFix,
  planFix,
  report,
  sentence,
  unitName,
} from './planContext';
import { removeProperty, replaceNode } from './planEdits';
import { q } from './planProblems';

/** Unknown layer names that get did-you-mean suggestions (each costs an edit distance per root). */
const MAX_SUGGESTED = 50;
/**
 * And the work all of them may take, in cells of the edit-distance tables: a few names' worth against a
 * 50,000-node model's 15,000 layers (~7 M cells each), about 0.1 s, whatever the model and the plan.
 */
const SUGGESTION_CELLS = 50_000_000;

/** PL005: the top-level ratio outside [0, 1). */
export function checkTopRatio(context: PlanContext): void {
  const { doc, lines, roots } = context;
  const ratio = doc.partial.ratio;
  const ratioNode = doc.properties.get('ratio')?.children?.[1];
  if (ratio === undefined || !ratioNode || (ratio >= 0 && ratio < 1)) return;
  let clamped = 0;
  if (ratio >= 1) {
    const candidates = [...roots.values()]
      .filter((r) => !r.locked)
      .map(largestRatio)
      .filter((r): r is number => r !== undefined);
    clamped = candidates.length > 0 ? candidates.reduce((a, b) => Math.min(a, b)) : 0.99;
  }
  report(
    context,
    'PL005',
    ratioNode,
    `"ratio" is ${ratio}, but it must be in [0, 1): the share of each group's channels to remove (1 would remove every channel). Use ${clamped}.`,
    [planFix('PL005.clamp', `clamp (${ratio} → ${clamped})`, [replaceNode(lines, ratioNode, q(clamped))])],
  );
}

/** PL007: the plan's modelSha256 is not the model's. */
export function checkModelHash(context: PlanContext): void {
  const { doc, lines } = context;
  const planned = doc.partial.modelSha256;
  const actual = context.options.modelSha256;
  const hashNode = doc.properties.get('modelSha256')?.children?.[1];
  if (planned === undefined || actual === undefined || !hashNode) return;
  if (planned.toLowerCase() === actual.toLowerCase()) return;
  report(
    context,
    'PL007',
    hashNode,
    `The plan was written for another version of the model: "modelSha256" is ${planned.slice(0, 12)}…, the model's SHA-256 is ${actual.slice(0, 12)}…. Check that the plan still fits the model, then update the hash.`,
    [
      planFix('PL007.update', "update the plan (set modelSha256 to the model's hash)", [
        replaceNode(lines, hashNode, q(actual.toLowerCase())),
      ]),
    ],
  );
}

/** Did-you-mean state across the unknown names of one plan. */
export interface NameSuggester {
  /** Root names no entry gives, computed on the first unknown name. */
  unplanned?: string[];
  /** Unknown names met so far. */
  unknown: number;
  /** What the suggestions may still take (see SUGGESTION_CELLS). */
  budget: SearchBudget;
}

/** The suggester of one plan check. */
export function nameSuggester(): NameSuggester {
  return { unknown: 0, budget: { cells: SUGGESTION_CELLS } };
}

function unplannedRoots(entries: readonly PlanLayerEntry[], roots: ReadonlyMap<string, RootLayer>): string[] {
  const planned = new Set(entries.map((e) => e.name));
  return [...roots.keys()].filter((n) => !planned.has(n));
}

/** PL002: an entry names no root layer of the model. */
export function checkUnknownLayer(context: PlanContext, entry: PlanLayerEntry, names: NameSuggester): void {
  const { doc, lines, roots } = context;
  // A plan for another model can name hundreds of unknown layers: suggest names for the first ones only.
  const suggestions =
    ++names.unknown <= MAX_SUGGESTED
      ? closestNames(entry.name, (names.unplanned ??= unplannedRoots(doc.layers, roots)), 3, names.budget)
      : [];
  const hint =
    roots.size === 0
      ? 'the model has no prunable layers.'
      : suggestions.length > 0
        ? `no Conv, ConvTranspose, Gemm or MatMul with a weight has that name. Did you mean ${suggestions.map(q).join(', ')}?`
        : 'no Conv, ConvTranspose, Gemm or MatMul with a weight has that name.';
  report(
    context,
    'PL002',
    entry.key,
    `Layer ${q(entry.name)} is not in the model: ${hint} Correct the name or remove the entry.`,
    [
      ...suggestions.map((s, i) =>
        planFix(`PL002.rename.${i}`, `change to ${q(s)}`, [replaceNode(lines, entry.key, q(s))]),
      ),
      planFix('PL002.remove', 'remove entry', removeProperty(lines, entry.property)),
    ],
    { layer: entry.name },
  );
}

/** PL004: an amount on a layer of a locked group. */
export function checkLockedLayer(context: PlanContext, entry: PlanLayerEntry, root: RootLayer): void {
  if (!root.locked || !entry.setting || 'exclude' in entry.setting) return;
  report(
    context,
    'PL004',
    entry.key,
    `Layer ${q(entry.name)} cannot be pruned: ${sentence(root.locked)} Exclude it from the plan.`,
    excludeFix(context.lines, entry, 'PL004.exclude'),
    { layer: entry.name, group: root.group },
  );
}

/** The amount checks of one entry: the first that applies reports (the entry has one thing to fix at a time). */
export function checkAmount(context: PlanContext, checked: CheckedLayer): void {
  const { entry, root, setting } = checked;
  const node = entry.settingNode;
  if (!node) return;
  const check: AmountCheck = {
    ...checked,
    node,
    step: removalStep(root.unit, context.roundTo),
    layer: q(entry.name),
    about: { layer: entry.name, group: root.group },
  };
  if ('ratio' in setting) checkRatioRange(context, check, setting.ratio);
  else if ('prune' in setting) {
    const n = setting.prune;
    if (!checkPruneAll(context, check, n) && !checkPruneBlocks(context, check, n))
      checkPruneRoundTo(context, check, n);
  } else if ('indices' in setting) checkIndices(context, check, setting.indices);
}

/** PL005: a layer's ratio outside [0, 1). */
function checkRatioRange(context: PlanContext, check: AmountCheck, r: number): void {
  if (r >= 0 && r < 1) return;
  const { entry, root, node, layer } = check;
  const clamped = r < 0 ? 0 : largestRatio(root);
  report(
    context,
    'PL005',
    node,
    `"ratio" of layer ${layer} is ${r}, but it must be in [0, 1): the share of its ${root.channels} output channels to remove (1 would remove them all).` +
      (clamped === undefined ? ' The layer has a single unit: exclude it.' : ` Use ${clamped}.`),
    clamped === undefined
      ? excludeFix(context.lines, entry, 'PL005.exclude')
      : [planFix('PL005.clamp', `clamp (${r} → ${clamped})`, [replaceNode(context.lines, node, q(clamped))])],
    check.about,
  );
}

/** PL005: a count that removes every channel. */
function checkPruneAll(context: PlanContext, check: AmountCheck, n: number): boolean {
  const { entry, root, node, layer } = check;
  if (n < root.channels) return false;
  const largest = largestCount(root, check.step);
  report(
    context,
    'PL005',
    node,
    `"prune": ${n} on layer ${layer} removes every channel (it has ${root.channels}). Keep at least ${unitName(root.unit)}` +
      (largest === undefined ? ': the layer cannot be pruned, exclude it.' : `: prune at most ${largest}.`),
    largest === undefined
      ? excludeFix(context.lines, entry, 'PL005.exclude')
      : [planFix('PL005.clamp', `clamp (${n} → ${largest})`, [replaceNode(context.lines, node, q(largest))])],
    check.about,
  );
  return true;
}

/** PL001: a count that is not whole units. */
function checkPruneBlocks(context: PlanContext, check: AmountCheck, n: number): boolean {
  const { entry, root, node, layer } = check;
  if (n % root.unit === 0) return false;
  const m = roundCount(n, root, check.step);
  report(
    context,
    'PL001',
    node,
    `"prune": ${n} on layer ${layer} is not whole blocks: ${blockReason(root, context.groups)}. ` +
      (m === undefined ? 'The layer has a single block: exclude it.' : `Use ${m}.`),
    m === undefined
      ? excludeFix(context.lines, entry, 'PL001.exclude')
      : [
          planFix('PL001.round', `round to whole blocks (${n} → ${m})`, [
            replaceNode(context.lines, node, q(m)),
          ]),
        ],
    check.about,
  );
  return true;
}

/** PL006: a count that is not a multiple of roundTo. */
function checkPruneRoundTo(context: PlanContext, check: AmountCheck, n: number): boolean {
  const { root, node, layer } = check;
  const { roundTo } = context;
  if (roundTo <= 1 || n % roundTo === 0) return false;
  const m = roundCount(n, root, check.step);
  const fits = m !== undefined && m % roundTo === 0;
  report(
    context,
    'PL006',
    node,
    `"prune": ${n} on layer ${layer} is not a multiple of "roundTo" (${roundTo}).` +
      (fits ? ` Use ${m}.` : ''),
    fits ? [planFix('PL006.round', `round (${n} → ${m})`, [replaceNode(context.lines, node, q(m))])] : [],
    check.about,
  );
  return true;
}
