import { visible } from './visible';

/** Redraws of one stage at most this often (a terminal redrawn on every tensor is slower than the work). */
const INTERVAL_MS = 100;

/**
 * One line on stderr that says what a long command is doing ("writing 212.4 MB of 301.0 MB (70 %)"), redrawn
 * in place with a carriage return and erased before the result is printed. Only on a terminal: piped or
 * captured stderr gets nothing, so logs and `--json` consumers see exactly the output they did before.
 */
export class ProgressLine {
  private last = -Infinity;
  private stage = '';
  private shown = false;

  constructor(
    /** Raw writer to the terminal (undefined: no progress line). */
    private readonly write: ((text: string) => void) | undefined,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Shows `text` for `stage`: at once for a new stage, else at most every 100 ms. */
  update(stage: string, text: string): void {
    if (!this.write) return;
    const t = this.now();
    if (stage === this.stage && t - this.last < INTERVAL_MS) return;
    this.stage = stage;
    this.last = t;
    // Erase the line, then write: a shorter text must not leave the end of a longer one behind.
    this.write(`\r\x1b[2K${visible(text)}`);
    this.shown = true;
  }

  /** Erases the line (before the command prints its result, or fails). */
  clear(): void {
    if (this.shown) this.write?.('\r\x1b[2K');
    this.shown = false;
    this.stage = '';
  }
}

/** The prune's stages as a person reads them. */
export function pruneProgressText(stage: 'analyse' | 'score' | 'write', done: number, total: number): string {
  switch (stage) {
    case 'analyse':
      return 'prune: opening and analysing the model…';
    case 'score':
      return `prune: scoring channels, ${amount(done, total)} of weights read`;
    case 'write':
      return `prune: writing, ${amount(done, total)}`;
  }
}

function amount(done: number, total: number): string {
  const share = total > 0 ? Math.min(100, Math.floor((100 * done) / total)) : 100;
  return `${megabytes(done)} of ${megabytes(total)} (${share} %)`;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
