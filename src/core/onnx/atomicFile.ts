import { type Hash, createHash } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  linkSync,
  lstatSync,
  openSync,
  readdirSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { type ByteSource, copyBytes } from './byteSource';
import { type DataChunk, checkProduced, isLazy } from './dataChunk';
import { OnnxError } from './errors';

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
/** Files created where nothing tells the mode: read and write for everyone, less the umask (as any tool). */
const DEFAULT_MODE = 0o666;
/** Our temporary files: `.<target name>.<pid>-<unique>.tmp` (the pid tells whether its writer still runs). */
const TEMP_NAME = /^\..+\.(\d+)-[0-9a-z]+\.tmp$/;
let tempCount = 0;

export interface AtomicFileOptions {
  /**
   * Permission bits for the new file (the source model's, so a 0600 model is not saved as 0644). Without it,
   * a regular file being replaced keeps its own mode; a new file gets 0666 less the umask.
   */
  mode?: number;
  /** Keep a SHA-1 of everything written (an external-data file's `checksum`). */
  sha1?: boolean;
}

/**
 * A file written to a temporary name in its target folder and renamed into place on commit, so a crash,
 * a full disk or a cancellation never leaves a half-written model where the user's file was. The temporary
 * file is created exclusively (`wx`, never through a link planted under its name) and the rename replaces
 * whatever is at the target, a symbolic link included, instead of writing through it: a link planted next
 * to a model cannot redirect our writes to another file.
 */
export class AtomicFile {
  readonly tempPath: string;
  private fd: number | undefined;
  private buffer = new Uint8Array(BUFFER);
  private used = 0;
  private readonly hash: Hash | undefined;
  written = 0;

  constructor(
    readonly path: string,
    options: AtomicFileOptions = {},
  ) {
    this.tempPath = tempPathFor(path);
    const mode = options.mode ?? regularFileMode(path) ?? DEFAULT_MODE;
    this.fd = this.io(() => openSync(this.tempPath, 'wx', mode & 0o7777));
    if (options.sha1) this.hash = createHash('sha1');
  }

  /** The SHA-1 (hex) of what was written so far; only with the `sha1` option. */
  sha1(): string {
    if (!this.hash) throw new Error('AtomicFile: sha1 was not asked for');
    this.flush();
    return this.hash.copy().digest('hex');
  }

  write(chunk: DataChunk, signal?: AbortSignal): void {
    // Bytes and ranges directly: a pruned model is tens of thousands of small parts.
    if (chunk instanceof Uint8Array) {
      signal?.throwIfAborted();
      this.writeBytes(chunk);
      return;
    }
    if (!isLazy(chunk)) {
      this.writeRange(chunk.source, chunk.start, chunk.end, signal);
      return;
    }
    // One callback for every lazy chunk (a prune writes tens of thousands of sliced tensors), not one each.
    this.pieceSignal = signal;
    this.produced = 0;
    chunk.produce(this.writePiece);
    checkProduced(chunk, this.produced);
  }

  private pieceSignal: AbortSignal | undefined;
  private produced = 0;
  private readonly writePiece = (piece: Uint8Array, length = piece.length): void => {
    this.pieceSignal?.throwIfAborted();
    this.produced += length;
    this.writePart(piece, 0, length);
  };

  /** Makes the file a copy of `path` (in-kernel copy, no buffers); only as the first write. */
  copyWholeFile(path: string): void {
    if (this.written !== 0 || this.used !== 0) throw new Error('copyWholeFile must be the first write');
    if (this.hash) throw new Error('copyWholeFile cannot hash');
    this.io(() => copyFileSync(path, this.tempPath));
    this.written = statSync(this.tempPath).size;
  }

  /**
   * Copies a byte range of a source through the write buffer: read straight into it, no copy in between (a
   * pruned model is mostly ranges of its original, from a few bytes to hundreds of megabytes).
   */
  writeRange(source: ByteSource, start: number, end: number, signal?: AbortSignal): void {
    for (let at = start; at < end;) {
      signal?.throwIfAborted();
      if (this.used === BUFFER) this.flush();
      const n = Math.min(end - at, BUFFER - this.used);
      source.readInto(at, this.buffer, this.used, n);
      this.used += n;
      this.written += n;
      at += n;
    }
  }

  /** Writes bytes [start, end) of `bytes` (a plan's arena of small encoded parts: no view of each part). */
  writePart(bytes: Uint8Array, start: number, end: number, signal?: AbortSignal): void {
    signal?.throwIfAborted();
    const length = end - start;
    this.written += length;
    if (length >= BUFFER / 2) {
      this.flush();
      this.writeFully(bytes.subarray(start, end));
      return;
    }
    if (this.used + length > BUFFER) this.flush();
    copyBytes(bytes, start, this.buffer, this.used, length);
    this.used += length;
  }

