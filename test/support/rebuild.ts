import { withChanges } from '../../src/core/onnx/edit';
import type { ModelFile } from '../../src/core/onnx/modelFile';
import type { onnx } from '../../src/core/onnx/proto/onnx.js';
import { CONTAINER_FIELDS, type ContainerType } from '../../src/core/onnx/schema';

type Message = Record<string, unknown>;

/**
 * A copy of the model in which every container message (model, graphs, nodes, attributes, …) is a new
 * object, so the writer must encode them all anew. Tensors stay as they are (their data is copied by range)
 * unless `rewriteTensors` is set: then each tensor is a new object too, with its raw data attached as a range.
 */
export function rebuildAll(model: ModelFile, rewriteTensors = false): onnx.ModelProto.$Properties {
  const rebuild = (type: ContainerType, message: Message): Message => {
    if (type === 'Tensor') {
      if (!rewriteTensors) return message;
      const copy = withChanges(message, {});
      const where = model.locate(message as onnx.TensorProto.$Properties);
      if (where.kind === 'raw')
        model.setTensorData(copy, [{ source: model.source, start: where.start, end: where.end }]);
      else return message; // typed fields and external data keep their own form
      return copy;
    }
    const changes: Message = {};
    for (const field of CONTAINER_FIELDS[type]) {
      if (!field.container || !Object.hasOwn(message, field.name) || message[field.name] == null) continue;
      const value = message[field.name];
      changes[field.name] = field.repeated
        ? (value as Message[]).map((child) => rebuild(field.container!, child))
        : rebuild(field.container, value as Message);
    }
    return withChanges(message, changes);
  };
  return rebuild('Model', model.proto as unknown as Message) as onnx.ModelProto.$Properties;
}
