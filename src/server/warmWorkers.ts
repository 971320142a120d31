import { Worker } from 'node:worker_threads';

/** How long a worker that finished its job is kept for the next one before it is ended. */
const WARM_WORKER_IDLE_MS = 120_000;

/**
 * Worker threads for prune jobs, kept warm between jobs. A fresh worker loads its bundle and compiles the
 * pruner as it runs: a first prune of a 10,009-node model takes ~1.5 s where the same prune in a thread that has
 * pruned before takes ~0.4 s, and the pruning panel previews a plan on each edit. So a worker whose job ended
 * with an answer (a result, a refusal, a cancel) waits for the next job; one that died (out of memory, a crash)
 * is never handed out again. At most one waits: jobs that overlap get workers of their own, ended after their
 * job. A waiting worker is ended after `idleMs`, which gives its memory back, and it never keeps the process
 * alive. Workers are made only with the script and heap limit asked for (a test may change either).
 */
export class WarmWorkers {
  private idle: Idle | undefined;
  /** Workers handed out whose job has not ended (given back, or the worker gone). */
  private readonly busy = new Set<Worker>();

  /**
   * `youngMb`: each worker's young generation (V8's default when undefined), the same for every worker of the
   * pool.
   */
  constructor(
    private readonly idleMs = WARM_WORKER_IDLE_MS,
    private readonly youngMb?: number,
  ) {}

  /** A worker for one job: the waiting one if it was made the same way, else a new one. */
  take(script: string, heapMb: number): Worker {
    const key = workerKey(script, heapMb);
    const idle = this.stopWaiting();
    let worker: Worker;
    if (idle?.key === key) {
      worker = idle.worker;
      worker.ref();
    } else {
      if (idle) void idle.worker.terminate();
      worker = this.newWorker(script, heapMb);
    }
    this.busy.add(worker);
    return worker;
  }

  /**
   * Starts a worker to wait for a job that is likely soon (a model was opened in the editor) when none waits and
   * none is at work (whose worker will wait afterwards, its code compiled): starting a thread and loading its
   * bundle is ~0.2 s the first prune or preview would otherwise wait for. It waits as a worker given back does
   * (ended after `idleMs`, never keeping the process alive). Returns the worker started, if one was.
   */
  prewarm(script: string, heapMb: number): Worker | undefined {
    if (this.idle || this.busy.size > 0) return undefined;
    const worker = this.newWorker(script, heapMb);
    this.wait(worker);
    return worker;
  }

  /** A worker whose job ended with an answer: it waits for the next job (or ends, when one already waits). */
  giveBack(worker: Worker): void {
    this.busy.delete(worker);
    if (this.idle) void worker.terminate();
    else this.wait(worker);
  }

  /** Ends the waiting worker now (the server shutting down, tests). */
  dispose(): void {
    void this.stopWaiting()?.worker.terminate();
  }

  private newWorker(script: string, heapMb: number): Worker {
    const young = this.youngMb === undefined ? {} : { maxYoungGenerationSizeMb: this.youngMb };
    const worker = new Worker(script, { resourceLimits: { maxOldGenerationSizeMb: heapMb, ...young } });
    workerKeys.set(worker, workerKey(script, heapMb));
    worker.once('exit', () => this.busy.delete(worker));
    return worker;
  }

  private wait(worker: Worker): void {
    const key = workerKeys.get(worker);
    if (key === undefined) {
      void worker.terminate();
      return;
    }
    // A waiting worker that fails (an 'error' with no listener would throw in this thread) or exits is let go.
    const onGone = () => {
      if (this.idle?.worker === worker) void this.stopWaiting()!.worker.terminate();
    };
    const timer = setTimeout(onGone, this.idleMs);
    timer.unref();
    worker.on('exit', onGone).on('error', onGone);
    worker.unref();
    this.idle = { worker, key, timer, onGone };
  }

  /** The waiting worker, no longer waiting (its timer and listeners gone), if there is one. */
  private stopWaiting(): Idle | undefined {
    const idle = this.idle;
    if (!idle) return undefined;
    this.idle = undefined;
    clearTimeout(idle.timer);
    idle.worker.off('exit', idle.onGone).off('error', idle.onGone);
    return idle;
  }
}

interface Idle {
  worker: Worker;
  key: string;
  timer: NodeJS.Timeout;
  onGone: () => void;
}

/** How each worker was made (the pool's key), for giveBack. */
const workerKeys = new WeakMap<Worker, string>();

function workerKey(script: string, heapMb: number): string {
  return `${heapMb}:${script}`;
}
