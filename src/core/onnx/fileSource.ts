import { type Stats, closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { type ByteSource, checkRange } from './byteSource';
import { OnnxError } from './errors';

/**
 * A file read with positional reads (no whole-file buffer): opening a 550 MB model reads only its
 * structure, and files over 2 GiB work although Node's readFile refuses them.
 */
export class FileSource implements ByteSource {
  readonly size: number;
  private fd: number | undefined;
  private readonly borrowers = new Set<{ stop(): void }>();

  private constructor(
    readonly name: string,
    fd: number,
    size: number,
    /** The file's permission bits (a file written from this one keeps them). */
    readonly mode: number,
    /** When the file was last modified as it was opened (ms since the epoch): which version was read. */
    readonly modifiedMs: number,
  ) {
    this.fd = fd;
    this.size = size;
  }

  /**
   * Opens a regular file for reading: the one opener for every file a model or plan names. A FIFO, socket or
   * device would block an open or a read forever (or never end), so the open is non-blocking and whatever
   * `fstat` does not call a regular file is refused before a byte is read.
   */
  static open(path: string, what = 'an ONNX model file'): FileSource {
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    } catch (error) {
      throw new OnnxError('unreadable', `${path}: ${describeFsError(error)}`, path);
    }
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      closeSync(fd);
      throw new OnnxError('unreadable', `${path} is ${fileKind(stat)}, not ${what}.`, path);
    }
    return new FileSource(path, fd, stat.size, stat.mode & 0o7777, stat.mtimeMs);
  }

  read(offset: number, length: number): Uint8Array {
    const target = new Uint8Array(length);
    this.readInto(offset, target);
    return target;
  }

  readInto(offset: number, target: Uint8Array, at = 0, length = target.length - at): void {
    checkRange(this, offset, length);
    if (at < 0 || at + length > target.length) throw new RangeError('read outside its target');
    const fd = this.handle();
    let done = 0;
    while (done < length) {
      // readSync reads at most 2 GiB - 1 bytes per call.
      const chunk = Math.min(length - done, 0x40000000);
      const n = readSync(fd, target, at + done, chunk, offset + done);
      if (n === 0)
        throw new OnnxError(
          'truncated',
          `${this.name} ended early (it changed while being read?).`,
          this.name,
        );
      done += n;
    }
  }

  /**
   * The open descriptor, for positional reads from another thread of this process (a background hash): they
   * read this very file, whatever is at its path now. `reader.stop()` must return only once the reader no
   * longer reads: close() calls it first, so a descriptor number the system hands out again is never read.
   */
  lendDescriptor(reader: { stop(): void }): number {
    const fd = this.handle();
    this.borrowers.add(reader);
    return fd;
  }

  close(): void {
    for (const reader of this.borrowers) reader.stop();
    this.borrowers.clear();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private handle(): number {
    if (this.fd === undefined) throw new Error(`${this.name} is closed`);
    return this.fd;
  }
}

function fileKind(stat: Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a named pipe (FIFO)';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file.';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied (the file cannot be read).';
    case 'EISDIR':
      return 'is a directory, not a file.';
    case 'ENXIO':
      return 'is a socket or a device, not a file.';
    case 'ELOOP':
      return 'too many symbolic links.';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
