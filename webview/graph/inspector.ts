// The graph inspector in the model editor's page: asks the host for the graph skeleton, lays it out in a worker,
// draws it (graphCanvas.ts) with a minimap, and handles pan, zoom, keyboard, search, selection with the
// selected node's channel group highlighted, the details panel and export. View state (camera, selection)
// survives the page being rendered again or the tab hidden, through the webview's setState.
import type { GraphSkeleton } from '../../src/core/inspect/graphSkeleton';
import type { NodeDetails } from '../../src/core/inspect/nodeDetails';
import type { HostMessage, PageMessage } from '../../src/protocol/webview';
import { type Camera, GraphCanvas, NODE_HEIGHT, graphEdges } from './graphCanvas';
import { renderDetails } from './details';
import { drawMinimap, minimapToLayout } from './minimap';
import type { LayoutReply, LayoutRequest } from './layoutWorker';
import { graphSvg } from './svgExport';
import { inputValue } from '../components';

/** Graphs up to this many nodes are laid out again by dagre after the first paint. */
const DAGRE_LIMIT = 600;

interface ViewState {
  model: string;
  camera?: Camera;
  selected?: string;
}

interface Api {
  postMessage(message: PageMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}

export class Inspector {
  private canvas: GraphCanvas | undefined;
  private skeleton: GraphSkeleton | undefined;
  private matches: number[] = [];
  private matchAt = -1;
  private readonly stateKey: string;
  /** Timings for the page's own measurements (first paint after the data arrived). */
  readonly timings: { received?: number; firstPaint?: number; engine?: string; layoutMs?: number } = {};

  constructor(
    private readonly root: HTMLElement,
    private readonly api: Api,
    private readonly workerUrl: string,
  ) {
    this.stateKey = root.dataset.model ?? '';
    api.postMessage({ type: 'graph' });
  }

  /** A message from the host. */
  receive(message: HostMessage): void {
    if (message.type === 'graph') {
      if (!message.ok) {
        this.status(message.message);
        return;
      }
      this.timings.received = performance.now();
      void this.show(message.skeleton);
    } else if (message.type === 'details') {
      const panel = this.root.querySelector<HTMLElement>('#details')!;
      if (message.ok) renderDetails(panel, message.details as NodeDetails, this.skeleton!);
      else panel.textContent = message.message;
    }
  }

  private status(text: string): void {
    this.root.querySelector<HTMLElement>('#graph-status')!.textContent = text;
  }

  private async show(skeleton: GraphSkeleton): Promise<void> {
    this.skeleton = skeleton;
    const element = this.root.querySelector<HTMLCanvasElement>('#graph')!;
    const canvas = new GraphCanvas(element, skeleton);
    this.canvas = canvas;
    this.status(`${skeleton.nodes.length.toLocaleString('en')} nodes · laying out…`);
    const saved = this.savedState();
    const edges = graphEdges(skeleton);
    const input = { sizes: canvas.widths.map((w) => ({ w, h: NODE_HEIGHT })), edges };
    const worker = await this.startWorker();
    const request: LayoutRequest = { id: 1, input, dagreLimit: DAGRE_LIMIT };
    let first = true;
    worker.onmessage = ({ data }: MessageEvent<LayoutReply>) => {
      if (data.result) {
        canvas.setLayout(data.result);
        this.timings.engine = data.result.engine;
        this.timings.layoutMs = data.ms;
      }
      if (first) {
        first = false;
        if (saved?.camera) canvas.camera = saved.camera;
        else canvas.home();
        const selected = saved?.selected ? skeleton.nodes.findIndex((n) => n.name === saved.selected) : -1;
        if (selected >= 0) this.select(selected, false);
        canvas.draw();
        this.timings.firstPaint = performance.now();
        this.root.dataset.painted = 'true';
      } else if (!saved?.camera) canvas.home();
      this.status(
        `${skeleton.nodes.length.toLocaleString('en')} nodes · ${skeleton.groups.length} groups · layout: ${data.result?.engine ?? 'layered'} (${data.ms.toFixed(0)} ms)`,
      );
      this.minimap();
      if (!data.more) worker.terminate();
    };
    worker.postMessage(request);
    this.wire(element);
  }

  /** Workers must come from a blob here: the page's resources are served from another origin. */
  private async startWorker(): Promise<Worker> {
    const source = await (await fetch(this.workerUrl)).text();
    return new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
  }

