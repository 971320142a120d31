/**
 * Model and plan strings (names, metadata, messages that quote them) put into text that has a structure of its
 * own: lines of a terminal report, Markdown. Each function keeps the text readable and exact enough to
 * recognise, while a string cannot add a line, a link or markup.
 */

import { largest } from './lists';

// eslint-disable-next-line no-control-regex
const LINE_BREAKS = /[\n\r\u000b\u000c\u0085\u2028\u2029]/g;

/** One line of a text report: line breaks in it (only a model string can hold one) are shown as their codes. */
export function oneLine(text: string): string {
  return text.replace(LINE_BREAKS, codeOf);
}

/** `\x0a` for a character below 256, `\u2028` above. */
export function codeOf(c: string): string {
  const code = c.charCodeAt(0);
  return code < 0x100
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

// What Markdown (CommonMark, GFM tables, VS Code's hovers) gives a meaning inside a line: emphasis, code,
// links and images, HTML and entities, escapes, table cells, strikethrough; `:` so no scheme is autolinked.
const MARKDOWN = /[\\`*_{}[\]()<>#!|~&:]/g;

/**
 * A string shown as itself in Markdown, on one line: every character Markdown gives a meaning is escaped with
 * a backslash, so a name cannot open a link (a `command:` link runs a command in VS Code), an image, HTML or a
 * table cell.
 */
export function escapeMarkdown(text: string): string {
  return oneLine(text).replace(MARKDOWN, '\\$&');
}

/**
 * A string as a Markdown code span, exactly: fenced by more backticks than any run in it (backslashes do not
 * escape inside code), on one line; in a table, `|` is escaped (GFM splits cells before it parses code).
 */
export function markdownCode(text: string, inTable = false): string {
  let body = oneLine(text);
  if (inTable) body = body.replace(/\|/g, '\\|');
  const longest = largest(
    (body.match(/`+/g) ?? []).map((run) => run.length),
    0,
  );
  const fence = '`'.repeat(longest + 1);
  const pad = body.startsWith('`') || body.endsWith('`') || body === '' ? ' ' : '';
  return `${fence}${pad}${body}${pad}${fence}`;
}

/**
 * Text for a VS Code notification, which turns `[label](command:…)` (and http, file) into a link: a model
 * string cannot make one, as `](` never stays together.
 */
export function notificationText(text: string): string {
  return oneLine(text).replace(/\]\(/g, '] (');
}
