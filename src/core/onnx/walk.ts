import type { onnx } from './proto/onnx.js';
import { nodeTableOf } from './nodeTable';
import { CONTAINER_FIELDS, type ContainerType } from './schema';

/** Visits the value(s) of one field: every element of a repeated field, or a singular field when set. */
function forEachValue(
  message: Record<string, unknown>,
  name: string,
  repeated: boolean,
  visit: (child: Record<string, unknown>) => void,
): void {
  const value = message[name];
  if (repeated) for (const child of (value as Record<string, unknown>[] | undefined) ?? []) visit(child);
  else if (value != null && Object.hasOwn(message, name)) visit(value as Record<string, unknown>);
}

/**
 * Calls `visit` on every container child; stops and returns true as soon as it returns true. `messagesOnly`:
 * of a graph read with a node table, only the nodes that are messages already (a node of the table holds no
 * container, its attributes being leaves), so that looking for what nodes hold makes no node messages.
 */
export function forEachChild(
  type: ContainerType,
  message: Record<string, unknown>,
  visit: (type: ContainerType, child: Record<string, unknown>) => boolean,
  messagesOnly = false,
): boolean {
  for (const field of CONTAINER_FIELDS[type]) {
    if (!field.container) continue;
    let hit = false;
    const table = messagesOnly && field.container === 'Node' ? nodeTableOf(message) : undefined;
    if (table) {
      for (let i = 0; i < table.count && !hit; i++) {
        const node = table.protos[i];
        if (node) hit = visit('Node', node as Record<string, unknown>);
      }
    } else
      forEachValue(message, field.name, field.repeated, (child) => {
        hit ||= visit(field.container!, child);
      });
    if (hit) return true;
  }
  return false;
}

/**
 * Every TensorProto in the model, wherever it sits (initializers, Constant nodes, subgraphs, functions), in
 * the order of the fields that hold them; no node message is made for it (see forEachChild).
 */
export function collectTensors(proto: onnx.ModelProto.$Properties): onnx.TensorProto.$Properties[] {
  const out: onnx.TensorProto.$Properties[] = [];
  const visit = (type: ContainerType, message: Record<string, unknown>) => {
    if (type === 'Tensor') out.push(message as onnx.TensorProto.$Properties);
    forEachChild(
      type,
      message,
      (childType, child) => {
        visit(childType, child);
        return false;
      },
      true,
    );
  };
  visit('Model', proto as Record<string, unknown>);
  return out;
}
