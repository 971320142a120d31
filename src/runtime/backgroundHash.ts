import { Worker } from 'node:worker_threads';
import type { ByteSource } from '../core/onnx/byteSource';
import { FileSource } from '../core/onnx/fileSource';
import { type PendingHash, hashWhenAsked, sha256Of } from '../core/onnx/hash';

/**
 * Below this size a file is hashed when its hash is asked for, on the caller's thread: starting a thread
 * costs more than hashing it.
 */
export const BACKGROUND_HASH_MIN_BYTES = 32 << 20;

/**
 * Starts hashing a source. A file of BACKGROUND_HASH_MIN_BYTES or more is hashed by a worker thread through
 * the very descriptor the source reads (positional reads, so both read the same open file, never a file put
 * at its path since), while the caller prunes on its own thread: hashing a 553 MB model takes about a second,
 * as long as the rest of its prune. The caller blocks only if it asks for the hash before it is done. Closing
 * the source stops the worker first; a value asked for after that is worked out on the caller's thread, from
 * the closed source, so it fails rather than hash anything else.
 */
export function startSha256(source: ByteSource): PendingHash {
  if (!(source instanceof FileSource) || source.size < BACKGROUND_HASH_MIN_BYTES)
    return hashWhenAsked(source);
  const shared = new SharedArrayBuffer(STATE_BYTES + 64);
  const pending = new WorkerHash(source, shared);
  try {
    pending.start(
      new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { fd: source.lendDescriptor(pending), size: source.size, shared },
      }),
    );
  } catch {
    return hashWhenAsked(source);
  }
  return pending;
}

/** Hashed by a worker thread; the caller's thread takes over if the worker fails or goes silent. */
class WorkerHash implements PendingHash {
  hashedBy: PendingHash['hashedBy'];
  private result: string | undefined;
  private settled = true; // until a worker runs
  private worker: Worker | undefined;
  private readonly flags: Int32Array;

  constructor(
    private readonly source: ByteSource,
    private readonly shared: SharedArrayBuffer,
  ) {
    this.flags = new Int32Array(shared, 0, STATE_BYTES / 4);
  }

  start(worker: Worker): void {
    this.worker = worker;
    this.settled = false;
    worker.unref();
    worker.on('error', () => undefined); // told through the shared state (or its silence), not as an event
  }

  value(): string {
    if (this.result !== undefined) return this.result;
    if (!this.settled) {
      if (waitForWorker(this.flags) === DONE) {
        this.result = Buffer.from(new Uint8Array(this.shared, STATE_BYTES, 64)).toString('latin1');
        this.hashedBy = 'worker';
      } else Atomics.store(this.flags, STOP, 1);
      this.end();
    }
    if (this.result === undefined) {
      this.result = sha256Of(this.source);
      this.hashedBy = 'caller';
    }
    return this.result;
  }

  stop(): void {
    if (this.settled) return;
    Atomics.store(this.flags, STOP, 1);
    waitForWorker(this.flags);
    this.end();
  }

  private end(): void {
    this.settled = true;
    void this.worker?.terminate();
  }
}

// The shared state: [STATE] running, done, failed or stopped; [STOP] 1 asks the worker to stop; [PIECES] the
// pieces it has hashed (how the caller tells a slow worker from a dead one). Then the 64 hex digits.
const STATE = 0;
const STOP = 1;
const PIECES = 2;
const STATE_BYTES = 16;
const RUNNING = 0;
const DONE = 1;

/** A worker that has hashed nothing for this long is taken for dead (it never started, or its reads hang). */
const SILENCE_MS = 10_000;

/** Waits until the worker has ended (done, failed or stopped) or has gone silent; returns its state. */
function waitForWorker(flags: Int32Array): number {
  let pieces = Atomics.load(flags, PIECES);
  for (;;) {
    Atomics.wait(flags, STATE, RUNNING, SILENCE_MS);
    const state = Atomics.load(flags, STATE);
    if (state !== RUNNING) return state;
    const now = Atomics.load(flags, PIECES);
    if (now === pieces) return RUNNING;
    pieces = now;
  }
}

// The worker's code (an eval'd script: the bundles need no file of their own for it). It reads with
// positional reads only, so the caller's reads through the same descriptor are undisturbed, and checks for a
// stop before each piece: once it says it has ended it no longer touches the descriptor.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { readSync } = require('node:fs');
const { createHash } = require('node:crypto');
const { fd, size, shared } = workerData;
const flags = new Int32Array(shared, 0, ${STATE_BYTES / 4});
let state = 2;
try {
  const hash = createHash('sha256');
  const piece = Buffer.allocUnsafe(Math.min(8 << 20, size));
  let at = 0;
  while (at < size) {
    if (Atomics.load(flags, ${STOP}) === 1) { state = 3; break; }
    const n = readSync(fd, piece, 0, Math.min(piece.length, size - at), at);
    if (n === 0) break;
    hash.update(piece.subarray(0, n));
    at += n;
    Atomics.add(flags, ${PIECES}, 1);
  }
  if (at === size) {
    new Uint8Array(shared, ${STATE_BYTES}, 64).set(Buffer.from(hash.digest('hex'), 'latin1'));
    state = 1;
  }
} catch {
  state = 2;
}
Atomics.store(flags, ${STATE}, state);
Atomics.notify(flags, ${STATE});
`;
