// The model editor's side bar: hide and show it (the graph takes the width), resize it by its sash (pointer or
// arrow keys), and remember which sections and finding groups are open; every choice is kept in the webview's
// state, so it survives the page being rendered again after an edit. "Show all" of a capped list (host-rendered
// or built by the page) reveals its hidden items.
import type { PageState } from './pageState';

interface LayoutState {
  sidebar?: 'open' | 'closed';
  width?: number;
  /** Open (true) or closed (false) by the user, keyed by `pane:<id>` or `findings:<code>`. */
  open?: Record<string, boolean>;
}

const KEY = 'layout';
const MIN_WIDTH = 220;
const STEP = 16;
/** The side bar takes at most this share of the editor's width (the style sheet says the same: 70vw). */
const MAX_SHARE = 0.7;

export class SideBar {
  private state: LayoutState;

  constructor(
    private readonly root: HTMLElement,
    private readonly store: PageState,
  ) {
    this.state = { ...((store.get(KEY) as LayoutState | undefined) ?? {}) };
    this.restore();
    this.describeSash(this.width());
    root
      .querySelector('#toggle-sidebar')
      ?.addEventListener('click', () => this.setOpen(root.dataset.sidebar === 'closed'));
    // toggle does not bubble: listen in the capture phase for every <details> the page has or will have.
    root.addEventListener('toggle', (e) => this.toggled(e.target as HTMLElement), true);
    this.wireSash();
    // A node selected in the graph (or revealed) while the details are scrolled out of the side bar's view: bring
    // them into view, so the selection always shows its details. Details already in view stay where they are.
    new MutationObserver(() => this.showDetails()).observe(root, {
      attributes: true,
      attributeFilter: ['data-selected'],
    });
  }

  private showDetails(): void {
    const sidebar = this.root.querySelector<HTMLElement>('#sidebar');
    const pane = this.root.querySelector<HTMLDetailsElement>('details[data-pane="details"]');
    if (!sidebar || !pane?.open || !this.root.dataset.selected || this.root.dataset.sidebar === 'closed')
      return;
    const view = sidebar.getBoundingClientRect();
    const box = pane.getBoundingClientRect();
    if (box.bottom <= view.top || box.top >= view.bottom) sidebar.scrollTop += box.top - view.top;
  }

  /** Shows or hides the side bar. */
  setOpen(open: boolean): void {
    this.root.dataset.sidebar = open ? 'open' : 'closed';
    const toggle = this.root.querySelector<HTMLElement>('#toggle-sidebar');
    if (toggle) {
      toggle.setAttribute('aria-expanded', String(open));
      toggle.textContent = open ? 'Hide side bar' : 'Show side bar';
      toggle.title = open ? 'Hide the side bar' : 'Show the side bar';
    }
    this.save({ sidebar: open ? 'open' : 'closed' });
  }

  private restore(): void {
    if (this.state.sidebar === 'closed') this.setOpen(false);
    if (this.state.width) this.setWidth(this.state.width, false);
    for (const [key, open] of Object.entries(this.state.open ?? {})) {
      const element = this.root.querySelector<HTMLDetailsElement>(selectorOf(key));
      if (element) element.open = open;
    }
  }

  private toggled(element: HTMLElement): void {
    const key = keyOf(element);
    if (!key || !(element instanceof HTMLDetailsElement)) return;
    if (this.state.open?.[key] === element.open) return;
    this.save({ open: { ...this.state.open, [key]: element.open } });
  }

  private setWidth(width: number, save = true): void {
    const max = Math.max(MIN_WIDTH, Math.round(window.innerWidth * MAX_SHARE));
    const w = Math.round(Math.min(max, Math.max(MIN_WIDTH, width)));
    this.root.style.setProperty('--sidebar-width', `${w}px`);
    this.describeSash(w);
    if (save) this.save({ width: w });
  }

  /** The sash is a separator whose value is the side bar's width, for assistive technology. */
  private describeSash(width: number): void {
    const sash = this.root.querySelector<HTMLElement>('#sash');
    sash?.setAttribute('aria-valuenow', String(Math.round(width)));
    sash?.setAttribute('aria-valuemin', String(MIN_WIDTH));
    sash?.setAttribute(
      'aria-valuemax',
      String(Math.max(MIN_WIDTH, Math.round(window.innerWidth * MAX_SHARE))),
    );
  }

  private width(): number {
    return this.root.querySelector<HTMLElement>('#sidebar')?.getBoundingClientRect().width ?? MIN_WIDTH;
  }

  private wireSash(): void {
    const sash = this.root.querySelector<HTMLElement>('#sash');
    if (!sash) return;
    let drag: { x: number; width: number } | undefined;
    sash.addEventListener('pointerdown', (e) => {
      drag = { x: e.clientX, width: this.width() };
      sash.setPointerCapture(e.pointerId);
      sash.classList.add('dragging');
    });
    sash.addEventListener('pointermove', (e) => {
      // The side bar is on the right: moving the sash left widens it.
      if (drag) this.setWidth(drag.width + drag.x - e.clientX, false);
    });
    const end = () => {
      if (!drag) return;
      drag = undefined;
      sash.classList.remove('dragging');
      this.setWidth(this.width());
    };
    sash.addEventListener('pointerup', end);
    sash.addEventListener('pointercancel', end);
    sash.addEventListener('keydown', (e) => {
      const delta = e.key === 'ArrowLeft' ? STEP : e.key === 'ArrowRight' ? -STEP : 0;
      if (!delta) return;
      e.preventDefault();
      this.setWidth(this.width() + delta);
    });
  }

  private save(change: LayoutState): void {
    this.state = { ...this.state, ...change };
    this.store.set(KEY, this.state);
  }
}

function keyOf(element: HTMLElement): string | undefined {
  if (element.dataset.pane) return `pane:${element.dataset.pane}`;
  if (element.classList.contains('finding-group') && element.dataset.code)
    return `findings:${element.dataset.code}`;
  return undefined;
}

function selectorOf(key: string): string {
  const [kind, id] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
  return kind === 'pane'
    ? `details[data-pane="${CSS.escape(id)}"]`
    : `details.finding-group[data-code="${CSS.escape(id)}"]`;
}

/** Reveals the hidden items (or table rows) of the capped list before a "Show all" button, and removes it. */
export function showAll(button: HTMLElement): void {
  const hidden = [
    ...(button.previousElementSibling?.querySelectorAll<HTMLElement>(
      ':scope > li[hidden], :scope > tbody > tr[hidden]',
    ) ?? []),
  ];
  for (const item of hidden) item.hidden = false;
  button.remove();
  // Keyboard users go on from the first item they had not seen.
  hidden[0]?.querySelector<HTMLElement>('button, vscode-button, [tabindex]')?.focus();
}
