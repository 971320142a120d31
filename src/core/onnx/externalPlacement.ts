// Where a written model's external data goes (writer.ts): which tensors move to the output's new data file and
// at which offsets, and the refusal to write over a data file the source model still reads.
import { existsSync, realpathSync } from 'node:fs';
import { OnnxError } from './errors';
import { type DataChunk, chunksLength } from './dataChunk';
import type { ModelFile } from './modelFile';
import type { onnx } from './proto/onnx.js';

/** A tensor whose external data moves to the new data file: its bytes and where they go. */
export interface Relocation {
  chunks: DataChunk[];
  offset: number;
  length: number;
  /** The source entry had a checksum: the new file's SHA-1 replaces it. */
  checksum: boolean;
}

const ALIGN = 4096;

/**
 * Decides which tensors go to the new external-data file. When any tensor stored externally has new data,
 * all external tensors move to the new file (so no tensor points into a file being replaced); so they do
 * when the output is in another folder (their files are not there, and are not copied under names the
 * model chose).
 */
export function placeExternalData(
  model: ModelFile,
  tensors: onnx.TensorProto.$Properties[],
  threshold: number,
  sameFolder: boolean,
  /** Every tensor of `threshold` bytes or more goes to the new file, its raw data in the model's included. */
  all = false,
): Map<object, Relocation> {
  const relocated = new Map<object, Relocation>();
  let dataSize = 0;
  const fresh = new Set(
    tensors.filter((t) => {
      const kind = model.locate(t).kind;
      const moves = kind === 'chunks' || kind === 'inline' || (all && kind === 'raw');
      return moves && model.storedBytes(t) >= threshold;
    }),
  );
  // In the same folder without new data for external storage, external tensors keep their references (an
  // edited tensor that still points at external data included).
  if (!all && (model.externalTensors.length === 0 || (fresh.size === 0 && sameFolder))) return relocated;
  for (const tensor of tensors) {
    const location = model.locate(tensor);
    let chunks: DataChunk[] | undefined;
    let checksum = false;
    if (location.kind === 'external') {
      // Checked and its checksum verified before a byte is copied.
      const { source, offset, length } = model.external.data(location.ref, tensor.name ?? '', undefined);
      chunks = [{ source, start: offset, end: offset + length }];
      checksum = location.ref.checksum !== undefined;
    } else if (fresh.has(tensor)) {
      chunks =
        location.kind === 'chunks'
          ? [...location.chunks]
          : location.kind === 'raw'
            ? [{ source: model.source, start: location.start, end: location.end }]
            : [tensor.raw_data ?? new Uint8Array(0)];
    }
    if (!chunks) continue;
    const length = chunksLength(chunks);
    const offset = Math.ceil(dataSize / ALIGN) * ALIGN;
    relocated.set(tensor, { chunks, offset, length, checksum });
    dataSize = offset + length;
  }
  return relocated;
}

/**
 * A file we write must not be an external-data file the source model reads (an output named like the
 * model's data, or a model naming its data like our `<output>.data`): the source would be left pointing into
 * a file that is no longer its data. Saving over the model itself replaces its data with it, as meant.
 * `dataPath` is the new data file, when one is written.
 */
export function refuseSourceDataTargets(
  model: ModelFile,
  tensors: onnx.TensorProto.$Properties[],
  outPath: string,
  dataPath: string | undefined,
): void {
  if (model.externalTensors.length === 0 || model.path === undefined) return;
  const real = (path: string) => (existsSync(path) ? realpathSync(path) : undefined);
  if (real(outPath) === realpathSync(model.path)) return;
  const targets = [outPath, ...(dataPath !== undefined ? [dataPath] : [])];
  const sources = new Set<string>();
  for (const tensor of tensors) {
    const location = model.locate(tensor);
    if (location.kind === 'external') sources.add(model.external.resolve(location.ref));
  }
  for (const target of targets) {
    const path = real(target);
    if (path !== undefined && sources.has(path))
      throw new OnnxError(
        'unwritable',
        `cannot write ${target}: ${model.name} reads its weights from that file; choose another output name.`,
        target,
      );
  }
}
