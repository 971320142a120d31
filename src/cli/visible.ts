/**
 * Text from a model (node, tensor and metadata names) reaches the terminal through the CLI's output. A name
 * may hold control characters: an escape sequence could retitle the window, rewrite earlier lines or hide
 * text, and bidirectional overrides can make a name read as another. Every such character is shown as its
 * code (`\x1b`, `\u202e`) instead; tabs and newlines, which the CLI's own layout uses, are kept.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function visible(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
