/**
 * Checks a parsed plan against the model's root layers: the plan-level findings PL001–PL008 of the design's
 * diagnostics catalogue (§8), each with the exact range of the offending key or value, a message naming the
 * layer and what to do, and quick fixes whose text edits keep the plan valid JSON.
 */
import type { DiagnosticCode } from '../analyze/codes';
import { diagnostic } from '../analyze/diagnostic';
import type { ChannelGroup, Diagnostic, Fix, RootLayer, TextEdit, TextRange } from '../analyze/types';
import type { Node } from './jsonc';
import { type LayerSetting, type PlanDocument, type PlanLayerEntry, sortDiagnostics } from './parsePlan';
import { inlineJson, removeProperty, replaceNode } from './planEdits';

export interface CheckPlanOptions {
  /** SHA-256 of the model file (hex), compared with the plan's `modelSha256` (PL007). */
  modelSha256?: string;
  /** The model's groups: messages then say why a layer's channels go in blocks (pixel shuffle details). */
  groups?: readonly ChannelGroup[];
}

type PlanFix = Fix & { edits: TextEdit[] };

/** Unknown layer names that get did-you-mean suggestions (each costs an edit distance per root). */
const MAX_SUGGESTED = 50;

const q = (s: unknown): string => JSON.stringify(s);

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function lcm(a: number, b: number): number {
  return (a / gcd(a, b)) * b;
}

/** Levenshtein distance. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Up to `count` names closest to `name`, close enough to be a plausible typo. */
export function closestNames(name: string, names: Iterable<string>, count = 3): string[] {
  const limit = Math.max(3, Math.floor(name.length / 2));
  const scored: { candidate: string; distance: number }[] = [];
  for (const candidate of names) {
    // Cheap bound first: the distance is at least the difference in length.
    if (Math.abs(candidate.length - name.length) > limit) continue;
    const distance = editDistance(name, candidate);
    if (distance <= limit) scored.push({ candidate, distance });
  }
  scored.sort((a, b) => a.distance - b.distance || a.candidate.localeCompare(b.candidate));
  return scored.slice(0, count).map((s) => s.candidate);
}

/** The prunable units of a root as channel lists; undefined when the analysis did not give its block layout. */
function blocksOf(root: RootLayer): number[][] | undefined {
  if (root.blocks.length > 0) return root.blocks;
  if (root.unit <= 1) return Array.from({ length: root.channels }, (_, c) => [c]);
  return undefined;
}

/** A reason as a sentence that ends with a full stop. */
function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

function unitName(unit: number): string {
  return unit === 1 ? 'one channel' : `one block of ${unit}`;
}

/** Why a root's channels go in blocks, for messages. */
function blockReason(root: RootLayer, groups: ReadonlyMap<string, ChannelGroup>): string {
  const shuffle = groups.get(root.group)?.pixelShuffle[0];
  if (shuffle) {
    const mode = shuffle.mode ? ` ${shuffle.mode}` : '';
    return `it feeds a pixel shuffle (${shuffle.form}${mode}, r = ${shuffle.blocksize}), so its output channels go in whole blocks of ${root.unit}`;
  }
  return `its output channels go in whole blocks of ${root.unit}`;
}

function listBlocks(blocks: number[][], max = 3): string {
  const shown = blocks.slice(0, max).map((b) => `[${b.join(', ')}]`);
  return blocks.length > max ? `${shown.join(', ')} and ${blocks.length - max} more` : shown.join(', ');
}

/** Largest count of channels to remove that keeps at least one unit, in multiples of `step` if possible. */
function largestCount(root: RootLayer, step: number): number | undefined {
  const room = root.channels - root.unit;
  const stepped = Math.floor(room / step) * step;
  if (stepped >= step) return stepped;
  const units = Math.floor(room / root.unit) * root.unit;
  return units > 0 ? units : undefined;
}

