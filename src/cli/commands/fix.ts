import { resolve } from 'node:path';
import { analyzeModel } from '../../core/analyze/analyze';
import { withModelErrors } from '../../core/onnx/errors';
import { MODEL_FIX_CODES, type ModelFixCode, fixModel } from '../../core/fix/modelFixes';
import { ModelView } from '../../core/onnx/modelView';
import { openModel } from '../../core/onnx/reader';
import { writeModel } from '../../core/onnx/writer';
import { CliError } from '../exit';
import { oneLine } from '../../core/text';

/** `onnx-pruner fix MODEL --code CODE [--node NODE] -o OUT`: applies a model-level fix and saves atomically. */
export function fixCommand(
  model: string,
  options: { code: string; node?: string; output: string },
  io: { stdout(text: string): void },
): void {
  const code = options.code.toUpperCase();
  if (!(MODEL_FIX_CODES as readonly string[]).includes(code)) {
    throw new CliError(
      `${code} has no model fix: model fixes exist for ${MODEL_FIX_CODES.slice(0, -1).join(', ')} and ${MODEL_FIX_CODES.at(-1)} (plan fixes are applied in the plan).`,
    );
  }
  if (resolve(options.output) === resolve(model))
    throw new CliError('-o must name a new file, not the model itself.');
  const { fixed, files } = withModelErrors(model, () => {
    const file = openModel(model);
    try {
      const result = fixModel(file, analyzeModel(new ModelView(file)), code as ModelFixCode, options.node);
      const { files } = writeModel(file, result.proto, options.output);
      return { fixed: result.fixed, files };
    } finally {
      file.close();
    }
  });
  io.stdout(
    `${oneLine(`${options.output}: ${code} fixed at ${fixed.map((n) => `'${n}'`).join(', ')}.`)}\n${oneLine(`Wrote ${files.join(', ')}.`)}\n`,
  );
}
