// The plan checks on a layer's `indices`: one function per code. Bad indices (PL008) are reported and left out;
// then the first of PL005 (every channel), PL001 (part of a block), PL006 (not a multiple of roundTo) that
// applies reports, so an entry has one amount problem to fix at a time.
import type { RootLayer, TextEdit } from '../analyze/types';
import { roundDown } from '../prune/amounts';
import { inlineJson, replaceNode } from './planEdits';
import { largest, pushAll } from '../lists';
import {
  type AmountCheck,
  type PlanContext,
  type PlanFix,
  blockReason,
  excludeFix,
  planFix,
  report,
  unitName,
} from './planContext';

/** Bad indices of one entry reported each on its element; the rest are counted in one finding. */
const MAX_BAD_SHOWN = 20;

/** What the indices checks share: the entry, the indices as written and without the bad ones. */
interface IndicesCheck extends AmountCheck {
  indices: number[];
  /** The indices in range and not repeated, in the order written. */
  clean: number[];
  chosen: Set<number>;
  /** The layer's prunable units as channel lists; undefined when the analysis did not give its layout. */
  blocks: number[][] | undefined;
  /** Replaces the indices array with `values`. */
  replace: (values: number[]) => TextEdit[];
}

/** The prunable units of a root as channel lists; undefined when the analysis did not give its block layout. */
function blocksOf(root: RootLayer): number[][] | undefined {
  if (root.blocks.length > 0) return root.blocks;
  if (root.unit <= 1) return Array.from({ length: root.channels }, (_, c) => [c]);
  return undefined;
}

function listBlocks(blocks: number[][], max = 3): string {
  const shown = blocks.slice(0, max).map((b) => `[${b.join(', ')}]`);
  return blocks.length > max ? `${shown.join(', ')} and ${blocks.length - max} more` : shown.join(', ');
}

/** Channel → the index of its block. */
function blockIndex(blocks: number[][]): Map<number, number> {
  const blockOf = new Map<number, number>();
  blocks.forEach((block, b) => block.forEach((c) => blockOf.set(c, b)));
  return blockOf;
}

export function checkIndices(context: PlanContext, amount: AmountCheck, indices: number[]): void {
  const clean = checkBadIndices(context, amount, indices);
  const check: IndicesCheck = {
    ...amount,
    indices,
    clean,
    chosen: new Set(clean),
    blocks: blocksOf(amount.root),
    replace: (values) => [replaceNode(context.lines, amount.node, inlineJson(values))],
  };
  if (!checkIndicesAll(context, check) && !checkIndicesBlocks(context, check))
    checkIndicesRoundTo(context, check);
}

/** PL008: indices out of range or repeated, each on its element; returns the others. */
function checkBadIndices(context: PlanContext, check: AmountCheck, indices: number[]): number[] {
  const { root, layer } = check;
  const firstAt = new Map<number, number>();
  const clean: number[] = [];
  const bad: { position: number; message: string }[] = [];
  indices.forEach((index, position) => {
    if (index < 0 || index >= root.channels) {
      bad.push({
        position,
        message: `Index ${index} of layer ${layer} is out of range: the layer has ${root.channels} output channels (0 to ${root.channels - 1}). Drop it.`,
      });
    } else if (firstAt.has(index)) {
      bad.push({
        position,
        message: `Index ${index} of layer ${layer} is repeated (first at position ${firstAt.get(index)}). Drop it.`,
      });
    } else {
      firstAt.set(index, position);
      clean.push(index);
    }
  });
  if (bad.length > 0) {
    const dropFix = planFix(
      'PL008.drop',
      bad.length === 1 ? 'drop the bad index' : `drop the ${bad.length} bad indices`,
      [replaceNode(context.lines, check.node, inlineJson(clean))],
    );
    const elements = check.node.children ?? [];
    // Each bad index on its element, up to a point: a list of 300,000 out-of-range indices made as many
    // findings. Past it, one finding on the list counts the rest; the fix drops them all.
    const shown = bad.length > MAX_BAD_SHOWN ? bad.slice(0, MAX_BAD_SHOWN - 1) : bad;
    for (const b of shown) {
      const element = elements[b.position];
      if (element) report(context, 'PL008', element, b.message, [dropFix], check.about);
    }
    if (shown.length < bad.length) {
      const more = bad.length - shown.length;
      report(
        context,
        'PL008',
        check.node,
        `"indices" of layer ${layer} have ${more} more indices out of range (0 to ${root.channels - 1}) or repeated. Drop them.`,
        [dropFix],
        check.about,
      );
    }
  }
  return clean;
}

