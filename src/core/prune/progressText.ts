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
  const share = shareOf(done, total);
  return stage === 'analyse' ? 0 : Math.floor(stage === 'score' ? 50 * share : 50 + 50 * share);
}

/**
 * Lets a report through at once when its stage is new, else at most every `intervalMs` (100 ms): a prune hears
 * of every tensor, and a terminal or a notification redrawn that often is slower than the work.
 */
export class ProgressThrottle {
  private last = -Infinity;
  private stage: string | undefined;

  constructor(
    private readonly now: () => number = () => performance.now(),
    private readonly intervalMs = 100,
  ) {}

  due(stage: string): boolean {
    const t = this.now();
    if (stage === this.stage && t - this.last < this.intervalMs) return false;
    this.stage = stage;
    this.last = t;
    return true;
  }

  /** The next report is let through whatever its stage. */
  reset(): void {
    this.stage = undefined;
  }
}

/** done / total, within [0, 1] (1 when there is nothing to do). */
function shareOf(done: number, total: number): number {
  return total > 0 ? Math.min(1, done / total) : 1;
}

function amount(done: number, total: number): string {
  return `${megabytes(done)} of ${megabytes(total)} (${Math.floor(100 * shareOf(done, total))} %)`;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
