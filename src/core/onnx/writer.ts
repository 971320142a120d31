import { realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { AtomicFile, commitAll } from './atomicFile';
import { chunksLength } from './dataChunk';
import { type Relocation, placeExternalData, refuseSourceDataTargets } from './externalPlacement';
import type { ModelFile } from './modelFile';
import type { onnx } from './proto/onnx.js';
import { CONTAINER_FIELDS, type ContainerType, ENCODERS, PAYLOAD_FIELDS } from './schema';
import { collectTensors, forEachChild } from './walk';
import { WritePlan } from './writePlan';
import { toDimension } from './int64';

export interface WriteOptions {
  /** Tensors written anew go to external data when at least this large and the source used external data. */
  externalThreshold?: number;
  /**
   * Every tensor at least `externalThreshold` large goes to `<output>.data`, whatever the source did: ONNX
   * Runtime maps a data file where it copies weights out of the model, so a model written only for it to
   * load (verify's masked original) loads several times faster.
   */
  externalData?: boolean;
  signal?: AbortSignal;
  onProgress?: (written: number, total: number) => void;
}

export interface WriteResult {
  bytes: number;
  /** External-data files written beside the output (`<output>.data`). */
  externalFiles: string[];
  /** Every file written, the model last: what a command lists as its output. */
  files: string[];
}

/**
 * Writes a model, streaming: messages unchanged since they were read are copied from the source by byte
 * range, changed ones are encoded anew (their unchanged parts still copied), and tensor data is copied by
 * range too. Memory stays bounded whatever the model size, and an unmodified model re-saves byte for byte.
 * The output is written to a temporary file and renamed into place, with the source model's mode.
 *
 * External data keeps its references only when the output is in the model's folder and no external tensor
 * changed; otherwise every external tensor moves to one file named after the output, `<output>.data`. A
 * file name is never taken from the model: a `location` of `.git/config` must not become a file we write.
 */
export function writeModel(
  model: ModelFile,
  proto: onnx.ModelProto.$Properties,
  outPath: string,
  options: WriteOptions = {},
): WriteResult {
  const writer = new ModelWriter(model, outPath, options);
  return writer.write(proto);
}

class ModelWriter {
  private readonly sameFolder: boolean;
  private readonly dataLocation: string;
  /** Tensors whose external data moves to the new data file, with their bytes. */
  private relocated = new Map<object, Relocation>();
  /** SHA-1 of the new data file, for the tensors whose source entries had a checksum. */
  private dataChecksum: string | undefined;
  private readonly dirty = new Map<object, boolean>();
  private readonly sourceExternal: boolean;

  constructor(
    private readonly model: ModelFile,
    private readonly outPath: string,
    private readonly options: WriteOptions,
  ) {
    const outDir = dirname(outPath);
    const sourceDir = model.path === undefined ? undefined : dirname(model.path);
    this.sameFolder = sourceDir !== undefined && realpathSync(outDir) === realpathSync(sourceDir);
    this.dataLocation = `${basename(outPath)}.data`;
    this.sourceExternal = model.externalTensors.length > 0;
  }

  write(proto: onnx.ModelProto.$Properties): WriteResult {
    // Only a model with external data has tensors to place or data files to protect: the walk over every
    // tensor is for those alone.
    if (this.sourceExternal || this.options.externalData) {
      const tensors = collectTensors(proto);
      this.relocated = placeExternalData(
        this.model,
        tensors,
        this.options.externalThreshold ?? 1024,
        this.sameFolder,
        this.options.externalData,
      );
      const dataPath = this.relocated.size > 0 ? join(dirname(this.outPath), this.dataLocation) : undefined;
      refuseSourceDataTargets(this.model, tensors, this.outPath, dataPath);
    }
    const pending: AtomicFile[] = [];
    const mode = this.model.mode;
    try {
      // The data file first: its SHA-1 goes into the model's `checksum` entries.
      if (this.relocated.size > 0) {
        const keepsChecksum = [...this.relocated.values()].some((entry) => entry.checksum);
        const data = new AtomicFile(join(dirname(this.outPath), this.dataLocation), {
          mode,
          sha1: keepsChecksum,
        });
        pending.push(data);
        for (const entry of this.relocated.values()) {
          data.write(new Uint8Array(entry.offset - data.written));
          for (const chunk of entry.chunks) data.write(chunk, this.options.signal);
        }
        if (keepsChecksum) this.dataChecksum = data.sha1();
      }
      const plan = new WritePlan(this.model.source);
      this.planMessage(plan, 'Model', proto as Record<string, unknown>, this.rowOf(proto));
      const out = new AtomicFile(this.outPath, { mode });
      pending.push(out);
      // An unchanged model read from a file: the output is a plain copy of it.
      if (this.model.path !== undefined && plan.isRangeOfSource(this.model.size))
        out.copyWholeFile(this.model.path);
      else plan.emit(out, this.options);
      commitAll(pending);
      const files = pending.map((file) => file.path);
      return { bytes: plan.size, externalFiles: files.slice(0, -1), files };
    } catch (error) {
      for (const file of pending) file.abort();
      throw error;
    }
  }

  /**
   * True when a message (or anything inside it) must be encoded anew rather than copied: it is not a decoded
   * message (its `row` is undefined), or its external data moves. Memoised only then: a walk of every
   * message's children for every message would be quadratic in the depth.
   */
  private isDirty(type: ContainerType, message: Record<string, unknown>, row: number | undefined): boolean {
    if (row === undefined || this.relocated.has(message)) return true;
    if (this.relocated.size === 0) return false;
    const known = this.dirty.get(message);
    if (known !== undefined) return known;
    const dirty = forEachChild(type, message, (childType, child) =>
      this.isDirty(childType, child, this.model.rowOf(child)),
    );
    this.dirty.set(message, dirty);
    return dirty;
  }

  /**
   * The row the walk expects to meet next: the message after the last one it met, in file order. The plan
   * walks fields in number order, as exporters write them, so this is nearly always the row of the next
   * message, and finding a message's row costs one comparison (see ModelFile.rowOf).
   */
  private next = 0;

  /** Finds a message's row, the walk's expectation first. */
  private rowOf(message: object): number | undefined {
    return this.model.rowOf(message, this.next);
  }

  /**
   * Adds a message's value (its fields, without its own tag and length) to the plan; returns its size. The
   * caller found its row (if it was decoded) with `rowOf`.
   */
  private planMessage(
    plan: WritePlan,
    type: ContainerType,
    message: Record<string, unknown>,
    row: number | undefined,
  ): number {
    const before = plan.size;
    if (row !== undefined && !this.isDirty(type, message, row)) {
      const range = this.model.rangeAt(row);
      this.next = range.next;
      plan.addRange(range.valueStart, range.end);
      return plan.size - before;
    }
    // Inside: an edited copy most often stands where its original was, so its fields are expected after it.
    const at = row ?? this.next;
    this.next = at + 1;
    this.planFields(plan, type, message);
    if (at < this.model.messageCount) this.next = this.model.rangeAt(at).next;
    return plan.size - before;
  }

  private planFields(plan: WritePlan, type: ContainerType, message: Record<string, unknown>): void {
    const encoder = ENCODERS[type];
    let payloadDone = false;
    // Consecutive leaf fields are encoded together: the generated encoders write fields in number order, as
    // this loop does, so the bytes are the same as one encoding per field, for a fraction of the work.
    let leaves: Record<string, unknown> | undefined;
    const flushLeaves = () => {
      if (!leaves) return;
      plan.addBytes(encoder.encode(leaves).finish());
      leaves = undefined;
    };
    for (const field of CONTAINER_FIELDS[type]) {
      if (field.container) {
        // Leaves on either side of a container field that is absent are still in number order: encoded
        // together (a sliced tensor's dims, type and name are one encoding, not two).
        const value = message[field.name];
        if (field.repeated) {
          const list = (value as Record<string, unknown>[] | undefined) ?? [];
          if (list.length > 0) flushLeaves();
          for (let i = 0; i < list.length; i++) this.planChild(plan, field.no, field.container, list[i]);
        } else if (value != null && Object.hasOwn(message, field.name)) {
          flushLeaves();
          this.planChild(plan, field.no, field.container, value as Record<string, unknown>);
        }
      } else if (field.payload) {
        if (!payloadDone) {
          flushLeaves();
          this.planPayload(plan, message as onnx.TensorProto.$Properties);
        }
        payloadDone = true;
      } else if (type === 'Tensor' && (field.name === 'external_data' || field.name === 'data_location')) {
        flushLeaves();
        this.planExternalFields(plan, field.name, message as onnx.TensorProto.$Properties);
      } else if (Object.hasOwn(message, field.name) && message[field.name] != null) {
        (leaves ??= {})[field.name] = message[field.name];
      }
    }
    flushLeaves();
    const unknowns = (message as { $unknowns?: Uint8Array[] }).$unknowns;
    for (const bytes of unknowns ?? []) plan.addBytes(bytes);
  }

  /** Adds a message held in field `fieldNo` of the message being planned, with its tag and length. */
  private planChild(
    plan: WritePlan,
    fieldNo: number,
    type: ContainerType,
    child: Record<string, unknown>,
  ): void {
    const row = this.rowOf(child);
    if (row !== undefined && !this.isDirty(type, child, row)) {
      const range = this.model.rangeAt(row);
      this.next = range.next;
      // Unchanged and read from this very field: copied with its tag and length, so that runs of unchanged
      // messages (a graph's nodes) are one range of the source. Read from another field: its value, under
      // this field's tag.
      if (range.field === fieldNo) plan.addRange(range.tagStart, range.end);
      else {
        plan.addHeader(fieldNo, range.end - range.valueStart);
        plan.addRange(range.valueStart, range.end);
      }
      return;
    }
    // The header goes first but its length is the message's size, known once the message is planned.
    const header = plan.reserve();
    plan.fill(header, fieldNo, this.planMessage(plan, type, child, row));
  }

  private planPayload(plan: WritePlan, tensor: onnx.TensorProto.$Properties): void {
    if (this.relocated.has(tensor)) return;
    const location = this.model.locate(tensor);
    switch (location.kind) {
      case 'raw':
        plan.addHeader(9, location.end - location.start);
        plan.addRange(location.start, location.end);
        break;
      case 'typed':
        for (const s of location.segments) plan.addRange(s.tagStart, s.end);
        break;
      case 'chunks': {
        const length = chunksLength(location.chunks);
        plan.addHeader(9, length);
        for (const chunk of location.chunks) plan.addChunk(chunk);
        break;
      }
      case 'inline': {
        for (const name of PAYLOAD_FIELDS) {
          const value = tensor[name];
          if (value != null && (value as { length: number }).length > 0) {
            plan.addBytes(ENCODERS.Tensor.encode({ [name]: value }).finish());
          }
        }
        break;
      }
      case 'empty':
        // Only an edit's tensor is planned field by field, and every edit that copies a tensor gives it its
        // data: a copy without it would be written with dims but no elements, a model that no runtime loads.
        if (hasElements(tensor))
          throw new Error(`internal: tensor '${tensor.name ?? ''}' was copied by an edit without its data`);
        break;
      case 'external':
        break;
    }
  }

  private planExternalFields(
    plan: WritePlan,
    name: 'external_data' | 'data_location',
    tensor: onnx.TensorProto.$Properties,
  ): void {
    const moved = this.relocated.get(tensor);
    if (!moved) {
      // New data that stays in the model file: the tensor is no longer external, whatever it was copied from.
      const kind = this.model.locate(tensor).kind;
      if (kind === 'chunks' || kind === 'inline') return;
      const value = tensor[name];
      if (Object.hasOwn(tensor, name) && value != null)
        plan.addBytes(ENCODERS.Tensor.encode({ [name]: value }).finish());
      return;
    }
    if (name === 'data_location') {
      plan.addBytes(ENCODERS.Tensor.encode({ data_location: 1 }).finish());
      return;
    }
    const keep = (tensor.external_data ?? []).filter(
      (e) => !['location', 'offset', 'length', 'checksum'].includes(e.key ?? ''),
    );
    const entries = [
      { key: 'location', value: this.dataLocation },
      { key: 'offset', value: String(moved.offset) },
      { key: 'length', value: String(moved.length) },
      // ONNX's checksum is the SHA-1 of the whole file `location` names: recomputed for the new file.
      ...(moved.checksum && this.dataChecksum ? [{ key: 'checksum', value: this.dataChecksum }] : []),
      ...keep,
    ];
    plan.addBytes(ENCODERS.Tensor.encode({ external_data: entries }).finish());
  }
}

/** Whether a tensor's dims say it holds at least one element (a scalar holds one). */
function hasElements(tensor: onnx.TensorProto.$Properties): boolean {
  return (tensor.dims ?? []).every((d) => toDimension(d, tensor.name) > 0);
}