  private writeBytes(bytes: Uint8Array): void {
    this.writePart(bytes, 0, bytes.length);
  }

  private flush(): void {
    if (this.used > 0) this.writeFully(this.buffer.subarray(0, this.used));
    this.used = 0;
  }

  private writeFully(bytes: Uint8Array): void {
    this.hash?.update(bytes);
    let done = 0;
    this.io(() => {
      while (done < bytes.length) done += writeSync(this.fd!, bytes, done, bytes.length - done);
    });
  }

  /**
   * Flushes to disk, renames over the target and syncs the folder (so the rename itself survives a power
   * cut); then removes what killed writers left in that folder.
   */
  commit(): void {
    this.flush();
    this.io(() => fsyncSync(this.fd!));
    closeSync(this.fd!);
    this.fd = undefined;
    try {
      this.io(() => renameSync(this.tempPath, this.path));
    } catch (error) {
      unlinkSync(this.tempPath); // closed already, so abort() would not
      throw error;
    }
    syncFolder(dirname(this.path));
    removeStaleTemps(dirname(this.path));
  }

  /** Runs a file operation; its failure becomes a sentence naming the target (not the temporary file). */
  private io<T>(operation: () => T): T {
    try {
      return operation();
    } catch (error) {
      throw writeError(this.path, error);
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
 * Commits several files that belong together (a model and its external data), the model last. A failure
 * part way cannot be undone (the earlier renames are done), so the error says exactly which files were
 * replaced and which were not; the files not yet committed are removed.
 */
export function commitAll(files: readonly AtomicFile[]): void {
  let done = 0;
  try {
    for (; done < files.length; done++) files[done].commit();
  } catch (error) {
    for (const file of files.slice(done)) file.abort();
    if (done === 0 || !(error instanceof OnnxError)) throw error;
    const list = (fs: readonly AtomicFile[]) => fs.map((f) => f.path).join(', ');
    throw new OnnxError(
      'unwritable',
      `${error.message.replace(/\.$/, '')}, but ${list(files.slice(0, done))} ${done === 1 ? 'was' : 'were'} already replaced by the new version (it belongs with the new ${files[done].path}, which was not written).`,
      files[done].path,
    );
  }
}

/** Writes a whole small file (a plan, a report) atomically, replacing a link at `path` rather than following it. */
export function writeFileAtomic(
  path: string,
  data: Uint8Array | string,
  options: AtomicFileOptions = {},
): void {
  const file = new AtomicFile(path, options);
  try {
    file.write(typeof data === 'string' ? new TextEncoder().encode(data) : data);
    file.commit();
  } catch (error) {
    file.abort();
    throw error;
  }
}

/**
 * Makes `to` a copy of `from` (a backup before a save): a hard link made under a temporary name and renamed
 * over `to` (instant, and never through a link planted at `to`), or a byte copy where links are not allowed.
 * Our writer never writes into an existing file (it renames a new one over it), so the link stays the old
 * version.
 */
export function keepCopy(from: string, to: string): void {
  const temp = tempPathFor(to);
  try {
    linkSync(from, temp);
  } catch {
    const copy = new AtomicFile(to);
    try {
      copy.copyWholeFile(from);
      copy.commit();
    } catch (error) {
      copy.abort();
      throw error;
    }
    return;
  }
  try {
    renameSync(temp, to);
  } catch (error) {
    unlinkSync(temp);
    throw writeError(to, error);
  }
  syncFolder(dirname(to));
}

function tempPathFor(path: string): string {
  const unique = `${Date.now().toString(36)}${(tempCount++).toString(36)}`;
  return join(dirname(path), `.${basename(path)}.${process.pid}-${unique}.tmp`);
}

/** The permission bits of `path` when it is a regular file (not through a link), else undefined. */
function regularFileMode(path: string): number | undefined {
  try {
    const stat = lstatSync(path);
    return stat.isFile() ? stat.mode & 0o7777 : undefined;
  } catch {
    return undefined;
  }
}

function writeError(path: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === undefined) return error;
  return new OnnxError(
    'unwritable',
    `cannot write ${path}: ${WRITE_ERRORS[code] ?? (error as Error).message}; ${existsSync(path) ? 'the file there is unchanged' : 'nothing was written'}.`,
    path,
  );
}

/** fsync of the folder, so a rename in it is on disk; not every system can open a folder (Windows), then skipped. */
function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // a folder that cannot be synced: the rename is still done
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Removes the temporary files that earlier writes into `dir` left when their process was killed (a kill -9 or
 * a power cut cannot clean up): those whose process is gone. Live writers' files are left alone.
 */
function removeStaleTemps(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const match = TEMP_NAME.exec(name);
    if (!match) continue;
    const pid = Number(match[1]);
    if (pid === process.pid || isAlive(pid)) continue;
    try {
      unlinkSync(join(dir, name));
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
