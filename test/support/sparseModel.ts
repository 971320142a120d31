// A model over 2 GiB written in a moment: one float initializer whose raw_data is a hole at the end of a sparse
// file (zeros, never written). Its length prefixes are encoded by hand so the data can be last in the file.
import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { toLong } from '../../src/core/onnx/int64';
import { onnx } from '../../src/core/onnx/proto/onnx.js';

function varint(n: number): Uint8Array {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return Uint8Array.from(out);
}

/** Y = X + W, with W a float tensor of `bytes` bytes (a multiple of 4) of zeros. Returns the file size. */
export function writeSparseBigModel(path: string, bytes: number): number {
  const elements = bytes / 4;
  const info = (name: string) => ({
    name,
    type: { tensor_type: { elem_type: 1, shape: { dim: [{ dim_value: toLong(elements) }] } } },
  });
  const graphHead = onnx.GraphProto.encode({
    node: [{ op_type: 'Add', name: 'add', input: ['X', 'W'], output: ['Y'] }],
    name: 'big',
    input: [info('X')],
    output: [info('Y')],
  }).finish();
  const tensorHead = Buffer.concat([
    onnx.TensorProto.encode({ dims: [toLong(elements)], data_type: 1, name: 'W' }).finish(),
    Uint8Array.of((9 << 3) | 2),
    varint(bytes),
  ]);
  const tensorLength = tensorHead.length + bytes;
  const graphTail = Buffer.concat([Uint8Array.of((5 << 3) | 2), varint(tensorLength), tensorHead]);
  const graphLength = graphHead.length + graphTail.length + bytes;
  const head = Buffer.concat([
    onnx.ModelProto.encode({
      ir_version: toLong(8),
      opset_import: [{ domain: '', version: toLong(17) }],
      producer_name: 'e2e',
    }).finish(),
    Uint8Array.of((7 << 3) | 2),
    varint(graphLength),
    graphHead,
    graphTail,
  ]);
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, head);
    ftruncateSync(fd, head.length + bytes);
  } finally {
    closeSync(fd);
  }
  return head.length + bytes;
}
