import { ProgressThrottle, type PruneStage, pruneStageText } from '../core/prune/progressText';
import { visible } from './visible';

/** A stage that has lasted this long shows for how long (a load in ONNX Runtime can take minutes). */
const SHOW_ELAPSED_MS = 3000;

/**
 * One line on stderr that says what a long command is doing ("writing 212.4 MB of 301.0 MB (70 %)"), redrawn
 * in place with a carriage return and erased before the result is printed. Only on a terminal: piped or
 * captured stderr gets nothing, so logs and `--json` consumers see exactly the output they did before. A
 * stage that lasts shows for how long, redrawn every second while nothing else is drawn: a step that reports
 * nothing for minutes (ONNX Runtime loading a large graph) does not look hung.
 */
export class ProgressLine {
  private readonly throttle: ProgressThrottle;
  private shown = false;
  private stage: string | undefined;
  private text = '';
  private since = 0;
  private ticker: ReturnType<typeof setInterval> | undefined;

  constructor(
    /** Raw writer to the terminal (undefined: no progress line). */
    private readonly write: ((text: string) => void) | undefined,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.throttle = new ProgressThrottle(now);
  }

  /** Shows `text` for `stage`: at once for a new stage, else at most every 100 ms. */
  update(stage: string, text: string): void {
    if (!this.write) return;
    if (stage !== this.stage) {
      this.stage = stage;
      this.since = this.now();
    }
    this.text = text;
    if (!this.throttle.due(stage)) return;
    this.draw();
    if (!this.ticker) {
      this.ticker = setInterval(() => this.refresh(), 1000);
      // The timer does not keep the process alive: a command that ends without clear() still exits.
      this.ticker.unref();
    }
  }

  /** Draws the line again, with the time its stage has lasted (the timer's work; tests call it). */
  refresh(): void {
    if (this.shown) this.draw();
  }

  /** Erases the line (before the command prints its result, or fails). */
  clear(): void {
    clearInterval(this.ticker);
    this.ticker = undefined;
    if (this.shown) this.write?.('\r\x1b[2K');
    this.shown = false;
    this.stage = undefined;
    this.throttle.reset();
  }

  private draw(): void {
    const elapsed = this.now() - this.since;
    const suffix = elapsed >= SHOW_ELAPSED_MS ? ` (${elapsedText(elapsed)})` : '';
    // Erase the line, then write: a shorter text must not leave the end of a longer one behind.
    this.write?.(`\r\x1b[2K${visible(this.text)}${suffix}`);
    this.shown = true;
  }
}

/** 42 s, 3 min 05 s. */
export function elapsedText(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
}

/** The prune's stages on the command line. */
export function pruneProgressText(stage: PruneStage, done: number, total: number): string {
  return `prune: ${pruneStageText(stage, done, total)}`;
}
