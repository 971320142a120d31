import { codeOf } from '../core/text';

/**
 * Text from a model (node, tensor and metadata names) reaches the terminal through the CLI's output. A name
 * may hold control characters: an escape sequence could retitle the window, rewrite earlier lines or hide
 * text, and bidirectional overrides can make a name read as another. Every such character is shown as its
 * code (`\x1b`, `\u202e`) instead; tabs and newlines, which the CLI's own layout uses, are kept.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function visible(text: string): string {
  return text.replace(UNSAFE, codeOf);
}

/**
 * A value as JSON for stdout: exact (it parses back to the same strings) and safe on a terminal. JSON escapes
 * the C0 controls itself; the other characters visible() would rewrite (C1 controls such as U+0085,
 * bidirectional overrides) get JSON's own `\uXXXX` escapes here, never visible()'s `\x85`, which is not JSON.
 */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(UNSAFE, jsonEscape);
}

function jsonEscape(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}
