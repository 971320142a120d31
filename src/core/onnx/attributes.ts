import type { onnx } from './proto/onnx.js';
import { toSafeNumber } from './int64';

const decoder = new TextDecoder();

/** Typed access to a node's attributes, with int64 values checked into numbers. */
export class Attributes {
  // A node has a handful of attributes: a scan beats building a Map for each of thousands of nodes. A long
  // list (a custom op's) gets its Map on first use.
  private byName: Map<string, onnx.AttributeProto.$Properties> | undefined;

  constructor(readonly list: readonly onnx.AttributeProto.$Properties[]) {}

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** The attribute of that name (the last one, should a broken file repeat a name). */
  get(name: string): onnx.AttributeProto.$Properties | undefined {
    const list = this.list;
    if (list.length > 16) return (this.byName ??= new Map(list.map((a) => [a.name ?? '', a]))).get(name);
    for (let i = list.length - 1; i >= 0; i--) if ((list[i].name ?? '') === name) return list[i];
    return undefined;
  }

  int(name: string): number | undefined;
  int(name: string, fallback: number): number;
  int(name: string, fallback?: number): number | undefined {
    const a = this.get(name);
    return a ? toSafeNumber(a.i, `attribute ${name}`) : fallback;
  }

  ints(name: string): number[] | undefined {
    const a = this.get(name);
    return a ? (a.ints ?? []).map((v) => toSafeNumber(v, `attribute ${name}`)) : undefined;
  }

  float(name: string): number | undefined;
  float(name: string, fallback: number): number;
  float(name: string, fallback?: number): number | undefined {
    const a = this.get(name);
    return a ? (a.f ?? 0) : fallback;
  }

  floats(name: string): number[] | undefined {
    return this.get(name)?.floats ?? undefined;
  }

  string(name: string): string | undefined;
  string(name: string, fallback: string): string;
  string(name: string, fallback?: string): string | undefined {
    const a = this.get(name);
    return a ? decoder.decode(a.s ?? new Uint8Array(0)) : fallback;
  }

  strings(name: string): string[] | undefined {
    return this.get(name)?.strings?.map((s) => decoder.decode(s));
  }

  tensor(name: string): onnx.TensorProto.$Properties | undefined {
    return this.get(name)?.t ?? undefined;
  }

  graph(name: string): onnx.GraphProto.$Properties | undefined {
    return this.get(name)?.g ?? undefined;
  }
}
