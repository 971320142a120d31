/**
 * Offsets in a text ⇄ zero-based line/character positions (UTF-16 code units, as in the Language Server
 * Protocol). Line breaks are `\n`, `\r\n` and `\r`.
 */
import type { TextRange } from '../analyze/types';

export interface TextPosition {
  line: number;
  character: number;
}

export class LineIndex {
  /** Offset at which each line starts. */
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 13 /* \r */) {
        if (text.charCodeAt(i + 1) === 10) i++;
        this.starts.push(i + 1);
      } else if (c === 10 /* \n */) {
        this.starts.push(i + 1);
      }
    }
  }

  get lineCount(): number {
    return this.starts.length;
  }

  position(offset: number): TextPosition {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= clamped) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: clamped - this.starts[lo]! };
  }

  /** The offset of a position; a character past the end of its line stops at the line's end. */
  offset(position: TextPosition): number {
    if (position.line < 0) return 0;
    if (position.line >= this.starts.length) return this.text.length;
    const start = this.starts[position.line]!;
    const next = position.line + 1 < this.starts.length ? this.starts[position.line + 1]! : this.text.length;
    let end = next;
    // The line's content ends before its line break.
    if (end > start && this.text.charCodeAt(end - 1) === 10) end--;
    if (end > start && this.text.charCodeAt(end - 1) === 13) end--;
    return start + Math.max(0, Math.min(position.character, end - start));
  }

  range(offset: number, length: number): TextRange {
    return { start: this.position(offset), end: this.position(offset + length) };
  }

  /** The text a range covers. */
  slice(range: TextRange): string {
    return this.text.slice(this.offset(range.start), this.offset(range.end));
  }
}
