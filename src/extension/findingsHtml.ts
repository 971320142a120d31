// The model editor's lists of findings and channel groups, as HTML for its side bar. Findings are grouped by
// code (most severe first) with a count, each group collapsed until the user opens it, so sixteen findings of
// one kind take one line instead of a screen. No vscode import; every model string is escaped.
import { CODES } from '../core/analyze/codes';
import type { FindingRow, GroupRow } from '../protocol/server';
import { badge, button, cappedList, escapeHtml, tag } from '../shared/markup';

const SEVERITY_ORDER: Record<FindingRow['severity'], number> = { error: 0, warning: 1, info: 2 };

/** The findings grouped by code: one collapsed `<details>` per code, with its count and what the code means. */
export function findingGroups(findings: readonly FindingRow[]): string {
  const byCode = new Map<FindingRow['code'], FindingRow[]>();
  for (const f of findings) {
    const rows = byCode.get(f.code);
    if (rows) rows.push(f);
    else byCode.set(f.code, [f]);
  }
  const worst = (rows: FindingRow[]) =>
    rows.reduce(
      (w, f) => (SEVERITY_ORDER[f.severity] < SEVERITY_ORDER[w] ? f.severity : w),
      rows[0].severity,
    );
  const groups = [...byCode]
    .map(([code, rows]) => ({ code, rows, severity: worst(rows) }))
    .sort((x, y) => SEVERITY_ORDER[x.severity] - SEVERITY_ORDER[y.severity] || x.code.localeCompare(y.code));
  return groups
    .map(({ code, rows, severity }) => {
      const what = CODES[code].summary;
      const mixed = rows.some((f) => f.severity !== severity);
      return `
<details class="finding-group" data-code="${escapeHtml(code)}">
  <summary>${tag(code)} <span class="sev-${severity}">${severity}</span> ${badge(String(rows.length))} <span class="what" title="${escapeHtml(what)}">${escapeHtml(what)}</span></summary>
  ${cappedList(
    rows.map((f) => findingItem(f, mixed)),
    'findings',
  )}
</details>`;
    })
    .join('');
}

/** One finding: where and what, and its actions; its severity only when the group's are not all the same. */
function findingItem(f: FindingRow, withSeverity: boolean): string {
  const fix = f.fix
    ? button(
        'Fix',
        { fix: f.fix.code, node: f.fix.node, title: f.fix.title },
        { appearance: 'primary', title: f.fix.title },
      )
    : '';
  const where = f.node ? `<code>${escapeHtml(f.node)}</code>: ` : '';
  const actions = [
    fix,
    f.node ? button('Reveal', { reveal: f.node }, { title: 'Show the node in the graph' }) : '',
    f.group
      ? button(
          'Exclude Layer',
          { 'exclude-group': f.group },
          { title: "Leave this group's layers out of the plan" },
        )
      : '',
  ].filter(Boolean);
  const actionsHtml = actions.length ? ` <span class="actions">${actions.join(' ')}</span>` : '';
  const severity = withSeverity ? `<span class="sev-${f.severity}">${f.severity}</span> ` : '';
  return `${severity}<span class="message">${where}${escapeHtml(f.message)}</span>${actionsHtml}`;
}

/** Roots listed in a group's row; the details panel lists them all. */
const ROOTS_SHOWN = 5;

/** The channel groups, one compact row each (a side bar has no room for a wide table). */
export function groupList(groups: readonly GroupRow[]): string {
  const rows = groups.map((g) => {
    const roots = g.roots
      .slice(0, ROOTS_SHOWN)
      .map(
        (r) =>
          `<code class="reveal" data-reveal="${escapeHtml(r)}" title="Show in the graph" tabindex="0">${escapeHtml(r)}</code>`,
      )
      .join(', ');
    const more = g.roots.length > ROOTS_SHOWN ? ` and ${g.roots.length - ROOTS_SHOWN} more` : '';
    const shuffles = g.pixelShuffles.map((s) => `<div class="muted">${escapeHtml(s)}</div>`).join('');
    const state = g.prunable
      ? '<span>prunable</span>'
      : `<span class="locked" title="${escapeHtml(g.locked ?? '')}">locked: ${escapeHtml(g.locked ?? '')}</span>`;
    return `<div class="group-head"><strong>${escapeHtml(g.id)}</strong> <span class="muted">${g.channels} channels · unit ${g.unit} · ${g.members} members</span></div><div>${roots}${more}</div>${shuffles}<div>${state}</div>`;
  });
  return cappedList(rows, 'group-list');
}
