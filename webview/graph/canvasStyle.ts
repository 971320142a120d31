// What the graph canvas draws with: the VS Code theme's colours (CSS variables), and the text and size of a
// node's box. Shared by the canvas (graphCanvas.ts) and the SVG export.
import type { GraphSkeleton } from '../../src/core/inspect/graphSkeleton';

export interface Theme {
  background: string;
  node: string;
  border: string;
  text: string;
  muted: string;
  edge: string;
  accent: string;
  group: string;
  root: string;
  shuffle: string;
  match: string;
}

function css(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

export function readTheme(): Theme {
  return {
    background: css('--vscode-editor-background', '#1e1e1e'),
    node: css('--vscode-editorWidget-background', '#252526'),
    border: css('--vscode-editorWidget-border', css('--vscode-contrastBorder', '#454545')),
    text: css('--vscode-editor-foreground', '#cccccc'),
    muted: css('--vscode-descriptionForeground', '#999999'),
    edge: css('--vscode-editorLineNumber-foreground', '#858585'),
    accent: css('--vscode-focusBorder', '#007fd4'),
    group: css('--vscode-charts-blue', '#3794ff'),
    root: css('--vscode-charts-green', '#89d185'),
    shuffle: css('--vscode-charts-orange', '#d18616'),
    match: css('--vscode-editor-findMatchHighlightBackground', 'rgba(234, 92, 0, 0.33)'),
  };
}

export /** A node's label: its op, and its output channels where known. */
function nodeLabel(skeleton: GraphSkeleton, i: number): string {
  const node = skeleton.nodes[i];
  return node.channels !== undefined ? `${node.op} · ${node.channels}` : node.op;
}

export function nodeWidth(label: string, name = ''): number {
  return Math.max(56, 7.2 * label.length + 20, Math.min(200, 6 * shortName(name).length + 16));
}

/** The end of a node's name (exporters scope names like paths): what fits in its box. */
export function shortName(name: string): string {
  const parts = name.split('/').filter(Boolean);
  const short = parts.slice(-2).join('/') || name;
  return short.length > 32 ? `…${short.slice(-31)}` : short;
}

export function withAlpha(colour: string, alpha: number): string {
  const hex = /^#([0-9a-f]{6})$/i.exec(colour);
  if (!hex) return colour;
  const v = Number.parseInt(hex[1], 16);
  return `rgba(${v >> 16}, ${(v >> 8) & 255}, ${v & 255}, ${alpha})`;
}
