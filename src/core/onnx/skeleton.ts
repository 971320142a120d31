import type { MessageSpan } from './structure';
import type { WireCursor } from './wireCursor';
import { writeVarint } from './wireCursor';

/**
 * Builds the "skeleton" of a model: its bytes with every tensor's element data left out and the length
 * prefixes of the enclosing messages shortened to match. The skeleton is what protobufjs decodes: all of
 * the model but its weights, typically a few kilobytes per megabyte of model.
 */
export function buildSkeleton(cursor: WireCursor, root: MessageSpan): Uint8Array {
  const out = new Uint8Array(root.end - root.valueStart - root.removed);
  let at = 0;
  const copy = (start: number, end: number) => {
    if (end > start) {
      out.set(cursor.bytes(start, end), at);
      at += end - start;
    }
  };
  const emit = (span: MessageSpan) => {
    if (span.removed === 0) {
      copy(span.tagStart, span.end);
      return;
    }
    if (span.field !== 0) {
      copy(span.tagStart, span.lengthStart);
      const prefix: number[] = [];
      writeVarint(span.end - span.valueStart - span.removed, prefix);
      out.set(prefix, at);
      at += prefix.length;
    }
    let pos = span.valueStart;
    // children and payload are each in file order; merge them.
    let c = 0;
    let p = 0;
    while (c < span.children.length || p < span.payload.length) {
      const child = span.children[c];
      const segment = span.payload[p];
      if (child && (!segment || child.tagStart < segment.tagStart)) {
        copy(pos, child.tagStart);
        emit(child);
        pos = child.end;
        c++;
      } else {
        copy(pos, segment.tagStart);
        pos = segment.end;
        p++;
      }
    }
    copy(pos, span.end);
  };
  emit(root);
  if (at !== out.length) throw new Error(`internal: skeleton is ${at} bytes, expected ${out.length}`);
  return out;
}
