import type { ImageChannels, ImageLayout } from '../../core/calib/imageTensor';
import type { ImageFeedOptions } from '../../runtime/calibImages';
import { CliError } from '../exit';

/** The command-line options that say how calibration pictures become inputs. */
export interface CalibCliOptions {
  calib?: string;
  calibSize?: string;
  calibLayout?: string;
  calibChannels?: string;
  calibRange?: string;
  /** `--dim NAME=SIZE`, each use (see dimOptions.ts): sizes of symbolic dims for random inputs. */
  dim?: string[];
}

/** Parses --calib-size HxW, --calib-layout, --calib-channels and --calib-range LOW,HIGH. */
export function imageFeedOptions(options: CalibCliOptions): ImageFeedOptions {
  const result: ImageFeedOptions = {};
  if (options.calibSize !== undefined) {
    const match = /^(\d+)[x×](\d+)$/i.exec(options.calibSize.trim());
    const [h, w] = match ? [Number(match[1]), Number(match[2])] : [0, 0];
    if (!match || h < 1 || w < 1 || h > 8192 || w > 8192)
      throw new CliError(`--calib-size must be HxW (1–8192 each), not '${options.calibSize}'.`);
    result.size = [h, w];
  }
  if (options.calibLayout !== undefined) {
    if (!['nchw', 'nhwc'].includes(options.calibLayout))
      throw new CliError(`unknown --calib-layout '${options.calibLayout}': use nchw or nhwc.`);
    result.layout = options.calibLayout as ImageLayout;
  }
  if (options.calibChannels !== undefined) {
    if (!['rgb', 'bgr', 'grey', 'rgba'].includes(options.calibChannels))
      throw new CliError(`unknown --calib-channels '${options.calibChannels}': use rgb, bgr, grey or rgba.`);
    result.channels = options.calibChannels as ImageChannels;
  }
  if (options.calibRange !== undefined) {
    const parts = options.calibRange.split(',').map((s) => Number(s.trim()));
    if (parts.length !== 2 || !parts.every(Number.isFinite) || parts[0] === parts[1])
      throw new CliError(
        `--calib-range must be LOW,HIGH (two different numbers), not '${options.calibRange}'.`,
      );
    result.range = [parts[0], parts[1]];
  }
  return result;
}
