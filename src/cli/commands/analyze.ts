import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { analyzeModel } from '../../core/analyze/analyze';
import { formatAnalysis } from '../../core/analyze/formatText';
import { toSarif } from '../../core/analyze/sarif';
import { withModelErrors } from '../../core/onnx/errors';
import { describeFsError } from '../../core/onnx/fileSource';
import { sha256Of } from '../../core/onnx/hash';
import { parsePlan, planDiagnostics } from '../../core/plan';
import { planModelNote } from './planNote';
import { ModelView } from '../../core/onnx/modelView';
import { openModel } from '../../core/onnx/reader';
import { CliError, EXIT } from '../exit';
import { oneLine } from '../../core/text';
import { pushAll } from '../../core/lists';
import type { CliIO } from '../io';
import { version } from '../../../package.json';

function readPlan(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`${path}: ${describeFsError(error)}`);
  }
}

export interface AnalyzeOptions {
  format?: string;
  plan?: string;
  /** The text form lists every group and finding (it sums up the rest of a large model's). */
  all?: boolean;
}

/** `onnx-pruner analyze`: groups and findings; exit 1 when a finding is an error. */
export function analyzeCommand(path: string, options: AnalyzeOptions, io: CliIO): number {
  const format = options.format ?? 'text';
  if (!['text', 'json', 'sarif'].includes(format))
    throw new CliError(`unknown format '${format}': use text, json or sarif.`);
  const planText = options.plan === undefined ? undefined : readPlan(options.plan);
  const report = withModelErrors(path, () => {
    // External data problems become IO001 findings: the structure is analysable without the weights.
    const file = openModel(path, { checkExternalData: false });
    try {
      const { report, roots } = analyzeModel(new ModelView(file));
      if (planText !== undefined) {
        const doc = parsePlan(planText);
        const note = planModelNote(options.plan!, doc.partial.model, path);
        if (note) io.stderr(`${oneLine(note)}\n`);
        const modelSha256 = doc.partial.modelSha256 ? sha256Of(file.source) : undefined;
        const planFindings = planDiagnostics(doc, roots, { modelSha256, groups: report.groups });
        pushAll(
          report.diagnostics,
          planFindings.map((d) => ({ ...d, file: options.plan })),
        );
      }
      return report;
    } finally {
      file.close();
    }
  });
  if (format === 'json') io.json(report);
  else if (format === 'sarif') io.json(toSarif(report, relative(process.cwd(), path) || path, version));
  else io.stdout(`${formatAnalysis(report, { all: options.all })}\n`);
  return report.diagnostics.some((d) => d.severity === 'error') ? EXIT.findings : EXIT.ok;
}
