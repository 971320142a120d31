import { CODES, type DiagnosticCode } from './codes';
import type { Diagnostic } from './types';

/**
 * A finding of `code`, its severity from the catalogue (CODES). The fields keep the order the JSON output has
 * always had: code, severity, then `fields` in the order given.
 */
export function diagnostic(code: DiagnosticCode, fields: Omit<Diagnostic, 'code' | 'severity'>): Diagnostic {
  return { code, severity: CODES[code].severity, ...fields };
}
