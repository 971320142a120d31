import { toSafeNumber } from '../../core/onnx/int64';
import type { GraphView } from '../../core/onnx/modelView';
import type { onnx } from '../../core/onnx/proto/onnx.js';
import { MASK_METADATA_KEY, type MaskSpec, parseMaskSpec } from '../../core/prune/maskSpec';

/**
 * The mask spec a pruned model carries in its metadata: undefined when it has none (pruned by another
 * tool); a string when the entry is there but unreadable (the sentence says why).
 */
export function readMaskSpec(proto: onnx.ModelProto.$Properties): MaskSpec | string | undefined {
  const entry = (proto.metadata_props ?? []).find((p) => p.key === MASK_METADATA_KEY);
  if (!entry) return undefined;
  const spec = parseMaskSpec(entry.value ?? '');
  return spec ?? `its metadata entry '${MASK_METADATA_KEY}' is not a mask spec (JSON with a 'zero' list)`;
}

/**
 * Problems that keep a mask spec from applying to a model, one sentence each: the masked original zeroes
 * bytes in place, so a slice outside its tensor would silently zero the wrong weights.
 */
export function maskSpecProblems(graph: GraphView, spec: MaskSpec): string[] {
  const problems: string[] = [];
  for (const slice of spec.zero) {
    const label = `tensor '${slice?.tensor}'`;
    if (!slice || typeof slice.tensor !== 'string') {
      problems.push('a slice has no tensor name');
      continue;
    }
    const tensor =
      slice.source === 'constant-node'
        ? constantTensor(graph, slice.tensor)
        : graph.initializers.get(slice.tensor);
    if (slice.source !== 'initializer' && slice.source !== 'constant-node') {
      problems.push(`${label}: unknown source '${String(slice.source)}'`);
      continue;
    }
    if (!tensor) {
      problems.push(`${label}: no such ${slice.source === 'initializer' ? 'initializer' : 'Constant node'}`);
      continue;
    }
    const dims = (tensor.dims ?? []).map((d) => toSafeNumber(d));
    if (!Number.isInteger(slice.axis) || slice.axis < 0 || slice.axis >= dims.length) {
      problems.push(`${label}: axis ${slice.axis} outside its ${dims.length} dims`);
      continue;
    }
    const size = dims[slice.axis];
    const bad = (Array.isArray(slice.indices) ? slice.indices : [NaN]).filter(
      (i) => !Number.isInteger(i) || i < 0 || i >= size,
    );
    if (bad.length > 0)
      problems.push(
        `${label}: indices ${bad.slice(0, 5).join(', ')} outside 0…${size - 1} on axis ${slice.axis}`,
      );
  }
  return problems;
}

function constantTensor(graph: GraphView, output: string): onnx.TensorProto.$Properties | undefined {
  const producer = graph.producer(output);
  return producer?.opType === 'Constant' ? producer.attributes.tensor('value') : undefined;
}
