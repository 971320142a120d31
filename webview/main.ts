// The model editor page's script: registers the UI kit, sends the host what the user asks for (Fix buttons),
// and runs the graph inspector. The page's HTML is rendered by the host (src/extension/editorPage.ts); this
// script never builds HTML from strings.
import { registerComponents } from './components';
import { Inspector } from './graph/inspector';
import { PageState } from './pageState';
import { PANEL_MESSAGES, PrunePanel } from './prunePanel';
import { SideBar, showAll } from './sidebar';
import type { HostMessage, PageMessage } from '../src/protocol/webview';
import { isModelFixCode } from '../src/shared/modelFixCodes';

declare function acquireVsCodeApi(): {
  postMessage(message: PageMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
};

registerComponents();
const vscode = acquireVsCodeApi();
const state = new PageState(vscode);

// Node names shown as code (a group's roots) reveal on Enter too, as links do.
document.addEventListener('keydown', (event) => {
  const element = event.target as HTMLElement | null;
  if (event.key === 'Enter' && element?.matches('code[data-reveal]')) element.click();
});

document.addEventListener('click', (event) => {
  const element = event.target as Element | null;
  const reveal = element?.closest<HTMLElement>('[data-reveal]')?.dataset.reveal;
  if (reveal && inspector) {
    inspector.reveal(reveal);
    return;
  }
  const more = element?.closest<HTMLElement>('[data-show-all]');
  if (more) {
    showAll(more);
    return;
  }
  const group = element?.closest<HTMLElement>('[data-exclude-group]')?.dataset.excludeGroup;
  if (group && inspector) {
    const roots = inspector.rootsOf(group);
    if (roots.length) vscode.postMessage({ type: 'exclude', roots });
    return;
  }
  const target = element?.closest<HTMLElement>('[data-fix]');
  if (!target || target.hasAttribute('disabled')) return;
  const { fix, node, title } = target.dataset;
  if (!isModelFixCode(fix)) return;
  // One press, one edit: the page is rendered anew when the edit lands.
  target.setAttribute('disabled', '');
  vscode.postMessage({ type: 'fix', code: fix, title: title ?? fix, ...(node ? { node } : {}) });
});

const root = document.getElementById('inspector');
const workerUrl = document.querySelector<HTMLMetaElement>('meta[name="onnx-pruner-worker"]')?.content;
// The inspector keeps its own slice of the webview's state (camera, selection), the side bar another.
const inspector =
  root && workerUrl
    ? new Inspector(
        root,
        { postMessage: (m) => vscode.postMessage(m), ...state.slice('inspector') },
        workerUrl,
      )
    : undefined;
if (root) new SideBar(root, state);
const panel = document.getElementById('prune') ? new PrunePanel((m) => vscode.postMessage(m)) : undefined;
(window as unknown as { inspector?: Inspector }).inspector = inspector; // for the page's tests
document.getElementById('prune-criterion')?.addEventListener('change', () => inspector?.refreshDetails());
window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const message = event.data;
  if (PANEL_MESSAGES.has(message.type)) panel?.receive(message);
  else inspector?.receive(message);
});
