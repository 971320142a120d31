// How long a run of many like steps has left (sensitivity: one pruned model per group and ratio, which on a large
// model takes hours), for its progress line and notification. Pure: the caller measures the time.

/** Steps to wait for before guessing: the first ones may be unlike the rest (compilation, caches). */
const MIN_STEPS = 2;

/**
 * "about 12 min left" from the time the first `done` steps took, or '' before there is enough to go on and once
 * nothing is left.
 */
export function timeLeftText(elapsedMs: number, done: number, total: number): string {
  if (done < MIN_STEPS || done >= total || !(elapsedMs > 0)) return '';
  const seconds = ((elapsedMs / done) * (total - done)) / 1000;
  if (seconds < 60) return `about ${Math.max(1, Math.round(seconds))} s left`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `about ${minutes} min left`;
  const hours = Math.floor(minutes / 60);
  return `about ${hours} h ${minutes - hours * 60} min left`;
}
