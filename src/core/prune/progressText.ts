/** A prune's stages (see PruneProgress) as a person reads them, with a share of the whole job. */
export type PruneStage = 'analyse' | 'score' | 'write';

/** "scoring channels, 212.4 MB of 553.4 MB (38 %) of weights read" (no "prune:" prefix: callers add context). */
export function pruneStageText(stage: PruneStage, done: number, total: number): string {
  switch (stage) {
    case 'analyse':
      return 'opening and analysing the model…';
    case 'score':
      return `scoring channels, ${amount(done, total)} of weights read`;
    case 'write':
      return `writing, ${amount(done, total)}`;
  }
}

/**
 * How far the whole prune is, in percent: analysis is quick, scoring reads every weight and writing about as
 * many bytes again, so each of the two gets half the bar.
 */
export function prunePercent(stage: PruneStage, done: number, total: number): number {
  const share = total > 0 ? Math.min(1, done / total) : 1;
  return stage === 'analyse' ? 0 : Math.floor(stage === 'score' ? 50 * share : 50 + 50 * share);
}

function amount(done: number, total: number): string {
  const share = total > 0 ? Math.min(100, Math.floor((100 * done) / total)) : 100;
  return `${megabytes(done)} of ${megabytes(total)} (${share} %)`;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
