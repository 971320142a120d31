import type { onnx } from './proto/onnx.js';
import { toSafeNumber } from './int64';

const decoder = new TextDecoder();

/** Typed access to a node's attributes, with int64 values checked into numbers. */
export class Attributes {
  private readonly byName: Map<string, onnx.AttributeProto.$Properties>;

  constructor(readonly list: readonly onnx.AttributeProto.$Properties[]) {
    this.byName = new Map(list.map((a) => [a.name ?? '', a]));
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  get(name: string): onnx.AttributeProto.$Properties | undefined {
    return this.byName.get(name);
  }

  int(name: string): number | undefined;
  int(name: string, fallback: number): number;
  int(name: string, fallback?: number): number | undefined {
    const a = this.byName.get(name);
    return a ? toSafeNumber(a.i, `attribute ${name}`) : fallback;
  }

  ints(name: string): number[] | undefined {
    const a = this.byName.get(name);
    return a ? (a.ints ?? []).map((v) => toSafeNumber(v, `attribute ${name}`)) : undefined;
  }

  float(name: string): number | undefined;
  float(name: string, fallback: number): number;
  float(name: string, fallback?: number): number | undefined {
    const a = this.byName.get(name);
    return a ? (a.f ?? 0) : fallback;
  }

  floats(name: string): number[] | undefined {
    return this.byName.get(name)?.floats ?? undefined;
  }

  string(name: string): string | undefined;
  string(name: string, fallback: string): string;
  string(name: string, fallback?: string): string | undefined {
    const a = this.byName.get(name);
    return a ? decoder.decode(a.s ?? new Uint8Array(0)) : fallback;
  }

  strings(name: string): string[] | undefined {
    return this.byName.get(name)?.strings?.map((s) => decoder.decode(s));
  }

  tensor(name: string): onnx.TensorProto.$Properties | undefined {
    return this.byName.get(name)?.t ?? undefined;
  }

  graph(name: string): onnx.GraphProto.$Properties | undefined {
    return this.byName.get(name)?.g ?? undefined;
  }
}
