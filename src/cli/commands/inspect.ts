import { formatSummary } from '../../core/inspect/format';
import { summarizeModel } from '../../core/inspect/summary';
import { ModelView } from '../../core/onnx/modelView';
import { openModel } from '../../core/onnx/reader';
import type { CliIO } from '../program';

export function inspectCommand(path: string, options: { json?: boolean }, io: CliIO): void {
  const file = openModel(path);
  try {
    const summary = summarizeModel(new ModelView(file));
    io.stdout(options.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatSummary(summary)}\n`);
  } finally {
    file.close();
  }
}
