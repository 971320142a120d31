// Deterministic pseudo-random numbers for weights and test inputs. Every tensor gets its own stream, keyed
// by the builder seed and the tensor name, so adding a layer does not change the weights of the others and
// two models that share layer names (e.g. a DepthToSpace model and its Reshape/Transpose twin) share weights.
import { mulberry32 } from '../../src/core/random';

/** FNV-1a 32-bit hash of a string: cheap, stable across platforms, good enough to spread seeds. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The random stream of one named tensor under one seed. */
function streamFor(seed: number, key: string): () => number {
  return mulberry32(hashString(`${seed}:${key}`));
}

/** `count` uniform floats in [low, high), rounded to float32 once so every consumer sees the same values. */
export function uniformFloats(seed: number, key: string, count: number, low = -1, high = 1): Float32Array {
  const next = streamFor(seed, key);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = low + (high - low) * next();
  return out;
}
