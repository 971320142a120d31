/**
 * What the correctness oracle needs to rebuild the masked original (design §6): the slices of the original's
 * tensors that consumers read from removed channels. Zeroing them in the original gives `M_masked`, which the
 * pruned model must equal. `prune` stores the spec in the pruned model's metadata under MASK_METADATA_KEY, so
 * `verify ORIGINAL PRUNED` needs nothing else.
 */
export interface MaskSpec {
  /** SHA-256 of the original model file the spec refers to (empty when unknown). */
  original: string;
  zero: MaskSlice[];
  /**
   * Weights that read removed channels but that no slice can zero (stored where the masked original cannot
   * rebuild them). A spec with any cannot describe its prune: verify refuses it. Absent in older specs.
   */
  unmasked?: { tensor: string; source: string }[];
}

export interface MaskSlice {
  /** Initializer name, or the output of the Constant or ConstantOfShape node that makes the tensor. */
  tensor: string;
  source: MaskSource;
  axis: number;
  /** Indices along `axis` to set to zero, ascending. */
  indices: readonly number[];
}

/** Where a masked weight lives. A ConstantOfShape weight is materialised (filled, then zeroed) by maskModel. */
export type MaskSource = 'initializer' | 'constant-node' | 'constant-of-shape';

export const MASK_SOURCES: readonly string[] = ['initializer', 'constant-node', 'constant-of-shape'];

export const MASK_METADATA_KEY = 'onnx_pruner.mask';

export function parseMaskSpec(text: string): MaskSpec | undefined {
  try {
    const value = JSON.parse(text) as MaskSpec;
    if (!value || !Array.isArray(value.zero)) return undefined;
    return value;
  } catch {
    return undefined;
  }
}
