import { createHash } from 'node:crypto';
import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, normalize, sep } from 'node:path';
import { OnnxError } from './errors';
import type { onnx } from './proto/onnx.js';
import { FileSource } from './fileSource';

/** The external_data entries of a TensorProto, parsed. */
export interface ExternalDataRef {
  readonly location: string;
  readonly offset: number;
  /** Absent when the tensor runs to the end of the file. */
  readonly length: number | undefined;
  readonly checksum: string | undefined;
}

const IO001 = 'IO001';

export function parseExternalData(tensor: onnx.TensorProto.$Properties, file: string): ExternalDataRef {
  const entries = new Map((tensor.external_data ?? []).map((e) => [e.key ?? '', e.value ?? '']));
  const name = tensor.name || '(unnamed)';
  const location = entries.get('location');
  if (!location) {
    throw new OnnxError(
      'external-data',
      `${file}: tensor '${name}' is stored externally but has no location.`,
      file,
      IO001,
    );
  }
  const number = (key: string): number | undefined => {
    const text = entries.get(key);
    if (text === undefined || text === '') return undefined;
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
      throw new OnnxError(
        'external-data',
        `${file}: tensor '${name}' has an invalid external data ${key} '${text}'.`,
        file,
        IO001,
      );
    }
    return Number(text);
  };
  return {
    location,
    offset: number('offset') ?? 0,
    length: number('length'),
    checksum: entries.get('checksum') || undefined,
  };
}

/**
 * Resolves an external-data location against the model's folder. Locations must be relative and stay in
 * that folder: absolute paths, `..` and symbolic links that lead out are refused (a model is untrusted
 * input and must not make us read arbitrary files).
 */
function resolveExternalLocation(modelDir: string, location: string, model: string): string {
  const refuse = (why: string) =>
    new OnnxError('external-data', `${model}: external data location '${location}' ${why}.`, model, IO001);
  if (location.includes('\0')) throw refuse('contains a NUL character');
  if (isAbsolute(location) || /^[A-Za-z]:/.test(location) || location.startsWith('\\')) {
    throw refuse("is an absolute path (it must be relative to the model's folder)");
  }
  const segments = normalize(location).split(/[\\/]/);
  if (location.split(/[\\/]/).includes('..') || segments.includes('..')) {
    throw refuse("points outside the model's folder");
  }
  const path = join(modelDir, location);
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    throw new OnnxError(
      'external-data',
      `${model}: external data file '${location}' is missing (looked for ${path}).`,
      model,
      IO001,
    );
  }
  const realDir = realpathSync(modelDir);
  if (!real.startsWith(realDir + sep)) throw refuse("is a link that leads outside the model's folder");
  if (statSync(real).isDirectory()) throw refuse('is a directory');
  return real;
}

/** External data files opened for one model, each opened once and checked once. */
export class ExternalFiles {
  private readonly files = new Map<string, FileSource>();
  private readonly verified = new Set<string>();

  constructor(
    private readonly modelDir: string | undefined,
    private readonly modelName: string,
  ) {}

  resolve(ref: ExternalDataRef): string {
    if (this.modelDir === undefined) {
      throw new OnnxError(
        'external-data',
        `${this.modelName}: a tensor is stored in external file '${ref.location}', but the model was not opened from a folder.`,
        this.modelName,
        IO001,
      );
    }
    return resolveExternalLocation(this.modelDir, ref.location, this.modelName);
  }

  source(ref: ExternalDataRef): FileSource {
    const path = this.resolve(ref);
    let source = this.files.get(path);
    if (!source) {
      try {
        source = FileSource.open(path, 'a data file');
      } catch (error) {
        throw new OnnxError(
          'external-data',
          `${this.modelName}: external data file '${ref.location}' cannot be read: ${(error as Error).message}`,
          this.modelName,
          IO001,
        );
      }
      this.files.set(path, source);
    }
    return source;
  }

  /** Checks that the tensor's range lies inside its file. */
  check(
    ref: ExternalDataRef,
    tensorName: string,
    expectedLength: number | undefined,
  ): { source: FileSource; offset: number; length: number } {
    const source = this.source(ref);
    // offset ≤ size first: without a length, "to the end of the file" from past the end would be negative.
    if (ref.offset > source.size) {
      throw new OnnxError(
        'external-data',
        `${this.modelName}: tensor '${tensorName}' starts at byte ${ref.offset} of '${ref.location}', which has only ${source.size}.`,
        this.modelName,
        IO001,
      );
    }
    const length = ref.length ?? expectedLength ?? source.size - ref.offset;
    if (ref.offset + length > source.size) {
      throw new OnnxError(
        'external-data',
        `${this.modelName}: tensor '${tensorName}' reads bytes ${ref.offset}–${ref.offset + length} of '${ref.location}', which has only ${source.size}.`,
        this.modelName,
        IO001,
      );
    }
    return { source, offset: ref.offset, length };
  }

  /**
   * The tensor's bytes as a range of its file, for use: the range checked and the file's checksum verified
   * (the one way data leaves an external file, so no copy or read skips the checksum).
   */
  data(
    ref: ExternalDataRef,
    tensorName: string,
    expectedLength: number | undefined,
  ): { source: FileSource; offset: number; length: number } {
    const range = this.check(ref, tensorName, expectedLength);
    this.verifyChecksum(ref);
    return range;
  }

  /** Verifies a SHA-1 checksum (once per file), streaming the file in 8 MiB pieces. */
  verifyChecksum(ref: ExternalDataRef): void {
    if (!ref.checksum) return;
    const source = this.source(ref);
    const key = `${source.name}\0${ref.checksum}`;
    if (this.verified.has(key)) return;
    const hash = createHash('sha1');
    const piece = 8 << 20;
    for (let at = 0; at < source.size; at += piece)
      hash.update(source.read(at, Math.min(piece, source.size - at)));
    const actual = hash.digest('hex');
    if (actual.toLowerCase() !== ref.checksum.toLowerCase()) {
      throw new OnnxError(
        'external-data',
        `${this.modelName}: external data file '${ref.location}' fails its SHA-1 checksum (expected ${ref.checksum}, found ${actual}).`,
        this.modelName,
        IO001,
      );
    }
    this.verified.add(key);
  }

  close(): void {
    for (const file of this.files.values()) file.close();
    this.files.clear();
  }
}
