import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  openSync,
  readdirSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { type DataChunk, chunkPieces } from './dataChunk';
import { OnnxError } from './errors';

const COPY_PIECE = 8 << 20;

/** What the write errors a user can meet mean, by errno code. */
const WRITE_ERRORS: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EFBIG: 'the file would be larger than this system allows (a file-size limit)',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOENT: 'its folder does not exist',
  ENOTDIR: 'its folder is not a folder',
  EISDIR: 'it is a folder',
  EIO: 'an input/output error from the disk',
};
const BUFFER = 1 << 20;

/**
 * A file written to a temporary name in its target folder and renamed into place on commit, so a crash,
 * a full disk or a cancellation never leaves a half-written model where the user's file was.
 */
export class AtomicFile {
  readonly tempPath: string;
  private fd: number | undefined;
  private buffer = new Uint8Array(BUFFER);
  private used = 0;
  written = 0;

  constructor(readonly path: string) {
    this.tempPath = join(dirname(path), `.${basename(path)}.${process.pid}-${Date.now().toString(36)}.tmp`);
    this.fd = this.io(() => openSync(this.tempPath, 'wx', 0o644));
  }

  write(chunk: DataChunk, signal?: AbortSignal): void {
    for (const piece of chunkPieces(chunk, COPY_PIECE)) {
      signal?.throwIfAborted();
      this.writeBytes(piece);
    }
  }

  /** Makes the file a copy of `path` (in-kernel copy, no buffers); only as the first write. */
  copyWholeFile(path: string): void {
    if (this.written !== 0 || this.used !== 0) throw new Error('copyWholeFile must be the first write');
    this.io(() => copyFileSync(path, this.tempPath));
    this.written = statSync(this.tempPath).size;
  }

  private writeBytes(bytes: Uint8Array): void {
    this.written += bytes.length;
    if (bytes.length >= BUFFER / 2) {
      this.flush();
      this.writeFully(bytes);
      return;
    }
    if (this.used + bytes.length > BUFFER) this.flush();
    this.buffer.set(bytes, this.used);
    this.used += bytes.length;
  }

  private flush(): void {
    if (this.used > 0) this.writeFully(this.buffer.subarray(0, this.used));
    this.used = 0;
  }

  private writeFully(bytes: Uint8Array): void {
    let done = 0;
    this.io(() => {
      while (done < bytes.length) done += writeSync(this.fd!, bytes, done, bytes.length - done);
    });
  }

  /** Flushes to disk and renames over the target. */
  commit(): void {
    this.flush();
    this.io(() => fsyncSync(this.fd!));
    closeSync(this.fd!);
    this.fd = undefined;
    this.io(() => renameSync(this.tempPath, this.path));
    removeStaleTemps(this.path);
  }

  /** Runs a file operation; its failure becomes a sentence naming the target (not the temporary file). */
  private io<T>(operation: () => T): T {
    try {
      return operation();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === undefined) throw error;
      throw new OnnxError(
        'unwritable',
        `cannot write ${this.path}: ${WRITE_ERRORS[code] ?? (error as Error).message}; ${existsSync(this.path) ? 'the file there is unchanged' : 'nothing was written'}.`,
        this.path,
      );
    }
  }

  /** Removes the temporary file; the target is untouched. Safe to call after commit. */
  abort(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } finally {
      this.fd = undefined;
      try {
        unlinkSync(this.tempPath);
      } catch {
        // already gone
      }
    }
  }
}

/**
 * Removes the temporary files that earlier writes of `path` left when their process was killed (a kill -9 or a
 * power cut cannot clean up): those whose process is gone. Live writers' files are left alone.
 */
function removeStaleTemps(path: string): void {
  const prefix = `.${basename(path)}.`;
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return;
  }
  for (const name of names) {
    const match = name.startsWith(prefix) ? /^(\d+)-[0-9a-z]+\.tmp$/.exec(name.slice(prefix.length)) : null;
    if (!match) continue;
    const pid = Number(match[1]);
    if (pid === process.pid || isAlive(pid)) continue;
    try {
      unlinkSync(join(dirname(path), name));
    } catch {
      // gone already, or not ours to remove
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
