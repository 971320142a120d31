// The model editor page's script: registers the UI kit, sends the host what the user asks for (Fix buttons),
// and runs the graph inspector. The page's HTML is rendered by the host (src/extension/editorPage.ts); this
// script never builds HTML from strings.
import { registerComponents } from './components';
import { Inspector } from './graph/inspector';
import { PANEL_MESSAGES, PrunePanel } from './prunePanel';
import type { HostMessage, PageMessage } from '../src/protocol/webview';

declare function acquireVsCodeApi(): {
  postMessage(message: PageMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
};

registerComponents();
const vscode = acquireVsCodeApi();

document.addEventListener('click', (event) => {
  const element = event.target as Element | null;
  const reveal = element?.closest<HTMLElement>('[data-reveal]')?.dataset.reveal;
  if (reveal && inspector) {
    inspector.reveal(reveal);
    document.getElementById('inspector')?.scrollIntoView({ block: 'nearest' });
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
  if (fix !== 'PS002' && fix !== 'PS003') return;
  // One press, one edit: the page is rendered anew when the edit lands.
  target.setAttribute('disabled', '');
  vscode.postMessage({ type: 'fix', code: fix, title: title ?? fix, ...(node ? { node } : {}) });
});

const root = document.getElementById('inspector');
const workerUrl = document.querySelector<HTMLMetaElement>('meta[name="onnx-pruner-worker"]')?.content;
const inspector = root && workerUrl ? new Inspector(root, vscode, workerUrl) : undefined;
const panel = document.getElementById('prune') ? new PrunePanel((m) => vscode.postMessage(m)) : undefined;
(window as unknown as { inspector?: Inspector }).inspector = inspector; // for the page's tests
document.getElementById('prune-criterion')?.addEventListener('change', () => inspector?.refreshDetails());
window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const message = event.data;
  if (PANEL_MESSAGES.has(message.type)) panel?.receive(message);
  else inspector?.receive(message);
});