/** PL005: indices that take every channel. */
function checkIndicesAll(context: PlanContext, check: IndicesCheck): boolean {
  const { entry, root, blocks, clean, indices } = check;
  if (check.chosen.size < root.channels) return false;
  const fixes: PlanFix[] = [];
  if (blocks && blocks.length > 1) {
    const last = blocks.reduce((a, b) => (largest(b) > largest(a) ? b : a));
    const kept = new Set(last);
    const values = clean.filter((i) => !kept.has(i));
    fixes.push(
      planFix(
        'PL005.clamp',
        `clamp: keep the last ${root.unit === 1 ? 'channel' : 'block'} (${indices.length} → ${values.length} channels)`,
        check.replace(values),
      ),
    );
  } else pushAll(fixes, excludeFix(context.lines, entry, 'PL005.exclude'));
  report(
    context,
    'PL005',
    check.node,
    `"indices" of layer ${check.layer} cover all its ${root.channels} output channels. Keep at least ${unitName(root.unit)}.`,
    fixes,
    check.about,
  );
  return true;
}

/** PL001: indices that take only part of a block. */
function checkIndicesBlocks(context: PlanContext, check: IndicesCheck): boolean {
  const { root, blocks, clean, chosen, indices } = check;
  if (!blocks || root.unit <= 1) return false;
  const blockOf = blockIndex(blocks);
  const touched = [...new Set(clean.map((c) => blockOf.get(c)).filter((b): b is number => b !== undefined))];
  const partialBlocks = touched.filter((b) => !blocks[b]!.every((c) => chosen.has(c))).sort((a, b) => a - b);
  if (partialBlocks.length === 0) return false;
  const asc = (values: Iterable<number>): number[] => [...values].sort((a, b) => a - b);
  const widened = asc(new Set([...clean, ...touched.flatMap((b) => blocks[b]!)]));
  const partialChannels = new Set(partialBlocks.flatMap((b) => blocks[b]!));
  const dropped = asc(clean.filter((c) => !partialChannels.has(c)));
  const fixes: PlanFix[] = [];
  if (widened.length < root.channels) {
    fixes.push(
      planFix(
        'PL001.widen',
        `round to whole blocks: widen to the blocks they touch (${indices.length} → ${widened.length})`,
        check.replace(widened),
      ),
    );
  }
  fixes.push(
    planFix(
      'PL001.drop',
      `round to whole blocks: drop the partial blocks (${indices.length} → ${dropped.length})`,
      check.replace(dropped),
    ),
  );
  report(
    context,
    'PL001',
    check.node,
    `"indices" of layer ${check.layer} are not whole blocks: ${blockReason(root, context.groups)}, and they take only part of ${partialBlocks.length === 1 ? 'block' : 'blocks'} ${listBlocks(partialBlocks.map((b) => blocks[b]!))}. Widen to whole blocks or drop the partial ones.`,
    fixes,
    check.about,
  );
  return true;
}

/** PL006: indices whose count is not a multiple of roundTo. */
function checkIndicesRoundTo(context: PlanContext, check: IndicesCheck): void {
  const { root, blocks, clean, step } = check;
  const { roundTo } = context;
  if (roundTo <= 1 || clean.length % roundTo === 0) return;
  const fixes: PlanFix[] = [];
  const target = roundDown(clean.length, step);
  if (blocks && target > 0) {
    // Keep the lowest whole units (blocks) up to `target` channels.
    const blockOf = blockIndex(blocks);
    const chosenBlocks = [...new Set(clean.map((c) => blockOf.get(c)!))].sort((a, b) => a - b);
    const kept = new Set(chosenBlocks.slice(0, target / root.unit).flatMap((b) => blocks[b]!));
    const values = clean.filter((c) => kept.has(c)).sort((a, b) => a - b);
    fixes.push(
      planFix('PL006.round', `round (${clean.length} → ${values.length} channels)`, check.replace(values)),
    );
  }
  report(
    context,
    'PL006',
    check.node,
    `"indices" of layer ${check.layer} remove ${clean.length} channels, not a multiple of "roundTo" (${roundTo}).` +
      (fixes.length > 0 ? ` Keep ${target} of them.` : ''),
    fixes,
    check.about,
  );
}
