import { formatSummary } from '../../core/inspect/format';
import { summarizeModel } from '../../core/inspect/summary';
import { withModelErrors } from '../../core/onnx/errors';
import { ModelView } from '../../core/onnx/modelView';
import { openModel } from '../../core/onnx/reader';
import type { CliIO } from '../io';

export function inspectCommand(path: string, options: { json?: boolean }, io: CliIO): void {
  const summary = withModelErrors(path, () => {
    const file = openModel(path);
    try {
      return summarizeModel(new ModelView(file));
    } finally {
      file.close();
    }
  });
  if (options.json) io.json(summary);
  else io.stdout(`${formatSummary(summary)}\n`);
}
