// The webview's state (VS Code keeps it while the tab is hidden and across the page being rendered again) is
// one object; each part of the page keeps its own slice of it, so saving one never drops another's.
export interface StateApi {
  getState(): unknown;
  setState(state: unknown): void;
}

type Slices = Record<string, unknown>;

export class PageState {
  private slices: Slices;

  constructor(private readonly api: StateApi) {
    const state = api.getState();
    this.slices = typeof state === 'object' && state !== null ? { ...(state as Slices) } : {};
  }

  get(key: string): unknown {
    return this.slices[key];
  }

  set(key: string, value: unknown): void {
    this.slices = { ...this.slices, [key]: value };
    this.api.setState(this.slices);
  }

  /** An api for one slice, shaped like VS Code's (for code that owns the whole state of its own part). */
  slice(key: string): StateApi {
    return { getState: () => this.get(key), setState: (value) => this.set(key, value) };
  }
}
