// Fixtures for file-format variety rather than topology: external data, typed tensor fields, initializers
// listed as inputs, metadata/doc strings/value_info, an old opset, and a small EDSR.
import type { Built } from './serialize';
import { buildEdsrX4 } from './edsr';
import { buildModel, conv3 } from './fixture-kit';
import type { ModelBuilder } from './model-builder';
import type { Value } from './types';

/** conv 3->16 -> relu -> channel shuffle -> conv 16->16 -> conv 16->4: large weights plus int64 shapes. */
function storageNet(b: ModelBuilder, x: Value): Value {
  let y = b.relu(conv3(b, x, 16, '/conv1/Conv'));
  y = b.channelShuffle(y, 2, { scope: '/shuffle' });
  y = b.relu(conv3(b, y, 16, '/conv2/Conv'));
  return conv3(b, y, 4, '/conv3/Conv');
}

/** Initializers of 1 KiB or more live in 'external-data.onnx.data' (conv2's 9 KiB weight, conv1's, conv3's). */
export function externalData(): Built {
  return buildModel([1, 3, 8, 8], storageNet, {
    seed: 3,
    build: { externalData: { location: 'external-data.onnx.data', threshold: 1024 } },
  });
}

/** Same graph and weights as external-data, but some tensors in float_data / int64_data instead of raw_data. */
export function typedFields(): Built {
  return buildModel([1, 3, 8, 8], storageNet, {
    seed: 3,
    build: { typedFields: ['conv1.weight', 'conv2.bias', 'conv3.weight', 'shuffle.shape'] },
  });
}

/** The storageNet with everything inline as raw_data: the reference for external-data and typed-fields. */
export function inlineStorage(): Built {
  return buildModel([1, 3, 8, 8], storageNet, { seed: 3 });
}

/** Initializers repeated in graph.input (IR 3 style, still written by some exporters), opset 9. */
export function initializersAsInputs(): Built {
  return buildModel(
    [1, 3, 8, 8],
    (b, x) => conv3(b, b.relu(b.batchNorm(conv3(b, x, 8, '/conv1/Conv'))), 4, '/conv2/Conv'),
    { opset: 9, build: { initializersAsInputs: true } },
  );
}

/** metadata_props, model/graph/node doc strings, value_info for every intermediate, and a chosen IR version. */
export function metadataDocs(): Built {
  return buildModel(
    [1, 3, 8, 8],
    (b, x) => {
      const y = b.relu(b.conv(x, 8, { kernel: 3, pads: 1, name: '/conv1/Conv', doc: 'first conv' }), {
        doc: 'relu',
      });
      return conv3(b, y, 4, '/conv2/Conv');
    },
    {
      model: {
        irVersion: 9,
        producerName: 'fixture-producer',
        docString: 'a model with every optional string filled in',
        graphDocString: 'the main graph',
        metadata: { author: 'onnx-pruner tests', license: 'MIT' },
      },
      build: { valueInfo: true },
    },
  );
}

/** Opset 9 encodings: Clip/Slice/Unsqueeze/Dropout attributes, Split attribute, Upsample instead of Resize. */
export function legacyOpset9(): Built {
  return buildModel(
    [1, 3, 4, 4],
    (b, x) => {
      let y = b.relu6(conv3(b, x, 8, '/conv1/Conv'));
      y = b.dropout(b.slice(y, [{ axis: 1, start: 0, end: 6 }]), 0.2);
      const [a, c] = b.split(y, [2, 4]);
      y = b.concat([b.resize(a, { scale: 2 }), b.resize(c, { scale: 2 })]);
      const pooled = b.squeeze(b.unsqueeze(b.globalAveragePool(y), [4]), [4]);
      return [conv3(b, y, 3, '/conv2/Conv'), pooled];
    },
    { opset: 9 },
  );
}

/** The sample EDSR at fixture size: 16 channels, 2 residual blocks, 8x8 input, symbolic batch. */
export const edsrX4Small = (): Built => buildEdsrX4({ channels: 16, blocks: 2, inputSize: 8, seed: 1 });

/**
 * Every conv weight and bias a ConstantOfShape output (one value everywhere), as in ONNX's light_* test
 * models: pruning rewrites the shape constants, and the masked original must materialise them to zero slices.
 */
export function constantOfShapeWeights(): Built {
  return buildModel([1, 3, 8, 8], (b, x) => {
    const conv = (y: Value, out: number, name: string) =>
      b.conv(y, out, { kernel: 3, pads: 1, weightSource: 'constant-of-shape', name });
    let y = b.relu(conv(x, 8, '/conv1/Conv'));
    y = b.relu(conv(y, 12, '/conv2/Conv'));
    return conv(y, 4, '/conv3/Conv');
  });
}
