// What the browser suites share: the page's theme colours as VS Code sets them, and a model prepared as the
// host would answer for it (the editor page's HTML, the analysis, the packed skeleton).
import { type Analysis, analyzeModel } from '../../src/core/analyze/analyze';
import { graphSkeleton } from '../../src/core/inspect/graphSkeleton';
import { summarizeModel } from '../../src/core/inspect/summary';
import type { ModelFile } from '../../src/core/onnx/modelFile';
import { ModelView } from '../../src/core/onnx/modelView';
import { openModel } from '../../src/core/onnx/reader';
import { renderEditorPage } from '../../src/extension/editorPage';
import type { ModelEdit, ModelStateResult } from '../../src/protocol/server';
import { findingRow, groupRow } from '../../src/server/modelState';
import { packSkeleton } from '../../src/shared/packedSkeleton';

/** Light, dark and high-contrast colours, as VS Code sets them on the webview's body, and its fonts. */
export const THEMES = `
html { --vscode-font-family: system-ui, sans-serif; --vscode-font-size: 13px;
  --vscode-editor-font-family: monospace; --vscode-editor-font-size: 13px; }
body.vscode-light { --vscode-editor-background: #ffffff; --vscode-editor-foreground: #333333; --vscode-foreground: #616161;
  --vscode-editorWidget-background: #f3f3f3; --vscode-editorWidget-border: #c8c8c8; --vscode-descriptionForeground: #717171;
  --vscode-editorLineNumber-foreground: #6e7681; --vscode-focusBorder: #0090f1; --vscode-charts-blue: #1a85ff;
  --vscode-charts-green: #388a34; --vscode-charts-orange: #d18616; --vscode-sideBar-background: #f3f3f3;
  --vscode-sideBarSectionHeader-background: #00000000; --vscode-sideBarSectionHeader-border: #61616130;
  --vscode-textLink-foreground: #006ab1; --vscode-list-hoverBackground: #e8e8e8; background: #ffffff; color: #333333; }
body.vscode-dark { --vscode-editor-background: #1e1e1e; --vscode-editor-foreground: #d4d4d4; --vscode-foreground: #cccccc;
  --vscode-editorWidget-background: #252526; --vscode-editorWidget-border: #454545; --vscode-descriptionForeground: #9d9d9d;
  --vscode-editorLineNumber-foreground: #858585; --vscode-focusBorder: #007fd4; --vscode-charts-blue: #3794ff;
  --vscode-charts-green: #89d185; --vscode-charts-orange: #d18616; --vscode-sideBar-background: #252526;
  --vscode-sideBarSectionHeader-background: #00000000; --vscode-sideBarSectionHeader-border: #cccccc33;
  --vscode-textLink-foreground: #3794ff; --vscode-list-hoverBackground: #2a2d2e; background: #1e1e1e; color: #d4d4d4; }
body.vscode-high-contrast { --vscode-editor-background: #000000; --vscode-editor-foreground: #ffffff;
  --vscode-editorWidget-background: #0c141f; --vscode-editorWidget-border: #6fc3df; --vscode-contrastBorder: #6fc3df;
  --vscode-descriptionForeground: #ffffff; --vscode-editorLineNumber-foreground: #ffffff; --vscode-focusBorder: #f38518;
  --vscode-charts-blue: #3794ff; --vscode-charts-green: #89d185; --vscode-charts-orange: #d18616;
  --vscode-sideBar-background: #000000; --vscode-sideBar-border: #6fc3df; --vscode-textLink-foreground: #21a6ff;
  background: #000; color: #fff; }`;

export interface Model {
  path: string;
  file: ModelFile;
  analysis: Analysis;
  html: string;
  skeletonJson: string;
}

export function prepare(path: string, origin: string, edits: ModelEdit[] = []): Model {
  const file = openModel(path);
  const analysis = analyzeModel(new ModelView(file));
  const state: Extract<ModelStateResult, { ok: true }> = {
    ok: true,
    summary: summarizeModel(new ModelView(file)),
    groups: analysis.report.groups.map(groupRow),
    findings: analysis.report.diagnostics.map(findingRow),
  };
  const html = renderEditorPage({ state, edits, dirty: edits.length > 0 }, 'model.onnx', {
    nonce: 'TESTNONCE',
    script: { uri: `${origin}/dist/webview.js`, worker: `${origin}/dist/layoutWorker.js`, cspSource: origin },
  });
  // As the host sends it: packed (src/shared/packedSkeleton.ts).
  return { path, file, analysis, html, skeletonJson: JSON.stringify(packSkeleton(graphSkeleton(analysis))) };
}

/**
 * The webview API as VS Code gives it to the page, run in the page before its scripts (`page.addInitScript(
 * fakeVsCodeApi, { theme, initialState })`): messages go to the test's `__host` function and its replies come
 * back as the host's; the page's saved state is kept (and readable as `webviewState()`); the theme's class
 * is set on the body. Self-contained: Playwright sends its source to the page.
 */
export function fakeVsCodeApi({ theme, initialState }: { theme: string; initialState?: unknown }): void {
  let state: unknown = initialState;
  (window as unknown as { webviewState: () => unknown }).webviewState = () => state;
  (window as unknown as { acquireVsCodeApi: unknown }).acquireVsCodeApi = () => ({
    postMessage: (message: unknown) => {
      void (window as unknown as { __host(m: unknown): Promise<string> }).__host(message).then((reply) => {
        if (reply) window.postMessage(JSON.parse(reply), '*');
      });
    },
    getState: () => state,
    setState: (s: unknown) => (state = s),
  });
  document.addEventListener('DOMContentLoaded', () => document.body.classList.add(theme));
}
