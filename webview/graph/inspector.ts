// The graph inspector in the model editor's page: asks the host for the graph skeleton, lays it out in a worker,
// draws it (graphCanvas.ts) with a minimap, and handles pan, zoom, keyboard, search, selection with the
// selected node's channel group highlighted, the details panel and export. View state (camera, selection)
// survives the page being rendered again or the tab hidden, through the webview's setState.
import type { GraphSkeleton } from '../../src/core/inspect/graphSkeleton';
import type { NodeDetails } from '../../src/core/inspect/nodeDetails';
import type { HostMessage, PageMessage } from '../../src/protocol/webview';
import type { Camera } from './camera';
import { GraphCanvas } from './graphCanvas';
import { renderBodyDetails, renderDetails } from './details';
import type { LayoutInput, LayoutResult } from './layout';
import { drawMinimap, minimapToLayout } from './minimap';
import type { LayoutReply, LayoutRequest } from './layoutWorker';
import { nodeEdges } from './boxTree';
import { NODE_HEIGHT } from './scene';
import { graphSvg } from './svgExport';
import { inputValue } from '../components';
import { unpackSkeleton } from '../../src/shared/packedSkeleton';

/** Graphs up to this many nodes are laid out again by dagre after the first paint. */
const DAGRE_LIMIT = 600;
/** Graphs of more nodes than this open with their name scopes collapsed (the onnxPruner.graph.collapseAbove setting). */
const COLLAPSE_ABOVE = 1000;
/** A collapsed graph opens its boxes level by level while at most this many items are shown. */
const OPEN_BUDGET = 300;

interface ViewState {
  model: string;
  camera?: Camera;
  selected?: string;
  /** The boxes expanded (by scope path), when the graph opened collapsed. */
  expanded?: string[];
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
  private worker: Worker | undefined;
  private readonly workerReady: Promise<Worker>;
  private readonly pending = new Map<number, (reply: LayoutReply) => void>();
  private nextId = 1;
  private hierarchical = false;

