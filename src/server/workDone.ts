import { type Connection, type ProgressToken, WorkDoneProgress } from 'vscode-languageserver/node';
import type { PruneProgress } from '../core/prune/prune';
import { prunePercent, pruneStageText } from '../core/prune/progressText';

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
 * token, a reporter that sends nothing. A prune's reports are throttled (it hears of every tensor).
 */
export function workDone(connection: Connection, token: ProgressToken | undefined): WorkDone {
  let begun = false;
  let last = -Infinity;
  const send = (message: string, percentage: number | undefined, throttled: boolean) => {
    if (token === undefined) return;
    const now = performance.now();
    if (throttled && begun && now - last < 100) return;
    last = now;
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
    report: (message, percentage) => send(message, percentage, false),
    prune: (stage, done, total) =>
      send(pruneStageText(stage, done, total), prunePercent(stage, done, total), true),
    end: () => {
      if (token !== undefined && begun)
        void connection.sendProgress(WorkDoneProgress.type, token, { kind: 'end' });
      begun = false;
    },
  };
}
