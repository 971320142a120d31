import type { PruneProgress } from '../core/prune/prune';
import { ProgressThrottle } from '../core/prune/progressText';

/** Progress reports are passed on at most this often (besides each stage's first and last). */
export const PROGRESS_INTERVAL_MS = 50;

/**
 * A prune's progress as the prune worker sends it to the server: `hear` gets every report (the worker checks
 * for a cancel there), `send` a stage's first and last and at most one per PROGRESS_INTERVAL_MS between (the
 * terminal's and the editor's ProgressThrottle, at a shorter interval, plus each stage's last report). The
 * pruner reports each weight it reads and each piece it writes (100,064 reports for a 10,009-node model), and
 * a message between threads costs microseconds on both sides: sending each took longer than the prune.
 */
export function throttledProgress(
  hear: PruneProgress,
  send: PruneProgress,
  now: () => number = () => performance.now(),
): PruneProgress {
  const throttle = new ProgressThrottle(now, PROGRESS_INTERVAL_MS);
  return (stage, done, total) => {
    hear(stage, done, total);
    if (throttle.due(stage) || done >= total) send(stage, done, total);
  };
}
