// The graph inspector in the model editor's page: asks the host for the graph skeleton, lays it out in a worker,
// draws it (graphCanvas.ts) with a minimap, and handles pan, zoom, keyboard, search, selection with the
// selected node's channel group highlighted, the details panel and export. View state (camera, selection)
// survives the page being rendered again or the tab hidden, through the webview's setState.
import type { GraphSkeleton } from '../../src/core/inspect/graphSkeleton';
import type { NodeDetails } from '../../src/core/inspect/nodeDetails';
import type { HostMessage, PageMessage } from '../../src/protocol/webview';
import { GraphCanvas } from './graphCanvas';
import { renderBodyDetails, renderDetails } from './details';
import { type InputActions, onKey, wireMinimap, wirePointer } from './graphInput';
import { graphNodes, isBodyNode, searchNodes } from './graphQueries';
import { boxStatusText } from './graphText';
import { LayoutClient } from './layoutClient';
import { drawMinimap } from './minimap';
import { nodeEdges } from './boxTree';
import { NODE_HEIGHT } from './scene';
import { graphSvg } from './svgExport';
import { inputValue } from '../components';
import { unpackSkeleton } from '../../src/shared/packedSkeleton';
import { type ViewState, currentViewState, savedViewState } from './viewState';

/** Graphs up to this many nodes are laid out again by dagre after the first paint. */
const DAGRE_LIMIT = 600;
/** Graphs of more nodes than this open with their name scopes collapsed (the onnxPruner.graph.collapseAbove setting). */
const COLLAPSE_ABOVE = 1000;
/** A collapsed graph opens its boxes level by level while at most this many items are shown. */
const OPEN_BUDGET = 300;

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
  readonly timings: {
    received?: number;
    firstPaint?: number;
    engine?: string;
    layoutMs?: number;
    /** The last expand or reveal: from the click to the frame drawn with the box open. */
    expandMs?: number;
    /** Milliseconds of each step from the data to the first paint (for the browser suite's figures). */
    steps?: Record<string, number>;
  } = {};
  private readonly layouts: LayoutClient;
  private hierarchical = false;
  /** What input on the graph asks of the inspector (graphInput.ts). */
  private readonly actions: InputActions = {
    select: (index, save, reveal) => this.select(index, save, reveal),
    expand: (boxes) => this.expand(boxes),
    collapse: (box) => this.collapse(box),
    afterMove: () => this.afterMove(),
    focusSearch: () => this.root.querySelector<HTMLInputElement>('#search')?.focus(),
  };

  constructor(
    private readonly root: HTMLElement,
    private readonly api: Api,
    workerUrl: string,
  ) {
    this.stateKey = root.dataset.model ?? '';
    api.postMessage({ type: 'graph' });
    // The worker boots (a script to fetch and compile) while the host works out the graph.
    this.layouts = new LayoutClient(workerUrl);
  }

  /** A message from the host. */
  receive(message: HostMessage): void {
    if (message.type === 'graph') {
      if (!message.ok) {
        this.status(message.message);
        return;
      }
      this.timings.received = performance.now();
      const skeleton = unpackSkeleton(message.skeleton);
      this.timings.steps = { unpack: performance.now() - this.timings.received };
      void this.show(skeleton);
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
    let lap = performance.now();
    const step = (name: string) => {
      const now = performance.now();
      this.timings.steps = { ...this.timings.steps, [name]: now - lap };
      lap = now;
    };
    const canvas = new GraphCanvas(element, skeleton);
    this.canvas = canvas;
    step('scene');
    const nodes = graphNodes(skeleton).toLocaleString('en');
    this.status(`${nodes} nodes · laying out…`);
    const saved = this.savedState();
    await this.layouts.connect();
    step('worker');
    this.wire(element);
    const limit = Number(this.root.dataset.collapseAbove);
    const collapseAbove = Number.isFinite(limit) && limit >= 0 ? limit : COLLAPSE_ABOVE;
    // A call's body is a box to open whatever the graph's size: a graph with bodies is drawn as boxes, its
    // name scopes all open when it is small.
    const calls = skeleton.boxes.some((b) => b.call !== undefined);
    const large = graphNodes(skeleton) > collapseAbove;
    this.hierarchical = skeleton.boxes.length > 0 && (large || calls);
    if (this.hierarchical) {
      const started = performance.now();
      const scene = canvas.scene;
      await scene.showTop(this.layouts.layouter);
      step('top');
      const paths = new Set(saved?.expanded ?? []);
      if (paths.size) {
        // Parents first (boxes are numbered so), each once its parent is open.
        for (const [b, box] of skeleton.boxes.entries())
          if (paths.has(box.path)) await scene.expand([b], this.layouts.layouter);
      } else await scene.openLevels(this.layouts.layouter, large ? OPEN_BUDGET : Infinity);
      canvas.changed();
      step('levels');
      this.timings.engine = 'layered';
      this.timings.layoutMs = performance.now() - started;
      this.firstView(saved);
      step('paint');
      this.boxStatus();
      return;
    }
    const edges = nodeEdges(skeleton).map((e): [number, number] => [e.u, e.v]);
    const input = { sizes: canvas.widths.map((w) => ({ w, h: NODE_HEIGHT })), edges };
    let first = true;
    this.layouts.request(input, DAGRE_LIMIT, (data) => {
      if (data.result) {
        canvas.scene.showFlat(data.result);
        canvas.changed();
        this.timings.engine = data.result.engine;
        this.timings.layoutMs = data.ms;
      }
      if (first) {
        first = false;
        this.firstView(saved);
      } else if (!saved?.camera) canvas.home();
      this.status(
        `${nodes} nodes · ${skeleton.groups.length} groups · layout: ${data.result?.engine ?? 'layered'} (${data.ms.toFixed(0)} ms)`,
      );
      this.minimap();
    });
  }

  private firstView(saved: ViewState | undefined): void {
    const canvas = this.canvas!;
    const skeleton = this.skeleton!;
    if (saved?.camera) canvas.camera = saved.camera;
    else canvas.home();
    const selected = saved?.selected ? skeleton.nodes.findIndex((n) => n.name === saved.selected) : -1;
    if (selected >= 0) this.select(selected, false);
    canvas.draw();
    this.timings.firstPaint = performance.now();
    this.root.dataset.painted = 'true';
    this.minimap();
  }

  private boxStatus(): void {
    const open = this.canvas!.scene.expanded.reduce((s, v) => s + v, 0);
    this.status(boxStatusText(this.skeleton!, open));
  }

  /** Opens boxes (their contents laid out in the worker) and draws the view with them open. */
  async expand(boxes: number[]): Promise<void> {
    const canvas = this.canvas!;
    const started = performance.now();
    await canvas.scene.expand(boxes, this.layouts.layouter);
    canvas.changed();
    canvas.draw();
    this.timings.expandMs = performance.now() - started;
    this.boxStatus();
    this.afterMove();
  }

  private collapse(box: number): void {
    const canvas = this.canvas!;
    canvas.scene.collapse(box);
    canvas.changed();
    this.boxStatus();
    this.afterMove();
  }

  private wire(element: HTMLCanvasElement): void {
    const canvas = this.canvas!;
    wirePointer(element, canvas, this.skeleton!, this.actions);
    element.addEventListener('keydown', (e) => onKey(e, this.canvas!, this.skeleton!, this.actions));
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
    wireMinimap(minimap, element, canvas, this.actions);
    new MutationObserver(() => {
      canvas.refreshTheme();
      this.minimap();
    }).observe(document.body, { attributes: true, attributeFilter: ['class'] });
    new ResizeObserver(() => {
      canvas.request();
      this.minimap();
    }).observe(element);
  }

  /** Selects a node: its group is highlighted, its details asked for; `reveal` centres it. */
  select(index: number | undefined, save: boolean, reveal = false): void {
    const canvas = this.canvas!;
    const skeleton = this.skeleton!;
    const panel = this.root.querySelector<HTMLElement>('#details')!;
    if (index === undefined) {
      canvas.emphasis = { matches: canvas.emphasis.matches };
      panel.textContent = 'Select a node to see its attributes, weights and channel group.';
    } else if (isBodyNode(skeleton, index)) {
      // Not in the analysis: the skeleton says all there is (and the host knows no node by its index).
      canvas.emphasis = { selected: index, matches: canvas.emphasis.matches };
      renderBodyDetails(panel, index, skeleton);
      if (reveal) void this.revealAt(index);
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
      if (reveal) void this.revealAt(index);
    }
    this.root.dataset.selected = index === undefined ? '' : skeleton.nodes[index].name;
    canvas.request();
    if (save) this.saveState();
  }

  /** Opens the boxes holding a node, then centres it at a readable zoom (Netron's 100 %). */
  private async revealAt(index: number): Promise<void> {
    const canvas = this.canvas!;
    const chain = canvas.scene.collapsedAround(index);
    if (chain.length) {
      const started = performance.now();
      for (const b of chain) await canvas.scene.expand([b], this.layouts.layouter);
      canvas.changed();
      this.timings.expandMs = performance.now() - started;
      this.boxStatus();
    }
    canvas.fit(index);
    canvas.draw();
    this.root.dataset.revealed = this.skeleton!.nodes[index].name;
    this.afterMove();
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
    this.matches = q ? searchNodes(skeleton, q) : [];
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
    const element = this.root.querySelector<HTMLCanvasElement>('#minimap');
    if (!this.canvas?.laidOut || !element) return;
    const view = this.root.querySelector<HTMLCanvasElement>('#graph')!.getBoundingClientRect();
    drawMinimap(element, this.canvas.scene, this.canvas.camera, view);
  }

  private savedState(): ViewState | undefined {
    return savedViewState(this.api.getState(), this.stateKey);
  }

  private saveState(): void {
    const canvas = this.canvas;
    if (!canvas) return;
    this.api.setState(currentViewState(this.stateKey, canvas, this.skeleton!, this.hierarchical));
  }

  private exportSvg(): void {
    const canvas = this.canvas;
    if (!canvas?.laidOut) return;
    this.api.postMessage({
      type: 'export',
      format: 'svg',
      data: graphSvg(this.skeleton!, canvas.scene),
    });
  }

  private exportPng(element: HTMLCanvasElement): void {
    this.api.postMessage({ type: 'export', format: 'png', data: element.toDataURL('image/png') });
  }
}
