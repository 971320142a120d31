/** Applies text edits (ranges in the original text, as a fix gives them) to a text. */
import type { TextEdit } from '../analyze/types';
import { LineIndex } from './lineIndex';

/**
 * Applies `edits` to `text`. All ranges refer to the original text; edits must not overlap (two insertions at
 * the same place are applied in the order given). Throws on overlapping edits.
 */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  if (edits.length === 0) return text;
  const index = new LineIndex(text);
  const spans = edits
    .map((edit, order) => {
      const start = index.offset(edit.range.start);
      const end = index.offset(edit.range.end);
      if (end < start) throw new Error(`text edit ${order} ends before it starts`);
      return { start, end, newText: edit.newText, order };
    })
    .sort((a, b) => a.start - b.start || a.end - b.end || a.order - b.order);
  let result = '';
  let at = 0;
  for (const span of spans) {
    if (span.start < at) throw new Error('text edits overlap');
    result += text.slice(at, span.start) + span.newText;
    at = span.end;
  }
  return result + text.slice(at);
}
