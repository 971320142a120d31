// Did-you-mean for layer names a plan gives that the model does not have (PL002).

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
