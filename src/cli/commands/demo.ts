import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { analyzeModel } from '../../core/analyze/analyze';
import { formatAnalysis } from '../../core/analyze/formatText';
import { ModelView } from '../../core/onnx/modelView';
import { openModel } from '../../core/onnx/reader';
import type { CliIO } from '../io';
import { pruneCommand } from './prune';

/** The bundled sample, media/sample/ at the package root (found from wherever this bundle runs). */
function samplePath(): string {
  for (let dir = __dirname, i = 0; i < 5; i++, dir = dirname(dir)) {
    const path = join(dir, 'media', 'sample', 'edsr-x4.onnx');
    if (existsSync(path)) return path;
  }
  return resolve(__dirname, '..', 'media', 'sample', 'edsr-x4.onnx');
}

/** The sample's calibration pictures (media/sample/calib/: crops of public-domain and CC0 photos). */
function sampleCalibration(): string {
  return join(dirname(samplePath()), 'calib');
}

/**
 * `onnx-pruner demo` (npm run demo): the whole journey on the bundled sample. Analyse it (the pixel shuffles
 * make its upsampling convs prune in blocks of 4), prune it, verify the plain prune in ONNX Runtime against
 * the masked original, with the speed-up, then reconstruct it from the sample's calibration pictures and show
 * the fidelity (PSNR vs the original) of the prune with and without reconstruction.
 */
export async function demoCommand(options: { ratio: string; out: string }, io: CliIO): Promise<number> {
  const sample = samplePath();
  const file = openModel(sample);
  try {
    io.stdout(`== analyse\n${formatAnalysis(analyzeModel(new ModelView(file)).report)}\n\n`);
  } finally {
    file.close();
  }
  mkdirSync(options.out, { recursive: true });
  const output = join(options.out, 'edsr-x4.pruned.onnx');
  io.stdout(`== prune (ratio ${options.ratio}), verify, and reconstruct from calibration pictures\n`);
  return pruneCommand(
    sample,
    {
      output,
      ratio: options.ratio,
      verify: true,
      reconstruct: true,
      calib: sampleCalibration(),
      report: join(options.out, 'report.json'),
      reportMd: join(options.out, 'report.md'),
    },
    io,
  );
}
