// Did-you-mean for layer names a plan gives that the model does not have (PL002).

/** Levenshtein distance. */
export function editDistance(a: string, b: string): number {
  return boundedDistance(a, b, Math.max(a.length, b.length));
}

/** The two rows boundedDistance works in, grown to the longest name met. */
let rows = [new Int32Array(64), new Int32Array(64)];

/**
 * The Levenshtein distance of `a` and `b` when it is at most `bound`, else bound + 1. Only the cells within
 * `bound` of the diagonal can hold a distance that small, and a row whose cells all exceed it ends the search.
 */
function boundedDistance(a: string, b: string, bound: number): number {
  const n = a.length;
  const m = b.length;
  if (Math.abs(n - m) > bound) return bound + 1;
  const over = bound + 1;
  if (rows[0].length <= m) rows = [new Int32Array(2 * (m + 1)), new Int32Array(2 * (m + 1))];
  let [previous, current] = rows;
  for (let j = 0; j <= m; j++) previous[j] = j <= bound ? j : over;
  for (let i = 1; i <= n; i++) {
    const from = Math.max(1, i - bound);
    const to = Math.min(m, i + bound);
    current[0] = i <= bound ? i : over;
    if (from > 1) current[from - 1] = over;
    let rowMin = current[0];
    const ai = a.charCodeAt(i - 1);
    for (let j = from; j <= to; j++) {
      const substitute = previous[j - 1] + (ai === b.charCodeAt(j - 1) ? 0 : 1);
      const value = Math.min(previous[j] + 1, current[j - 1] + 1, substitute, over);
      current[j] = value;
      if (value < rowMin) rowMin = value;
    }
    if (to < m) current[to + 1] = over;
    if (rowMin > bound) return over;
    [previous, current] = [current, previous];
  }
  return Math.min(previous[m], over);
}

/** What a series of searches may still spend, in cells of the edit-distance table (shared and used up). */
export interface SearchBudget {
  cells: number;
}

/**
 * Up to `count` names closest to `name`, close enough to be a plausible typo: the nearest first, equally near
 * ones in locale order; none once `budget` runs out. A plan for another model names dozens of layers a
 * 50,000-node model does not have, each compared with ~15,000 names: only a name that can still make the list
 * is measured, and only as far as it can (the distance of the count-th nearest so far bounds the rest).
 */
export function closestNames(
  name: string,
  names: Iterable<string>,
  count = 3,
  budget: SearchBudget = { cells: Infinity },
): string[] {
  if (count <= 0) return [];
  const limit = Math.max(3, Math.floor(name.length / 2));
  // How many names met so far are at each distance, and every one that is still within `bound`.
  const atDistance = new Int32Array(limit + 1);
  let kept: { candidate: string; distance: number; order: number }[] = [];
  let bound = limit;
  let order = 0;
  for (const candidate of names) {
    order++;
    if (Math.abs(candidate.length - name.length) > bound) continue;
    // The cells of the table the measure may fill: past the budget, no suggestion rather than a partial one.
    budget.cells -= name.length * (2 * bound + 1);
    if (budget.cells < 0) return [];
    const distance = boundedDistance(name, candidate, bound);
    if (distance > bound) continue;
    kept.push({ candidate, distance, order });
    atDistance[distance]++;
    // The count-th nearest distance so far: nothing farther can make the list any more.
    let seen = 0;
    for (let d = 0; d <= bound; d++) {
      seen += atDistance[d];
      if (seen >= count) {
        if (d < bound) {
          bound = d;
          kept = kept.filter((k) => k.distance <= bound);
        }
        break;
      }
    }
  }
  kept.sort((x, y) => x.distance - y.distance || x.candidate.localeCompare(y.candidate) || x.order - y.order);
  return kept.slice(0, count).map((k) => k.candidate);
}
