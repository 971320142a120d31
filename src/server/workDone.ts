import { type Connection, type ProgressToken, WorkDoneProgress } from 'vscode-languageserver/node';
import type { PruneProgress } from '../core/prune/prune';
import { ProgressThrottle, prunePercent, pruneStageText } from '../core/prune/progressText';

/** Tells the client how far a request is: a sentence, and a percentage when it is known. */
export interface WorkDone {
  report(message: string, percentage?: number): void;
  /** A prune's progress, reported as the sentence and share of the whole job. */
  readonly prune: PruneProgress;
  /** The request is over (sent once, when anything was reported). */
  end(): void;
}

/**
 * The LSP work-done progress of a request whose client sent a token ($/progress: begin, reports, end); without a
 * token, a reporter that sends nothing. A prune's reports are throttled (see ProgressThrottle).
 */
export function workDone(connection: Connection, token: ProgressToken | undefined): WorkDone {
  let begun = false;
  const throttle = new ProgressThrottle();
  /** Sends a report; one of a prune's `stage` only when the throttle lets it through. */
  const send = (message: string, percentage: number | undefined, stage?: string) => {
    if (token === undefined || (stage !== undefined && !throttle.due(stage))) return;
    void connection.sendProgress(
      WorkDoneProgress.type,
      token,
      begun
        ? { kind: 'report', message, percentage }
        : { kind: 'begin', title: 'ONNX Pruner', message, percentage },
    );
    begun = true;
  };
  return {
    report: (message, percentage) => send(message, percentage),
    prune: (stage, done, total) =>
      send(pruneStageText(stage, done, total), prunePercent(stage, done, total), stage),
    end: () => {
      if (token !== undefined && begun)
        void connection.sendProgress(WorkDoneProgress.type, token, { kind: 'end' });
      begun = false;
    },
  };
}
