// The graph inspector's layouts (inspector.ts): the layout worker (layoutWorker.ts), started from a blob because
// the page's resources are served from another origin, and the requests sent to it, each answered by its id.
import type { LayoutInput, LayoutResult } from './layout';
import type { LayoutReply, LayoutRequest } from './layoutWorker';

export class LayoutClient {
  private worker: Worker | undefined;
  private readonly workerReady: Promise<Worker>;
  private readonly pending = new Map<number, (reply: LayoutReply) => void>();
  private nextId = 1;

  /** Starts the worker at once: it boots (a script to fetch and compile) while the host works out the graph. */
  constructor(private readonly workerUrl: string) {
    this.workerReady = this.startWorker();
    this.workerReady.catch(() => undefined);
  }

  /** Waits for the worker, and hands each of its replies to the request's handler. */
  async connect(): Promise<void> {
    const worker = await this.workerReady;
    this.worker = worker;
    worker.onmessage = ({ data }: MessageEvent<LayoutReply>) => {
      const handler = this.pending.get(data.id);
      if (!data.more) this.pending.delete(data.id);
      handler?.(data);
    };
  }

  /** Lays out in the worker; `dagreLimit` above the node count asks for a refined layout after the first. */
  request(input: LayoutInput, dagreLimit: number, handler: (reply: LayoutReply) => void): void {
    const id = this.nextId++;
    this.pending.set(id, handler);
    const request: LayoutRequest = { id, input, dagreLimit };
    this.worker!.postMessage(request);
  }

  /** The scene's layouter: one layered layout in the worker. */
  readonly layouter = (input: LayoutInput): Promise<LayoutResult> =>
    new Promise((resolve, reject) =>
      this.request(input, 0, (reply) =>
        reply.result ? resolve(reply.result) : reject(new Error('layout failed')),
      ),
    );

  /** Workers must come from a blob here: the page's resources are served from another origin. */
  private async startWorker(): Promise<Worker> {
    const source = await (await fetch(this.workerUrl)).text();
    return new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
  }
}
