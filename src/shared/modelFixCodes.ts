/**
 * The diagnostic codes whose fix rewrites the model (the others are plan fixes, or have none): the pages'
 * Fix buttons, the messages from the page and `onnx-pruner fix` accept these alone (core/fix/modelFixes.ts).
 */
export const MODEL_FIX_CODES = ['PS002', 'PS003', 'PR001', 'PR003'] as const;
export type ModelFixCode = (typeof MODEL_FIX_CODES)[number];

export function isModelFixCode(code: unknown): code is ModelFixCode {
  return (MODEL_FIX_CODES as readonly unknown[]).includes(code);
}
