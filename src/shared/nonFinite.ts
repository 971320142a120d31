// Counts of NaN and infinite output elements, and what they mean for a fidelity figure: shared by the core's
// metrics, the shells' reports and the page (which imports from src/ only what src/shared holds).

/** An output's elements that are NaN or infinite, over every sample. */
export interface NonFiniteCount {
  /** Elements compared in all. */
  elements: number;
  /** Elements finite in both outputs: what the metrics are worked out over. */
  finite: number;
  /** Elements non-finite in the original's output. */
  original: number;
  /** Elements non-finite in the compared model's output. */
  compared: number;
  /** Elements where the two differ: finite in one only, or two different non-finite values (NaN, +∞, −∞). */
  mismatched: number;
}

/** A fidelity figure's counts: absent when every element was finite. */
interface WithNonFinite {
  nonFinite?: NonFiniteCount;
}

/** Whether the compared model's output is NaN or infinite where the original's is not, or the other way round. */
export function diverges(o: WithNonFinite): boolean {
  return (o.nonFinite?.mismatched ?? 0) > 0;
}

/** Whether the metrics say anything: some element is finite in both outputs. */
export function measured(o: WithNonFinite): boolean {
  return o.nonFinite === undefined || o.nonFinite.finite > 0;
}

/**
 * "40 of 120 elements NaN or infinite in both models, 3 NaN or infinite in one model only (or differently)";
 * empty when every element was finite.
 */
export function describeNonFinite(o: WithNonFinite): string {
  const n = o.nonFinite;
  if (!n) return '';
  const both = n.elements - n.finite - n.mismatched;
  const parts: string[] = [];
  if (both > 0) parts.push(`${both} of ${n.elements} elements NaN or infinite in both models`);
  if (n.mismatched > 0)
    parts.push(
      `${n.mismatched} ${both > 0 ? '' : `of ${n.elements} elements `}NaN or infinite in one model only (or differently)`,
    );
  return parts.join(', ');
}
