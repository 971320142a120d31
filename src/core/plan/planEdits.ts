/**
 * Text edits on a plan, computed on the jsonc-parser tree so that the result stays valid JSON and everything
 * outside the edited node keeps its bytes (comments, formatting, key order).
 */
import type { TextEdit } from '../analyze/types';
import type { Node } from './jsonc';
import type { LineIndex } from './lineIndex';

/** JSON on one line in the style of a hand-written plan: `{ "exclude": true }`, `[0, 1, 2, 3]`. */
export function inlineJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(inlineJson).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return '{}';
    return `{ ${entries.map(([k, v]) => `${JSON.stringify(k)}: ${inlineJson(v)}`).join(', ')} }`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Replaces a node (a value, or a property's key string) with `newText`. */
export function replaceNode(lines: LineIndex, node: Node, newText: string): TextEdit {
  return { range: lines.range(node.offset, node.length), newText };
}

function isLineBreak(c: string | undefined): boolean {
  return c === '\n' || c === '\r';
}

function isBlank(c: string | undefined): boolean {
  return c === ' ' || c === '\t';
}

/** Offset of the first character at or after `from` that is not whitespace or a comment. */
function skipTrivia(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    const c = text[i];
    if (isBlank(c) || isLineBreak(c)) i++;
    else if (text.startsWith('//', i)) {
      while (i < text.length && !isLineBreak(text[i])) i++;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else break;
  }
  return i;
}

/** The offset of the comma that follows a node, if one does (past whitespace and comments). */
function commaAfter(text: string, node: Node): number | undefined {
  const i = skipTrivia(text, node.offset + node.length);
  return text[i] === ',' ? i : undefined;
}

/**
 * Removes a property from its object. When the property sits on lines of its own, the whole lines go
 * (with a comment at the end of its last line); the comma before it goes too when it was the last property
 * and had no comma of its own. Otherwise jsonc-parser's `modify` removes it in place.
 */
export function removeProperty(lines: LineIndex, property: Node): TextEdit[] {
  const text = lines.text;
  const object = property.parent;
  const siblings = object?.children ?? [];
  const index = object ? indexInParent(object, property) : -1;
  const end = property.offset + property.length;
  const comma = commaAfter(text, property);

  let lineStart = property.offset;
  while (lineStart > 0 && isBlank(text[lineStart - 1])) lineStart--;
  const ownsStart = lineStart === 0 || isLineBreak(text[lineStart - 1]);

  let tail = end;
  while (isBlank(text[tail])) tail++;
  if (comma !== undefined && tail === comma) {
    tail++;
    while (isBlank(text[tail])) tail++;
  }
  if (text.startsWith('//', tail)) while (tail < text.length && !isLineBreak(text[tail])) tail++;
  const ownsEnd = tail === text.length || isLineBreak(text[tail]);
  const commaHandled = comma === undefined || comma < tail;

  if (ownsStart && ownsEnd && commaHandled && lineStart > 0) {
    if (text[tail] === '\r' && text[tail + 1] === '\n') tail += 2;
    else if (tail < text.length) tail++;
    const edits: TextEdit[] = [{ range: lines.range(lineStart, tail - lineStart), newText: '' }];
    if (index === siblings.length - 1 && comma === undefined && index > 0) {
      const previousComma = commaAfter(text, siblings[index - 1]!);
      if (previousComma !== undefined) edits.push({ range: lines.range(previousComma, 1), newText: '' });
    }
    return edits;
  }

  // In place (a plan on one line): the property goes with the comma that separates it from the next one, or
  // else from the one before. Found from the tree in hand, not by parsing the text again for each: a plan of
  // 2,000 unknown layers on one line took 13 s to check, 4,000 minutes.
  const next = siblings[index + 1];
  const previous = siblings[index - 1];
  if (next) return [{ range: lines.range(property.offset, next.offset - property.offset), newText: '' }];
  const stop = comma !== undefined ? comma + 1 : end;
  const from = previous ? previous.offset + previous.length : property.offset;
  return [{ range: lines.range(from, stop - from), newText: '' }];
}

/** Each child's place in its parent, found once per parent: a plan check removes one property of thousands each. */
const places = new WeakMap<Node, Map<Node, number>>();

function indexInParent(parent: Node, child: Node): number {
  let place = places.get(parent);
  if (!place) {
    place = new Map((parent.children ?? []).map((c, i) => [c, i]));
    places.set(parent, place);
  }
  return place.get(child) ?? -1;
}
