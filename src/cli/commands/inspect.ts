import { formatSummary } from '../../core/inspect/format';
import { summarizeModel } from '../../core/inspect/summary';
import { withModelErrors } from '../../core/onnx/errors';
import { ModelView } from '../../core/onnx/modelView';
import { openModel } from '../../core/onnx/reader';
import type { CliIO } from '../io';
import { inputSizesFor } from './dimOptions';

export function inspectCommand(path: string, options: { json?: boolean; dim?: string[] }, io: CliIO): void {
  // --dim sizes symbolic input dims for the MACs (checked against the model's inputs first).
  const { inputShapes } = inputSizesFor(path, options.dim);
  const summary = withModelErrors(path, () => {
    const file = openModel(path);
    try {
      return summarizeModel(new ModelView(file), { inputShapes });
    } finally {
      file.close();
    }
  });
  if (options.json) io.json(summary);
  else io.stdout(`${formatSummary(summary)}\n`);
}
