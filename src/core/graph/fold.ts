import { DataType } from '../onnx/dataTypes';
import type { NodeView } from '../onnx/modelView';
import { type InputFacts, SMALL_CONSTANT, sliceIndices } from './facts';

type Values = (number | undefined)[];

/**
 * Most elements one folded value keeps. Exporters fold shapes (a handful of elements); a Concat of a value
 * with itself doubles it, so a chain of a few dozen would otherwise fill the heap from a file of a kilobyte.
 */
export const MAX_FOLDED_ELEMENTS = 1024;
/** All folded values of one analysis together (at 8 bytes an element, 8 MiB). */
export const MAX_FOLDED_TOTAL = 1 << 20;

/**
 * What the folding of one analysis may still keep. A value over a limit is not folded (it stays unknown, as
 * anything that depends on a symbolic dim does), and the refusal is counted so the inference can say which
 * values it left unknown for that reason.
 */
export class FoldBudget {
  refusals = 0;

  /** `used`: what an earlier inference folded, when this one reuses its facts (inferShapes). */
  constructor(public used = 0) {}

  /** True, and counted, when `count` more elements may be kept; otherwise a refusal. */
  take(count: number): boolean {
    if (count > MAX_FOLDED_ELEMENTS || this.used + count > MAX_FOLDED_TOTAL) {
      this.refusals++;
      return false;
    }
    this.used += count;
    return true;
  }
}

const INTEGER = new Set<number>([
  DataType.INT64,
  DataType.INT32,
  DataType.INT16,
  DataType.INT8,
  DataType.UINT8,
]);

/**
 * Constant folding of the small integer subgraphs exporters use to compute Reshape shapes
 * (Shape → Gather → Unsqueeze → Concat, with Mul/Div for the block sizes), so the dynamic-shape forms of the
 * pixel shuffle are recognised. An element that depends on something unknown (a symbolic batch) stays
 * undefined rather than guessed.
 */
export function foldValue(node: NodeView, input: InputFacts, budget: FoldBudget): Values | undefined {
  const values = node.inputs.map((_, i) => input(i)?.value);
  switch (node.opType) {
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div': {
      if (!values[0] || !values[1]) return undefined;
      const integer = INTEGER.has(input(0)?.dtype ?? DataType.INT64);
      return kept(
        binary(values[0], values[1], (a, b) => arithmetic(node.opType, a, b, integer)),
        budget,
      );
    }
    case 'Concat': {
      if (!values.every((v) => v)) return undefined;
      // Counted before the copy: the copy is what would not fit.
      const length = (values as Values[]).reduce((n, v) => n + v.length, 0);
      return budget.take(length) ? (values as Values[]).flat() : undefined;
    }
    case 'Gather': {
      const data = values[0];
      const indices = values[1];
      if (!data || !indices || (input(0)?.shape?.length ?? 0) !== 1 || !budget.take(indices.length))
        return undefined;
      return indices.map((i) => (i === undefined ? undefined : data[i < 0 ? i + data.length : i]));
    }
    case 'Slice': {
      const data = values[0];
      if (!data || (input(0)?.shape?.length ?? 0) !== 1) return undefined;
      const [starts, ends, , steps] = [values[1], values[2], values[3], values[4]];
      if (!starts || !ends || starts[0] === undefined || ends[0] === undefined) return undefined;
      const step = steps?.[0] ?? 1;
      const indices = step === undefined ? undefined : sliceIndices(data.length, starts[0], ends[0], step);
      return (
        indices &&
        kept(
          indices.map((i) => data[i]),
          budget,
        )
      );
    }
    default:
      return undefined;
  }
}

/** A folded value, when the budget takes it. */
function kept(out: Values | undefined, budget: FoldBudget): Values | undefined {
  return out && budget.take(out.length) ? out : undefined;
}

function arithmetic(op: string, a: number, b: number, integer: boolean): number | undefined {
  switch (op) {
    case 'Add':
      return a + b;
    case 'Sub':
      return a - b;
    case 'Mul':
      return a * b;
    default:
      if (b === 0) return undefined;
      return integer ? Math.trunc(a / b) : a / b;
  }
}

function binary(a: Values, b: Values, op: (x: number, y: number) => number | undefined): Values | undefined {
  const n = Math.max(a.length, b.length);
  if (n > SMALL_CONSTANT || (a.length !== n && a.length !== 1) || (b.length !== n && b.length !== 1))
    return undefined;
  return Array.from({ length: n }, (_, i) => {
    const x = a[a.length === 1 ? 0 : i];
    const y = b[b.length === 1 ? 0 : i];
    return x === undefined || y === undefined ? undefined : op(x, y);
  });
}
