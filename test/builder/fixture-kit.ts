// The one-liner the fixtures are written with: a single float input named 'input', a body, and outputs
// named 'output' (or 'output_0', 'output_1'... when the body returns several values).
import type { ModelOptions } from './core';
import { ModelBuilder } from './model-builder';
import type { BuildOptions, Built } from './serialize';
import type { Shape, Value } from './types';

export interface FixtureOptions {
  readonly opset?: number;
  readonly seed?: number;
  readonly model?: ModelOptions;
  readonly build?: BuildOptions;
}

export function buildModel(
  inputShape: Shape,
  body: (b: ModelBuilder, input: Value) => Value | readonly Value[],
  options: FixtureOptions = {},
): Built {
  const b = new ModelBuilder({ opset: options.opset ?? 17, seed: options.seed ?? 1, ...options.model });
  const input = b.input('input', inputShape);
  const result = body(b, input);
  const outputs: readonly Value[] = 'name' in result ? [result] : result;
  outputs.forEach((value, i) => b.output(value, outputs.length === 1 ? 'output' : `output_${i}`));
  return b.build(options.build);
}

/** Conv with 'same' padding for an odd kernel: the most common layer in the fixtures. */
export function conv3(b: ModelBuilder, x: Value, out: number, name?: string): Value {
  return b.conv(x, out, { kernel: 3, pads: 1, name });
}
