import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { type ByteSource, checkRange } from './byteSource';
import { OnnxError } from './errors';

/**
 * A file read with positional reads (no whole-file buffer): opening a 550 MB model reads only its
 * structure, and files over 2 GiB work although Node's readFile refuses them.
 */
export class FileSource implements ByteSource {
  readonly size: number;
  private fd: number | undefined;

  private constructor(
    readonly name: string,
    fd: number,
    size: number,
  ) {
    this.fd = fd;
    this.size = size;
  }

  static open(path: string): FileSource {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (error) {
      throw new OnnxError('unreadable', `${path}: ${describeFsError(error)}`, path);
    }
    const stat = fstatSync(fd);
    if (stat.isDirectory()) {
      closeSync(fd);
      throw new OnnxError('unreadable', `${path} is a directory, not an ONNX model file.`, path);
    }
    return new FileSource(path, fd, stat.size);
  }

  read(offset: number, length: number): Uint8Array {
    const target = new Uint8Array(length);
    this.readInto(offset, target);
    return target;
  }

  readInto(offset: number, target: Uint8Array): void {
    checkRange(this, offset, target.length);
    const fd = this.handle();
    let done = 0;
    while (done < target.length) {
      // readSync reads at most 2 GiB - 1 bytes per call.
      const chunk = Math.min(target.length - done, 0x40000000);
      const n = readSync(fd, target, done, chunk, offset + done);
      if (n === 0)
        throw new OnnxError(
          'truncated',
          `${this.name} ended early (it changed while being read?).`,
          this.name,
        );
      done += n;
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private handle(): number {
    if (this.fd === undefined) throw new Error(`${this.name} is closed`);
    return this.fd;
  }
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
    case 'ELOOP':
      return 'too many symbolic links.';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
