import { formatSummary } from '../../core/inspect/format';
import { summarizeModel } from '../../core/inspect/summary';
import { withModelErrors } from '../../core/onnx/errors';
import { ModelView } from '../../core/onnx/modelView';
import { openModel } from '../../core/onnx/reader';
import type { CliIO } from '../io';
import { checkedSizes, inputDimsOption } from './dimOptions';

export function inspectCommand(path: string, options: { json?: boolean; dim?: string[] }, io: CliIO): void {
  // --dim sizes symbolic input dims for the MACs: read before the model (a usage error is said first), and
  // checked against the inputs of the model as opened.
  const dims = inputDimsOption(options.dim);
  const summary = withModelErrors(path, () => {
    const file = openModel(path);
    try {
      const view = new ModelView(file);
      const { inputShapes } = checkedSizes(path, view.graph.inputs, dims);
      return summarizeModel(view, { inputShapes });
    } finally {
      file.close();
    }
  });
  if (options.json) io.json(summary);
  else io.stdout(`${formatSummary(summary)}\n`);
}
