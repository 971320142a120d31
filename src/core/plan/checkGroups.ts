// PL003: the layers of one group are pruned as one, so a plan must give them one amount.
import type { RootLayer } from '../analyze/types';
import { type LayerSetting, requestedCount } from '../prune/amounts';
import { type CheckedLayer, type PlanContext, planFix, report } from './planContext';
import { inlineJson, replaceNode } from './planEdits';
import { q } from './planProblems';

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
  if ('ratio' in a && 'ratio' in b) return a.ratio === b.ratio;
  // A ratio on one and a count on the other: the same when they ask for the same channels (no default ratio).
  return requestedCount(a, NaN, rootA.channels) === requestedCount(b, NaN, rootB.channels);
}

/** PL003: on every layer of a group whose setting differs from the group's first entry. */
export function checkGroupMismatch(context: PlanContext, checked: readonly CheckedLayer[]): void {
  const { lines } = context;
  const byGroup = new Map<string, CheckedLayer[]>();
  for (const item of checked) {
    const list = byGroup.get(item.root.group) ?? [];
    list.push(item);
    byGroup.set(item.root.group, list);
  }
  for (const [group, items] of byGroup) {
    if (items.length < 2) continue;
    const [first, ...rest] = items as [CheckedLayer, ...CheckedLayer[]];
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
      report(
        context,
        'PL003',
        item.entry.value,
        `Layers ${q(item.entry.name)} and ${q(first.entry.name)} are in one group (${group}: their channels are tied, e.g. by a residual Add) but get different settings: ${inlineJson(item.setting)} here, ${inlineJson(first.setting)} on ${q(first.entry.name)}. A group is pruned as one: give them the same ${kind === 'exclude' ? 'setting' : 'amount'}.`,
        [
          planFix(
            'PL003.unify',
            `use one setting for the group (${shown}, as on ${q(first.entry.name)})`,
            edits,
          ),
        ],
        { layer: item.entry.name, group },
      );
    }
  }
}
