/**
 * Editing help for plans that only the model can give (the JSON schema gives the rest: keys, value types,
 * descriptions): completion of layer names inside `layers`, and a hover on a layer name saying what pruning it
 * means: its group, channels, unit and the pixel shuffles that set the unit, or why it is locked.
 */
import type { ChannelGroup, RootLayer, TextRange } from '../analyze/types';
import { getLocation, parseTree, findNodeAtOffset } from './jsonc';
import { LineIndex } from './lineIndex';
import { escapeMarkdown, markdownCode } from '../text';

export interface LayerCompletion {
  /** The node name. */
  label: string;
  /** Text that replaces `range`: the quoted name (and `: { "ratio": … }` when the key is new). */
  insertText: string;
  range: TextRange;
  /** One line: op, channels, unit, group. */
  detail: string;
  /** Locked layers are offered last and marked. */
  locked: boolean;
}

export interface LayerHover {
  markdown: string;
  range: TextRange;
}

function describeRoot(root: RootLayer): string {
  const unit = root.unit > 1 ? `, in blocks of ${root.unit}` : '';
  return `${root.op}, ${root.channels} output channels${unit}, group ${root.group}${root.locked ? ' (locked)' : ''}`;
}

/** Other roots of its group a layer's hover names before it counts the rest. */
const HOVER_ROOTS = 10;

/** Layer names to complete at `offset` when it is on a key of `layers` (empty elsewhere). */
export function completeLayers(
  text: string,
  offset: number,
  roots: ReadonlyMap<string, RootLayer>,
): LayerCompletion[] {
  const location = getLocation(text, offset);
  if (!location.isAtPropertyKey || location.path.length !== 2 || location.path[0] !== 'layers') return [];
  const lines = new LineIndex(text);
  // Replace the key being typed, quotes included, or insert at the cursor.
  const tree = parseTree(text);
  const node = tree && findNodeAtOffset(tree, offset, true);
  const isKey =
    node?.type === 'string' && node.parent?.type === 'property' && node.parent.children?.[0] === node;
  const range = isKey ? lines.range(node.offset, node.length) : lines.range(offset, 0);
  const hasValue = isKey && node.parent!.children!.length === 2;
  const present = existingLayers(tree);
  return [...roots.values()]
    .filter((root) => !present.has(root.node) || root.node === location.path[1])
    .map((root) => ({
      label: root.node,
      insertText: hasValue ? JSON.stringify(root.node) : `${JSON.stringify(root.node)}: { "ratio": 0.5 }`,
      range,
      detail: describeRoot(root),
      locked: root.locked !== null,
    }))
    .sort((a, b) => Number(a.locked) - Number(b.locked));
}

function existingLayers(tree: ReturnType<typeof parseTree>): Set<string> {
  const layers = tree?.children?.find((p) => p.children?.[0]?.value === 'layers')?.children?.[1];
  const names = new Set<string>();
  for (const property of layers?.children ?? []) {
    const key = property.children?.[0]?.value;
    if (typeof key === 'string') names.add(key);
  }
  return names;
}

/** What a layer name under `layers` means for pruning, when `offset` is on one. */
export function hoverLayer(
  text: string,
  offset: number,
  roots: ReadonlyMap<string, RootLayer>,
  groups: readonly ChannelGroup[],
): LayerHover | undefined {
  const tree = parseTree(text);
  if (!tree) return undefined;
  const node = findNodeAtOffset(tree, offset);
  const property = node?.parent;
  if (!node || node.type !== 'string' || property?.type !== 'property' || property.children?.[0] !== node)
    return undefined;
  const layers = property.parent?.parent;
  if (layers?.type !== 'property' || layers.children?.[0]?.value !== 'layers' || layers.parent !== tree)
    return undefined;
  const name = node.value as string;
  const root = roots.get(name);
  const range = new LineIndex(text).range(node.offset, node.length);
  // Every model and plan string is escaped: a hover is Markdown, where a name could otherwise be a link.
  if (!root) return { markdown: `**${escapeMarkdown(name)}** is not a prunable layer of this model.`, range };
  const group = groups.find((g) => g.id === root.group);
  const lines = [`**${escapeMarkdown(name)}** · ${escapeMarkdown(describeRoot(root))}`];
  if (group && group.roots.length > 1) {
    // A residual stream's group has thousands of roots: a hover names a few and counts the rest.
    const others = group.roots.filter((r) => r !== name);
    const named = others.slice(0, HOVER_ROOTS).map((r) => markdownCode(r));
    if (others.length > HOVER_ROOTS) named.push(`${others.length - HOVER_ROOTS} more`);
    lines.push(`Pruned together with ${named.join(', ')}.`);
  }
  for (const shuffle of group?.pixelShuffle ?? []) {
    const mode = shuffle.mode ? ` ${shuffle.mode}` : '';
    lines.push(
      `Feeds a pixel shuffle (${shuffle.form}${mode}, r = ${shuffle.blocksize}) at ${markdownCode(shuffle.node)}: channels go in whole blocks of ${shuffle.blocksize ** 2}.`,
    );
  }
  if (root.locked) lines.push(`Locked: ${escapeMarkdown(root.locked)}`);
  return { markdown: lines.join('\n\n'), range };
}
