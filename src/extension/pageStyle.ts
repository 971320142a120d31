// The model editor's layout, after the pages' base style sheet (summaryHtml.ts), which it overrides where the
// graph page differs: the graph fills the editor, a side bar of collapsible sections sits on the right (VS Code's
// side bar colours), a sash resizes it. Theme variables only, so every theme (light, dark, high contrast) applies.
export const LAYOUT_STYLE = `
html:has(#inspector), body:has(> #inspector) { height: 100%; margin: 0; padding: 0; overflow: hidden; max-width: none; }
#inspector {
  --sidebar-width: clamp(320px, 36vw, 600px);
  display: grid; grid-template-columns: minmax(0, 1fr) 4px min(var(--sidebar-width), 70vw); grid-template-rows: minmax(0, 1fr);
  height: 100vh; overflow: hidden;
}
#inspector[data-sidebar="closed"] { grid-template-columns: minmax(0, 1fr); }
#inspector[data-sidebar="closed"] #sidebar, #inspector[data-sidebar="closed"] #sash { display: none; }
.graph-area { position: relative; display: flex; flex-direction: column; min-width: 0; min-height: 0; }
#inspector .toolbar { margin: 0; padding: 6px 8px; flex: none; }
#search { min-width: 0; flex: 0 1 260px; }
/* The graph's status sits over its bottom-right corner, as a status bar item: the toolbar keeps to one line. */
#graph-status {
  position: absolute; right: 8px; bottom: 8px; z-index: 1; max-width: calc(100% - 200px); padding: 2px 8px;
  font-size: 12px; pointer-events: none; overflow: hidden; text-overflow: ellipsis; white-space: nowrap;
  background: var(--vscode-editorWidget-background, var(--vscode-editor-background));
  border: 1px solid var(--vscode-editorWidget-border, var(--vscode-widget-border, transparent));
}
#inspector .stage {
  display: block; position: relative; flex: 1 1 auto; height: auto; min-height: 0;
  border: none; border-top: 1px solid var(--vscode-panel-border, var(--vscode-widget-border, transparent));
}
#toggle-sidebar {
  margin-left: auto; padding: 3px 8px; cursor: pointer; font: inherit;
  color: var(--vscode-button-secondaryForeground, var(--vscode-foreground));
  background: var(--vscode-button-secondaryBackground, transparent);
  border: 1px solid var(--vscode-button-border, var(--vscode-contrastBorder, transparent));
}
#toggle-sidebar:hover { background: var(--vscode-button-secondaryHoverBackground, var(--vscode-list-hoverBackground)); }
#toggle-sidebar:focus-visible, #sash:focus-visible { outline: 1px solid var(--vscode-focusBorder); outline-offset: -1px; }
#sash {
  cursor: col-resize; touch-action: none;
  background: var(--vscode-sideBar-border, var(--vscode-panel-border, var(--vscode-widget-border, transparent)));
}
#sash:hover, #sash.dragging { background: var(--vscode-sash-hoverBorder, var(--vscode-focusBorder)); }
#sidebar {
  overflow: auto; min-width: 0;
  color: var(--vscode-sideBar-foreground, var(--vscode-foreground));
  background: var(--vscode-sideBar-background, var(--vscode-editor-background));
}
.sidebar-title { padding: 8px 12px 4px; }
.sidebar-title h1 { font-size: 1.1em; margin: 0 0 4px; overflow-wrap: anywhere; }
.sidebar-title .edited { margin: 4px 0; }
.pane > summary {
  position: sticky; top: 0; z-index: 1; list-style: none; cursor: pointer; user-select: none;
  display: flex; align-items: center; gap: 6px; padding: 2px 8px;
  color: var(--vscode-sideBarSectionHeader-foreground, var(--vscode-foreground));
  /* The header colour may be transparent (it is in VS Code's default themes): lay it over the side bar's, so the
     sticky header hides what scrolls under it. */
  background-color: var(--vscode-sideBar-background, var(--vscode-editor-background));
  background-image: linear-gradient(var(--vscode-sideBarSectionHeader-background, transparent), var(--vscode-sideBarSectionHeader-background, transparent));
  border-top: 1px solid var(--vscode-sideBarSectionHeader-border, var(--vscode-panel-border, transparent));
}
.pane > summary::-webkit-details-marker { display: none; }
.pane > summary::before, .finding-group > summary::before, .member-group > summary::before {
  content: ''; flex: none; width: 0; height: 0; margin: 0 2px;
  border-style: solid; border-width: 4px 0 4px 6px; border-color: transparent transparent transparent currentColor;
}
.pane[open] > summary::before, .finding-group[open] > summary::before, .member-group[open] > summary::before {
  transform: rotate(90deg);
}
.pane > summary:focus-visible, .finding-group > summary:focus-visible, .member-group > summary:focus-visible {
  outline: 1px solid var(--vscode-focusBorder); outline-offset: -1px;
}
.pane > summary h2 {
  display: flex; align-items: center; gap: 6px; margin: 0; padding: 3px 0; border: none;
  font-size: 11px; font-weight: 700; text-transform: uppercase; letter-spacing: 0.02em;
}
.pane > summary h2 vscode-badge { text-transform: none; letter-spacing: 0; }
.pane-body { padding: 4px 12px 12px 20px; }
.pane-body h2 { font-size: 1em; margin: 12px 0 4px; }
.pane-body h3, #details h3 { font-size: 1em; font-weight: 600; margin: 12px 0 4px; }
.pane-body .facts { gap: 2px 12px; }
.pane-body table { font-size: 12px; }
.pane-body th, .pane-body td { padding-right: 10px; overflow-wrap: break-word; }
/* A table wider than the side bar scrolls sideways instead of breaking names and numbers letter by letter. */
.pane-body table:not(.values):not(.ops) { display: block; max-width: 100%; overflow-x: auto; }
.finding-group > summary, .member-group > summary {
  list-style: none; cursor: pointer; display: flex; align-items: center; gap: 6px; padding: 3px 0;
}
.finding-group > summary::-webkit-details-marker, .member-group > summary::-webkit-details-marker { display: none; }
.finding-group > summary:hover, .member-group > summary:hover { background: var(--vscode-list-hoverBackground); }
.finding-group .what { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; min-width: 0; flex: 1; }
.finding-group[open] .what { white-space: normal; }
.findings, .group-list, .node-list { margin: 2px 0 6px; padding: 0 0 0 14px; list-style: none; }
.findings li {
  display: flex; flex-wrap: wrap; gap: 4px 8px; align-items: baseline; margin: 4px 0 8px;
  grid-template-columns: none; overflow-wrap: anywhere;
}
.findings .message { flex: 1 1 100%; }
.findings .actions { flex-wrap: wrap; }
.group-list li { margin: 4px 0 10px; overflow-wrap: anywhere; }
.node-list li { margin: 1px 0; overflow-wrap: anywhere; }
.node-list .count, .member-group .count { color: var(--vscode-descriptionForeground); }
button.link, button.show-all {
  padding: 0; border: none; background: none; cursor: pointer; text-align: left; font: inherit;
  color: var(--vscode-textLink-foreground); overflow-wrap: anywhere;
}
button.link { font-family: var(--vscode-editor-font-family); font-size: 12px; }
button.link:hover, button.show-all:hover { color: var(--vscode-textLink-activeForeground, var(--vscode-textLink-foreground)); text-decoration: underline; }
button.link:focus-visible, button.show-all:focus-visible, code.reveal:focus-visible { outline: 1px solid var(--vscode-focusBorder); }
button.show-all { margin: 2px 0 6px 14px; }
#details { padding: 0; border: none; overflow: visible; }
#details > h2 { font-size: 1.1em; margin: 4px 0; padding: 0; border: none; }
`;