  constructor(
    private readonly root: HTMLElement,
    private readonly api: Api,
    private readonly workerUrl: string,
  ) {
    this.stateKey = root.dataset.model ?? '';
    api.postMessage({ type: 'graph' });
    // The worker boots (a script to fetch and compile) while the host works out the graph.
    this.workerReady = this.startWorker();
    this.workerReady.catch(() => undefined);
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
    const worker = await this.workerReady;
    this.worker = worker;
    step('worker');
    worker.onmessage = ({ data }: MessageEvent<LayoutReply>) => {
      const handler = this.pending.get(data.id);
      if (!data.more) this.pending.delete(data.id);
      handler?.(data);
    };
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
      await scene.showTop(this.layouter);
      step('top');
      const paths = new Set(saved?.expanded ?? []);
      if (paths.size) {
        // Parents first (boxes are numbered so), each once its parent is open.
        for (const [b, box] of skeleton.boxes.entries())
          if (paths.has(box.path)) await scene.expand([b], this.layouter);
      } else await scene.openLevels(this.layouter, large ? OPEN_BUDGET : Infinity);
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
    this.request(input, DAGRE_LIMIT, (data) => {
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

  /** Lays out in the worker; `dagreLimit` above the node count asks for a refined layout after the first. */
  private request(input: LayoutInput, dagreLimit: number, handler: (reply: LayoutReply) => void): void {
    const id = this.nextId++;
    this.pending.set(id, handler);
    const request: LayoutRequest = { id, input, dagreLimit };
    this.worker!.postMessage(request);
  }

  /** The scene's layouter: one layered layout in the worker. */
  private readonly layouter = (input: LayoutInput): Promise<LayoutResult> =>
    new Promise((resolve, reject) =>
      this.request(input, 0, (reply) =>
        reply.result ? resolve(reply.result) : reject(new Error('layout failed')),
      ),
    );

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
    const skeleton = this.skeleton!;
    const scene = this.canvas!.scene;
    const open = scene.expanded.reduce((s, v) => s + v, 0);
    const calls = skeleton.boxes.filter((b) => b.call !== undefined).length;
    // The name scopes come first; the boxes of calls (and their branches) follow (core/inspect/bodies.ts).
    const firstCall = skeleton.boxes.findIndex((b) => b.call !== undefined);
    const scopes = firstCall < 0 ? skeleton.boxes.length : firstCall;
    const bodies = skeleton.bodies;
    const inBodies = bodies ? skeleton.nodes.length - bodies.start : 0;
    this.status(
      `${graphNodes(skeleton).toLocaleString('en')} nodes · ${skeleton.groups.length} groups · ` +
        `${count(scopes, 'box', 'boxes')} by name scope` +
        (calls
          ? `, ${count(calls, 'call', 'calls')} with bodies (${count(inBodies, 'node', 'nodes')})`
          : '') +
        `, ${open} open (click a box to open it, its title to close it)` +
        (bodies?.cut
          ? ` · ${count(bodies.cut, 'call', 'calls')} left as nodes: recursive or past the body limits`
          : ''),
    );
  }

  /** Opens boxes (their contents laid out in the worker) and draws the view with them open. */
  async expand(boxes: number[]): Promise<void> {
    const canvas = this.canvas!;
    const started = performance.now();
    await canvas.scene.expand(boxes, this.layouter);
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
        const hit = canvas.hit(e.clientX - r.left, e.clientY - r.top);
        const skeleton = this.skeleton!;
        element.title = !hit
          ? ''
          : 'node' in hit
            ? skeleton.nodes[hit.node].name
            : boxTitle(skeleton, 'box' in hit ? hit.box : hit.frame, 'box' in hit);
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
        const hit = canvas.hit(e.clientX - r.left, e.clientY - r.top);
        if (hit && 'box' in hit) void this.expand([hit.box]);
        else if (hit && 'frame' in hit) this.collapse(hit.frame);
        else this.select(hit?.node, true);
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
      if (!canvas.laidOut) return;
      const r = minimap.getBoundingClientRect();
      const [x, y] = minimapToLayout(canvas.scene, r, e.clientX - r.left, e.clientY - r.top);
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
      for (const b of chain) await canvas.scene.expand([b], this.layouter);
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
    const element = this.root.querySelector<HTMLCanvasElement>('#minimap');
    if (!this.canvas?.laidOut || !element) return;
    const view = this.root.querySelector<HTMLCanvasElement>('#graph')!.getBoundingClientRect();
    drawMinimap(element, this.canvas.scene, this.canvas.camera, view);
  }

  private savedState(): ViewState | undefined {
    const state = this.api.getState() as ViewState | undefined;
    return state?.model === this.stateKey ? state : undefined;
  }

  private saveState(): void {
    const canvas = this.canvas;
    if (!canvas) return;
    const selected = canvas.emphasis.selected;
    const skeleton = this.skeleton!;
    const expanded = this.hierarchical
      ? skeleton.boxes.filter((_, b) => canvas.scene.expanded[b]).map((b) => b.path)
      : undefined;
    const state: ViewState = {
      model: this.stateKey,
      camera: canvas.camera,
      ...(expanded ? { expanded } : {}),
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
      data: graphSvg(this.skeleton!, canvas.scene),
    });
  }

  private exportPng(element: HTMLCanvasElement): void {
    this.api.postMessage({ type: 'export', format: 'png', data: element.toDataURL('image/png') });
  }
}

/** "1 box", "2,345 boxes". */
function count(n: number, one: string, many: string): string {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
}

/** How many of the skeleton's nodes are the graph's own (the rest are body nodes, core/inspect/bodies.ts). */
function graphNodes(skeleton: GraphSkeleton): number {
  return skeleton.bodies?.start ?? skeleton.nodes.length;
}

function isBodyNode(skeleton: GraphSkeleton, index: number): boolean {
  return skeleton.bodies !== undefined && index >= skeleton.bodies.start;
}

/** A box's tooltip: its scope, what it holds, the channel groups with members in it, and what a click does. */
function boxTitle(skeleton: GraphSkeleton, b: number, closed: boolean): string {
  const box = skeleton.boxes[b];
  const ops = box.ops.map(([op, n]) => `${op} ×${n}`).join(', ');
  const groups = box.groups.map((g) => skeleton.groups[g].id);
  const listed =
    groups.length > 12 ? `${groups.slice(0, 12).join(', ')} … (${groups.length})` : groups.join(', ');
  return (
    `${box.path}: ${box.nodes} ${box.call !== undefined ? 'body nodes, drawn for reading (not analysed)' : 'nodes'} (${ops})` +
    (groups.length ? `\nchannel groups: ${listed}` : '') +
    `\n${closed ? 'Click to open' : 'Click the title to close'}`
  );
}