/** `n` rounded down to a multiple of `step`, at least one step, at most the largest count that keeps a unit. */
function roundCount(n: number, root: RootLayer, step: number): number | undefined {
  const rounded = Math.max(step, Math.floor(n / step) * step);
  const largest = largestCount(root, step);
  if (largest === undefined) return undefined;
  return Math.min(rounded, largest);
}

/** The largest ratio below 1 that keeps at least one unit of a root (two decimals when that is enough). */
function largestRatio(root: RootLayer): number | undefined {
  if (root.channels <= root.unit) return undefined;
  const exact = (root.channels - root.unit) / root.channels;
  const rounded = Math.floor(exact * 100) / 100;
  return rounded > 0 ? rounded : exact;
}

function settingKind(setting: LayerSetting): 'ratio' | 'prune' | 'indices' | 'exclude' {
  if ('ratio' in setting) return 'ratio';
  if ('prune' in setting) return 'prune';
  if ('indices' in setting) return 'indices';
  return 'exclude';
}

/** Whether two roots of one group are given the same amount. */
function sameAmount(a: LayerSetting, rootA: RootLayer, b: LayerSetting, rootB: RootLayer): boolean {
  if ('exclude' in a || 'exclude' in b) return 'exclude' in a && 'exclude' in b;
  if ('indices' in a || 'indices' in b) {
    if (!('indices' in a && 'indices' in b)) return false;
    const sa = new Set(a.indices);
    const sb = new Set(b.indices);
    return sa.size === sb.size && [...sa].every((i) => sb.has(i));
  }
  const count = (s: LayerSetting, root: RootLayer): number =>
    'prune' in s ? s.prune : 'ratio' in s ? s.ratio * root.channels : NaN;
  if ('ratio' in a && 'ratio' in b) return a.ratio === b.ratio;
  return count(a, rootA) === count(b, rootB);
}