  private wire(element: HTMLCanvasElement): void {
    const canvas = this.canvas!;
    let drag: { x: number; y: number; moved: boolean } | undefined;
    element.addEventListener('pointerdown', (e) => {
      drag = { x: e.clientX, y: e.clientY, moved: false };
      element.setPointerCapture(e.pointerId);
      element.focus();
    });
    element.addEventListener('pointermove', (e) => {
      if (!drag) {
        // The full name of the node under the pointer, as a tooltip (boxes show its end).
        const r = element.getBoundingClientRect();
        const i = canvas.pick(e.clientX - r.left, e.clientY - r.top);
        element.title = i === undefined ? '' : this.skeleton!.nodes[i].name;
        return;
      }
      const dx = e.clientX - drag.x;
      const dy = e.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 2) drag.moved = true;
      drag.x = e.clientX;
      drag.y = e.clientY;
      if (drag.moved) {
        canvas.panBy(dx, dy);
        this.afterMove();
      }
    });
    element.addEventListener('pointerup', (e) => {
      if (drag && !drag.moved) {
        const r = element.getBoundingClientRect();
        this.select(canvas.pick(e.clientX - r.left, e.clientY - r.top), true);
      }
      drag = undefined;
    });
    element.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        const r = element.getBoundingClientRect();
        canvas.zoomAt(Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
        this.afterMove();
      },
      { passive: false },
    );
    element.addEventListener('keydown', (e) => this.key(e));
    this.root.querySelector('#fit')?.addEventListener('click', () => {
      canvas.fit();
      this.afterMove();
    });
    this.root.querySelector('#export-svg')?.addEventListener('click', () => this.exportSvg());
    this.root.querySelector('#export-png')?.addEventListener('click', () => this.exportPng(element));
    const search = this.root.querySelector<HTMLInputElement>('#search')!;
    search.addEventListener('input', () => this.search(search.value));
    search.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') this.nextMatch(e.shiftKey ? -1 : 1);
      if (e.key === 'Escape') {
        search.value = '';
        this.search('');
      }
    });
    const minimap = this.root.querySelector<HTMLCanvasElement>('#minimap')!;
    minimap.addEventListener('pointerdown', (e) => {
      const layout = canvas.laidOut;
      if (!layout) return;
      const r = minimap.getBoundingClientRect();
      const [x, y] = minimapToLayout(layout, r, e.clientX - r.left, e.clientY - r.top);
      const view = element.getBoundingClientRect();
      canvas.camera = {
        ...canvas.camera,
        tx: view.width / 2 - x * canvas.camera.scale,
        ty: view.height / 2 - y * canvas.camera.scale,
      };
      canvas.request();
      this.afterMove();
    });
    new MutationObserver(() => {
      canvas.refreshTheme();
      this.minimap();
    }).observe(document.body, { attributes: true, attributeFilter: ['class'] });
    new ResizeObserver(() => {
      canvas.request();
      this.minimap();
    }).observe(element);
  }

  private key(e: KeyboardEvent): void {
    const canvas = this.canvas!;
    const skeleton = this.skeleton!;
    const selected = canvas.emphasis.selected;
    const { width, height } = (e.target as HTMLElement).getBoundingClientRect();
    const neighbour = (down: boolean): number | undefined => {
      if (selected === undefined) return 0;
      if (!down) {
        const input = skeleton.nodes[selected].inputs.find(
          (v) => skeleton.values[v].producer >= 0 && !skeleton.values[v].weight,
        );
        return input === undefined ? undefined : skeleton.values[input].producer;
      }
      const outputs = new Set(skeleton.nodes[selected].outputs);
      const next = skeleton.nodes.findIndex((n) => n.inputs.some((v) => outputs.has(v)));
      return next >= 0 ? next : undefined;
    };
    switch (e.key) {
      case 'ArrowUp':
      case 'ArrowDown': {
        const next = neighbour(e.key === 'ArrowDown');
        if (next !== undefined) this.select(next, true, true);
        break;
      }
      case '+':
      case '=':
        canvas.zoomAt(1.25, width / 2, height / 2);
        break;
      case '-':
        canvas.zoomAt(0.8, width / 2, height / 2);
        break;
      case '0':
        canvas.fit();
        break;
      case 'Escape':
        this.select(undefined, true);
        break;
      case '/':
        this.root.querySelector<HTMLInputElement>('#search')?.focus();
        break;
      default:
        return;
    }
    e.preventDefault();
    this.afterMove();
  }

  /** Selects a node: its group is highlighted, its details asked for; `reveal` centres it. */
  select(index: number | undefined, save: boolean, reveal = false): void {
    const canvas = this.canvas!;
    const skeleton = this.skeleton!;
    const panel = this.root.querySelector<HTMLElement>('#details')!;
    if (index === undefined) {
      canvas.emphasis = { matches: canvas.emphasis.matches };
      panel.textContent = 'Select a node to see its attributes, weights and channel group.';
    } else {
      const group = skeleton.groups.find((g) => g.id === skeleton.nodes[index].group);
      canvas.emphasis = {
        selected: index,
        matches: canvas.emphasis.matches,
        ...(group
          ? {
              members: new Set(group.members),
              roots: new Set(group.roots),
              shuffles: new Set(group.shuffles),
            }
          : {}),
      };
      panel.textContent = 'Loading…';
      // The chart follows the pruning panel's criterion where it is one the chart can show.
      const chosen = inputValue('prune-criterion');
      const criterion = chosen === 'l2' || chosen === 'bn' ? chosen : 'l1';
      this.api.postMessage({ type: 'details', node: skeleton.nodes[index].name, criterion });
      if (reveal) canvas.fit(index);
    }
    this.root.dataset.selected = index === undefined ? '' : skeleton.nodes[index].name;
    canvas.request();
    if (save) this.saveState();
  }

  /** Asks again for the selected node's details (the chart's criterion changed). */
  refreshDetails(): void {
    const selected = this.canvas?.emphasis.selected;
    if (selected !== undefined) this.select(selected, false);
  }

  /** Selects the node named `name` and centres it (a finding's Reveal, a group's root). */
  reveal(name: string): void {
    const index = this.skeleton?.nodes.findIndex((n) => n.name === name) ?? -1;
    if (index >= 0) this.select(index, true, true);
  }

  /** The root nodes of a channel group, by name. */
  rootsOf(group: string): string[] {
    const g = this.skeleton?.groups.find((x) => x.id === group);
    return g ? g.roots.map((i) => this.skeleton!.nodes[i].name) : [];
  }

  private search(query: string): void {
    const canvas = this.canvas!;
    const skeleton = this.skeleton!;
    const q = query.trim().toLowerCase();
    this.matches = [];
    if (q) {
      skeleton.nodes.forEach((node, i) => {
        const values = [...node.inputs, ...node.outputs].map((v) => skeleton.values[v].name.toLowerCase());
        if (
          node.name.toLowerCase().includes(q) ||
          node.op.toLowerCase() === q ||
          values.some((v) => v.includes(q))
        )
          this.matches.push(i);
      });
    }
    this.matchAt = -1;
    canvas.emphasis = { ...canvas.emphasis, matches: new Set(this.matches) };
    this.root.querySelector<HTMLElement>('#search-count')!.textContent = q
      ? `${this.matches.length} found`
      : '';
    canvas.request();
  }

  private nextMatch(step: number): void {
    if (this.matches.length === 0) return;
    this.matchAt = (this.matchAt + step + this.matches.length) % this.matches.length;
    this.select(this.matches[this.matchAt], true, true);
    this.afterMove();
  }

  private afterMove(): void {
    this.minimap();
    this.saveState();
  }

  private minimap(): void {
    const layout = this.canvas?.laidOut;
    const element = this.root.querySelector<HTMLCanvasElement>('#minimap');
    if (!layout || !element) return;
    const view = this.root.querySelector<HTMLCanvasElement>('#graph')!.getBoundingClientRect();
    drawMinimap(element, layout, this.canvas!.widths, this.canvas!.camera, view);
  }

  private savedState(): ViewState | undefined {
    const state = this.api.getState() as ViewState | undefined;
    return state?.model === this.stateKey ? state : undefined;
  }

  private saveState(): void {
    const canvas = this.canvas;
    if (!canvas) return;
    const selected = canvas.emphasis.selected;
    const state: ViewState = {
      model: this.stateKey,
      camera: canvas.camera,
      ...(selected !== undefined ? { selected: this.skeleton!.nodes[selected].name } : {}),
    };
    this.api.setState(state);
  }

  private exportSvg(): void {
    const canvas = this.canvas;
    if (!canvas?.laidOut) return;
    this.api.postMessage({
      type: 'export',
      format: 'svg',
      data: graphSvg(this.skeleton!, canvas.laidOut, canvas.widths),
    });
  }

  private exportPng(element: HTMLCanvasElement): void {
    this.api.postMessage({ type: 'export', format: 'png', data: element.toDataURL('image/png') });
  }
}
