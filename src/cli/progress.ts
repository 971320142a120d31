import { ProgressThrottle, type PruneStage, pruneStageText } from '../core/prune/progressText';
import { visible } from './visible';

/**
 * One line on stderr that says what a long command is doing ("writing 212.4 MB of 301.0 MB (70 %)"), redrawn
 * in place with a carriage return and erased before the result is printed. Only on a terminal: piped or
 * captured stderr gets nothing, so logs and `--json` consumers see exactly the output they did before.
 */
export class ProgressLine {
  private readonly throttle: ProgressThrottle;
  private shown = false;

  constructor(
    /** Raw writer to the terminal (undefined: no progress line). */
    private readonly write: ((text: string) => void) | undefined,
    now?: () => number,
  ) {
    this.throttle = new ProgressThrottle(now);
  }

  /** Shows `text` for `stage`: at once for a new stage, else at most every 100 ms. */
  update(stage: string, text: string): void {
    if (!this.write || !this.throttle.due(stage)) return;
    // Erase the line, then write: a shorter text must not leave the end of a longer one behind.
    this.write(`\r\x1b[2K${visible(text)}`);
    this.shown = true;
  }

  /** Erases the line (before the command prints its result, or fails). */
  clear(): void {
    if (this.shown) this.write?.('\r\x1b[2K');
    this.shown = false;
    this.throttle.reset();
  }
}

/** The prune's stages on the command line. */
export function pruneProgressText(stage: PruneStage, done: number, total: number): string {
  return `prune: ${pruneStageText(stage, done, total)}`;
}