export function checkPlan(
  doc: PlanDocument,
  roots: ReadonlyMap<string, RootLayer>,
  options: CheckPlanOptions = {},
): Diagnostic[] {
  const { lines, partial } = doc;
  const groups = new Map((options.groups ?? []).map((g) => [g.id, g]));
  const diagnostics: Diagnostic[] = [];
  const rangeOf = (node: Node): TextRange => lines.range(node.offset, node.length);
  const add = (
    code: DiagnosticCode,
    node: Node,
    message: string,
    fixes: PlanFix[],
    about?: { layer: string; group?: string },
  ): void => {
    const found = diagnostic(code, { message, range: rangeOf(node), fixes });
    if (about) found.node = about.layer;
    if (about?.group) found.group = about.group;
    diagnostics.push(found);
  };
  const fix = (id: string, title: string, edits: TextEdit[]): PlanFix => ({ id, title, kind: 'plan', edits });
  const excludeFix = (entry: PlanLayerEntry, id: string): PlanFix[] =>
    entry.value
      ? [fix(id, 'exclude layer', [replaceNode(lines, entry.value, inlineJson({ exclude: true }))])]
      : [];

  const roundTo = partial.roundTo ?? 1;

  // Top-level ratio (PL005).
  const ratioNode = doc.properties.get('ratio')?.children?.[1];
  if (partial.ratio !== undefined && ratioNode && (partial.ratio < 0 || partial.ratio >= 1)) {
    let clamped = 0;
    if (partial.ratio >= 1) {
      const candidates = [...roots.values()]
        .filter((r) => !r.locked)
        .map(largestRatio)
        .filter((r): r is number => r !== undefined);
      clamped = candidates.length > 0 ? Math.min(...candidates) : 0.99;
    }
    add(
      'PL005',
      ratioNode,
      `"ratio" is ${partial.ratio}, but it must be in [0, 1): the share of each group's channels to remove (1 would remove every channel). Use ${clamped}.`,
      [
        fix('PL005.clamp', `clamp (${partial.ratio} → ${clamped})`, [
          replaceNode(lines, ratioNode, q(clamped)),
        ]),
      ],
    );
  }

  // The model's hash (PL007).
  const hashNode = doc.properties.get('modelSha256')?.children?.[1];
  if (
    partial.modelSha256 !== undefined &&
    options.modelSha256 !== undefined &&
    hashNode &&
    partial.modelSha256.toLowerCase() !== options.modelSha256.toLowerCase()
  ) {
    add(
      'PL007',
      hashNode,
      `The plan was written for another version of the model: "modelSha256" is ${partial.modelSha256.slice(0, 12)}…, the model's SHA-256 is ${options.modelSha256.slice(0, 12)}…. Check that the plan still fits the model, then update the hash.`,
      [
        fix('PL007.update', "update the plan (set modelSha256 to the model's hash)", [
          replaceNode(lines, hashNode, q(options.modelSha256.toLowerCase())),
        ]),
      ],
    );
  }

  // Layer entries.
  const checked: { entry: PlanLayerEntry; root: RootLayer; setting: LayerSetting }[] = [];
  const plannedNames = new Set(doc.layers.map((e) => e.name));
  let unplanned: string[] | undefined;
  let unknownCount = 0;
  for (const entry of doc.layers) {
    const setting = entry.setting;
    if (entry.shadowed || !setting) continue;
    const root = roots.get(entry.name);
    const layer = q(entry.name);

    if (!root) {
      // A plan for another model can name hundreds of unknown layers: suggest names for the first ones only.
      const suggestions =
        ++unknownCount <= MAX_SUGGESTED
          ? closestNames(entry.name, (unplanned ??= [...roots.keys()].filter((n) => !plannedNames.has(n))))
          : [];
      const hint =
        roots.size === 0
          ? 'the model has no prunable layers.'
          : suggestions.length > 0
            ? `no Conv, ConvTranspose, Gemm or MatMul with a weight has that name. Did you mean ${suggestions.map(q).join(', ')}?`
            : 'no Conv, ConvTranspose, Gemm or MatMul with a weight has that name.';
      add(
        'PL002',
        entry.key,
        `Layer ${layer} is not in the model: ${hint} Correct the name or remove the entry.`,
        [
          ...suggestions.map((s, i) =>
            fix(`PL002.rename.${i}`, `change to ${q(s)}`, [replaceNode(lines, entry.key, q(s))]),
          ),
          fix('PL002.remove', 'remove entry', removeProperty(lines, entry.property)),
        ],
        { layer: entry.name },
      );
      continue;
    }
    const about = { layer: entry.name, group: root.group };

    if (root.locked) {
      if (!('exclude' in setting)) {
        add(
          'PL004',
          entry.key,
          `Layer ${layer} cannot be pruned: ${sentence(root.locked)} Exclude it from the plan.`,
          excludeFix(entry, 'PL004.exclude'),
          about,
        );
      }
      continue;
    }
    checked.push({ entry, root, setting });
    const node = entry.settingNode;
    if (!node) continue;
    const step = lcm(root.unit, roundTo);

    if ('ratio' in setting) {
      const r = setting.ratio;
      if (r < 0 || r >= 1) {
        const clamped = r < 0 ? 0 : largestRatio(root);
        add(
          'PL005',
          node,
          `"ratio" of layer ${layer} is ${r}, but it must be in [0, 1): the share of its ${root.channels} output channels to remove (1 would remove them all).` +
            (clamped === undefined ? ' The layer has a single unit: exclude it.' : ` Use ${clamped}.`),
          clamped === undefined
            ? excludeFix(entry, 'PL005.exclude')
            : [fix('PL005.clamp', `clamp (${r} → ${clamped})`, [replaceNode(lines, node, q(clamped))])],
          about,
        );
      }
    } else if ('prune' in setting) {
      const n = setting.prune;
      if (n >= root.channels) {
        const largest = largestCount(root, step);
        add(
          'PL005',
          node,
          `"prune": ${n} on layer ${layer} removes every channel (it has ${root.channels}). Keep at least ${unitName(root.unit)}` +
            (largest === undefined
              ? ': the layer cannot be pruned, exclude it.'
              : `: prune at most ${largest}.`),
          largest === undefined
            ? excludeFix(entry, 'PL005.exclude')
            : [fix('PL005.clamp', `clamp (${n} → ${largest})`, [replaceNode(lines, node, q(largest))])],
          about,
        );
      } else if (n % root.unit !== 0) {
        const m = roundCount(n, root, step);
        add(
          'PL001',
          node,
          `"prune": ${n} on layer ${layer} is not whole blocks: ${blockReason(root, groups)}. ` +
            (m === undefined ? 'The layer has a single block: exclude it.' : `Use ${m}.`),
          m === undefined
            ? excludeFix(entry, 'PL001.exclude')
            : [fix('PL001.round', `round to whole blocks (${n} → ${m})`, [replaceNode(lines, node, q(m))])],
          about,
        );
      } else if (roundTo > 1 && n % roundTo !== 0) {
        const m = roundCount(n, root, step);
        add(
          'PL006',
          node,
          `"prune": ${n} on layer ${layer} is not a multiple of "roundTo" (${roundTo}).` +
            (m === undefined || m % roundTo !== 0 ? '' : ` Use ${m}.`),
          m === undefined || m % roundTo !== 0
            ? []
            : [fix('PL006.round', `round (${n} → ${m})`, [replaceNode(lines, node, q(m))])],
          about,
        );
      }
    } else if ('indices' in setting) {
      checkIndices(entry, root, setting.indices, node, step);
    }
  }

  function checkIndices(
    entry: PlanLayerEntry,
    root: RootLayer,
    indices: number[],
    node: Node,
    step: number,
  ): void {
    const layer = q(entry.name);
    const about = { layer: entry.name, group: root.group };
    const elements = node.children ?? [];
    const replace = (values: number[]): TextEdit[] => [replaceNode(lines, node, inlineJson(values))];

    // PL008: out of range or repeated.
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
      const dropFix = fix(
        'PL008.drop',
        bad.length === 1 ? 'drop the bad index' : `drop the ${bad.length} bad indices`,
        replace(clean),
      );
      for (const b of bad) {
        const element = elements[b.position];
        if (element) add('PL008', element, b.message, [dropFix], about);
      }
    }

    const blocks = blocksOf(root);
    const chosen = new Set(clean);

    // PL005: every channel.
    if (chosen.size >= root.channels) {
      const fixes: PlanFix[] = [];
      if (blocks && blocks.length > 1) {
        const last = blocks.reduce((a, b) => (Math.max(...b) > Math.max(...a) ? b : a));
        const kept = new Set(last);
        const values = clean.filter((i) => !kept.has(i));
        fixes.push(
          fix(
            'PL005.clamp',
            `clamp: keep the last ${root.unit === 1 ? 'channel' : 'block'} (${indices.length} → ${values.length} channels)`,
            replace(values),
          ),
        );
      } else fixes.push(...excludeFix(entry, 'PL005.exclude'));
      add(
        'PL005',
        node,
        `"indices" of layer ${layer} cover all its ${root.channels} output channels. Keep at least ${unitName(root.unit)}.`,
        fixes,
        about,
      );
      return;
    }

    // PL001: whole blocks.
    if (blocks && root.unit > 1) {
      const blockOf = new Map<number, number>();
      blocks.forEach((block, b) => block.forEach((c) => blockOf.set(c, b)));
      const touched = [
        ...new Set(clean.map((c) => blockOf.get(c)).filter((b): b is number => b !== undefined)),
      ];
      const partialBlocks = touched
        .filter((b) => !blocks[b]!.every((c) => chosen.has(c)))
        .sort((a, b) => a - b);
      if (partialBlocks.length > 0) {
        const asc = (values: Iterable<number>): number[] => [...values].sort((a, b) => a - b);
        const widened = asc(new Set([...clean, ...touched.flatMap((b) => blocks[b]!)]));
        const partialChannels = new Set(partialBlocks.flatMap((b) => blocks[b]!));
        const dropped = asc(clean.filter((c) => !partialChannels.has(c)));
        const fixes: PlanFix[] = [];
        if (widened.length < root.channels) {
          fixes.push(
            fix(
              'PL001.widen',
              `round to whole blocks: widen to the blocks they touch (${indices.length} → ${widened.length})`,
              replace(widened),
            ),
          );
        }
        fixes.push(
          fix(
            'PL001.drop',
            `round to whole blocks: drop the partial blocks (${indices.length} → ${dropped.length})`,
            replace(dropped),
          ),
        );
        add(
          'PL001',
          node,
          `"indices" of layer ${layer} are not whole blocks: ${blockReason(root, groups)}, and they take only part of ${partialBlocks.length === 1 ? 'block' : 'blocks'} ${listBlocks(partialBlocks.map((b) => blocks[b]!))}. Widen to whole blocks or drop the partial ones.`,
          fixes,
          about,
        );
        return;
      }
    }

    // PL006: a multiple of roundTo.
    if (roundTo > 1 && clean.length % roundTo !== 0) {
      const fixes: PlanFix[] = [];
      const target = Math.floor(clean.length / step) * step;
      if (blocks && target > 0) {
        // Keep the lowest whole units (blocks) up to `target` channels.
        const blockOf = new Map<number, number>();
        blocks.forEach((block, b) => block.forEach((c) => blockOf.set(c, b)));
        const chosenBlocks = [...new Set(clean.map((c) => blockOf.get(c)!))].sort((a, b) => a - b);
        const kept = new Set(chosenBlocks.slice(0, target / root.unit).flatMap((b) => blocks[b]!));
        const values = clean.filter((c) => kept.has(c)).sort((a, b) => a - b);
        fixes.push(
          fix('PL006.round', `round (${clean.length} → ${values.length} channels)`, replace(values)),
        );
      }
      add(
        'PL006',
        node,
        `"indices" of layer ${layer} remove ${clean.length} channels, not a multiple of "roundTo" (${roundTo}).` +
          (fixes.length > 0 ? ` Keep ${target} of them.` : ''),
        fixes,
        about,
      );
    }
  }

  // PL003: one group, one amount.
  const byGroup = new Map<string, typeof checked>();
  for (const item of checked) {
    const list = byGroup.get(item.root.group) ?? [];
    list.push(item);
    byGroup.set(item.root.group, list);
  }
  for (const [group, items] of byGroup) {
    if (items.length < 2) continue;
    const [first, ...rest] = items as [(typeof items)[0], ...typeof items];
    const differing = rest.filter((i) => !sameAmount(first.setting, first.root, i.setting, i.root));
    if (differing.length === 0 || !first.entry.value) continue;
    const firstText = lines.text.slice(
      first.entry.value.offset,
      first.entry.value.offset + first.entry.value.length,
    );
    const shown = /[\r\n]/.test(firstText) ? inlineJson(first.setting) : firstText;
    const edits = differing
      .filter((i) => i.entry.value)
      .map((i) => replaceNode(lines, i.entry.value!, shown));
    const kind = settingKind(first.setting);
    for (const item of differing) {
      if (!item.entry.value) continue;
      add(
        'PL003',
        item.entry.value,
        `Layers ${q(item.entry.name)} and ${q(first.entry.name)} are in one group (${group}: their channels are tied, e.g. by a residual Add) but get different settings: ${inlineJson(item.setting)} here, ${inlineJson(first.setting)} on ${q(first.entry.name)}. A group is pruned as one: give them the same ${kind === 'exclude' ? 'setting' : 'amount'}.`,
        [fix('PL003.unify', `use one setting for the group (${shown}, as on ${q(first.entry.name)})`, edits)],
        { layer: item.entry.name, group },
      );
    }
  }

  return sortDiagnostics(diagnostics);
}

/** Parse problems (PL000, PL009) and the checks (PL001–PL008) of a plan, in document order. */
export function planDiagnostics(
  doc: PlanDocument,
  roots: ReadonlyMap<string, RootLayer>,
  options: CheckPlanOptions = {},
): Diagnostic[] {
  return sortDiagnostics([...doc.diagnostics, ...checkPlan(doc, roots, options)]);
}
