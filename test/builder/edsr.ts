// An EDSR-like x4 super-resolution network (Lim et al. 2017), named the way torch.onnx exports the
// reference implementation: head conv, residual body with a global skip, two x2 upsamplers of
// Conv(C -> 4C) + DepthToSpace(CRD), tail conv. It is the sample model the extension ships and the
// showcase of pruning through a pixel shuffle: each upsampler conv can only lose channels in blocks of 4.
import { ModelBuilder } from './model-builder';
import type { Built } from './serialize';
import type { Dim, Value } from './types';

export interface EdsrOptions {
  /** Feature channels; default 32. */
  readonly channels?: number;
  /** Residual blocks; default 4. */
  readonly blocks?: number;
  /** Input height and width; default 32 (output 4x that). */
  readonly inputSize?: number;
  /** Batch dimension; default the symbolic 'N'. */
  readonly batch?: Dim;
  readonly seed?: number;
  readonly producerName?: string;
}

export function buildEdsrX4(options: EdsrOptions = {}): Built {
  const channels = options.channels ?? 32;
  const blocks = options.blocks ?? 4;
  const size = options.inputSize ?? 32;
  const b = new ModelBuilder({
    opset: 17,
    seed: options.seed ?? 2017,
    producerName: options.producerName ?? 'onnx-pruner-sample',
    producerVersion: '0.1.0',
    docString:
      'EDSR-like x4 super-resolution network with seeded random weights: head conv, ' +
      `${blocks} residual blocks with a global skip, two Conv + DepthToSpace(CRD, 2) upsamplers, tail conv.`,
    metadata: { architecture: 'EDSR', upscale: '4', pixel_shuffle: 'DepthToSpace CRD' },
  });
  const conv3x3 = (x: Value, out: number, name: string) => b.conv(x, out, { kernel: 3, pads: 1, name });

  const input = b.input('input', [options.batch ?? 'N', 3, size, size]);
  const head = conv3x3(input, channels, '/head/head.0/Conv');
  let body = head;
  for (let i = 0; i < blocks; i++) {
    const scope = `/body/body.${i}/body`;
    let y = conv3x3(body, channels, `${scope}/body.0/Conv`);
    y = b.relu(y, { name: `${scope}/body.1/Relu` });
    y = conv3x3(y, channels, `${scope}/body.2/Conv`);
    body = b.add(y, body, { name: `/body/body.${i}/Add` });
  }
  body = conv3x3(body, channels, `/body/body.${blocks}/Conv`);
  let y = b.add(body, head, { name: '/Add' });
  for (const stage of [0, 2]) {
    y = conv3x3(y, 4 * channels, `/tail/tail.0/tail.0.${stage}/Conv`);
    y = b.depthToSpace(y, 2, { mode: 'CRD', name: `/tail/tail.0/tail.0.${stage + 1}/DepthToSpace` });
  }
  y = conv3x3(y, 3, '/tail/tail.1/Conv');
  b.output(y, 'output');
  return b.build();
}
