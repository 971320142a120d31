// Escaping text for the harness's CSS attribute selectors and regular expressions.
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function cssString(text: string): string {
  return text.replace(/["\\]/g, '\\$&');
}
