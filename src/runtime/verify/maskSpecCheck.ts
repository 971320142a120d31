import { toSafeNumber } from '../../core/onnx/int64';
import type { GraphView } from '../../core/onnx/modelView';
import type { onnx } from '../../core/onnx/proto/onnx.js';
import { constantOfShapeDims } from '../../core/prune/mask';
import {
  MASK_METADATA_KEY,
  MASK_SOURCES,
  type MaskSlice,
  type MaskSource,
  type MaskSpec,
  parseMaskSpec,
} from '../../core/prune/maskSpec';

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
    if (!MASK_SOURCES.includes(slice.source)) {
      problems.push(`${label}: unknown source '${String(slice.source)}'`);
      continue;
    }
    const dims = sourceDims(graph, slice);
    if (!dims) {
      problems.push(`${label}: no such ${SOURCE_NAMES[slice.source]}`);
      continue;
    }
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

const SOURCE_NAMES: Record<MaskSource, string> = {
  initializer: 'initializer',
  'constant-node': 'Constant node',
  'constant-of-shape': 'ConstantOfShape node with a constant shape',
};

/** The dims of the tensor a slice zeroes, where its source says it lives; undefined when it is not there. */
function sourceDims(graph: GraphView, slice: MaskSlice): number[] | undefined {
  if (slice.source === 'initializer')
    return graph.initializers.get(slice.tensor)?.dims?.map((d) => toSafeNumber(d));
  const producer = graph.producer(slice.tensor);
  if (producer?.domain !== '') return undefined;
  if (slice.source === 'constant-node' && producer.opType === 'Constant')
    return producer.attributes.tensor('value')?.dims?.map((d) => toSafeNumber(d));
  if (slice.source === 'constant-of-shape' && producer.opType === 'ConstantOfShape')
    return constantOfShapeDims(graph.model.file, graph.proto, producer.proto);
  return undefined;
}

/**
 * Why a mask spec cannot describe its prune, in one sentence; undefined when it can. Either the spec says
 * so (weights that read removed channels but cannot be zeroed), or it zeroes nothing while the pruned model
 * lost parameters (a spec from a pruner that could not mask every weight source): comparing with an
 * unmasked original would report differences that are not there.
 */
export function unmaskedPrune(
  spec: MaskSpec,
  parameters: { original: number; pruned: number },
): string | undefined {
  const unmasked = Array.isArray(spec.unmasked) ? spec.unmasked : [];
  if (unmasked.length > 0) {
    const names = unmasked.slice(0, 3).map((u) => `'${u?.tensor}' (${u?.source})`);
    const more = unmasked.length > 3 ? ` and ${unmasked.length - 3} more` : '';
    return (
      `its mask spec cannot describe the prune: removed channels are read by ${names.join(', ')}${more}, ` +
      'which the masked original cannot zero.'
    );
  }
  if (spec.zero.length === 0 && parameters.pruned < parameters.original) {
    const fewer = (parameters.original - parameters.pruned).toLocaleString('en-US');
    return (
      `its mask spec zeroes no slice, yet it has ${fewer} fewer parameters than the original, so the masked ` +
      'original cannot be built (was it pruned by an older onnx-pruner?).'
    );
  }
  return undefined;
}
