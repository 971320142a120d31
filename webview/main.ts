// The model editor page's script: registers the UI kit and sends the host what the user asks for. The page
// itself is rendered by the host (src/extension/editorPage.ts); this script never builds HTML from strings.
import { registerComponents } from './components';
import type { PageMessage } from './messages';

declare function acquireVsCodeApi(): { postMessage(message: PageMessage): void };

registerComponents();
const vscode = acquireVsCodeApi();

document.addEventListener('click', (event) => {
  const target = (event.target as Element | null)?.closest<HTMLElement>('[data-fix]');
  if (!target || target.hasAttribute('disabled')) return;
  const { fix, node, title } = target.dataset;
  if (fix !== 'PS002' && fix !== 'PS003') return;
  // One press, one edit: the page is rendered anew when the edit lands.
  target.setAttribute('disabled', '');
  vscode.postMessage({ type: 'fix', code: fix, title: title ?? fix, ...(node ? { node } : {}) });
});
