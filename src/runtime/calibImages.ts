import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import {
  CHANNEL_COUNT,
  type ImageChannels,
  type ImageLayout,
  type RgbaImage,
  imageToTensor,
} from '../core/calib/imageTensor';
import { OnnxError } from '../core/onnx/errors';
import type { ValueMeta } from '../protocol/runtime';

/** Pictures larger than this are refused before decoding (a hostile header could ask for gigabytes). */
const MAX_PIXELS = 40_000_000;
/** Height and width given to dynamic spatial dims when the user names none. */
const DEFAULT_IMAGE_SIDE = 128;

export const IMAGE_FILE = /\.(png|jpe?g)$/i;

/** How pictures become inputs; every field is optional and defaults from the model's declared input. */
export interface ImageFeedOptions {
  layout?: ImageLayout;
  channels?: ImageChannels;
  range?: readonly [number, number];
  /** Height and width for inputs whose spatial dims are not fixed. */
  size?: readonly [number, number];
}

/** The choices made for one model, to be said in the report. */
export interface ImageFeedChoices {
  layout: ImageLayout;
  channels: ImageChannels;
  range: readonly [number, number];
  height: number;
  width: number;
  /** Whether height and width came from the model (fixed dims) or from the option/default. */
  sizeFrom: 'model' | 'option' | 'default';
}

/** Decodes a PNG or JPEG file's bytes into 8-bit RGBA. */
export function decodeImage(bytes: Uint8Array, path: string): RgbaImage {
  const png = bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  const jpg = bytes[0] === 0xff && bytes[1] === 0xd8;
  if (!png && !jpg) throw new OnnxError('unreadable', `${path} is neither a PNG nor a JPEG file.`, path);
  try {
    if (png) {
      // The IHDR chunk comes first: its size is checked before anything is allocated.
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const width = bytes.length >= 24 ? view.getUint32(16) : 0;
      const height = bytes.length >= 24 ? view.getUint32(20) : 0;
      if (width * height > MAX_PIXELS)
        throw new Error(`${width}×${height} pixels is more than this tool reads`);
      const decoded = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: decoded.width, height: decoded.height, data: new Uint8Array(decoded.data) };
    }
    const decoded = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      maxResolutionInMP: MAX_PIXELS / 1e6,
      maxMemoryUsageInMB: 512,
    });
    return { width: decoded.width, height: decoded.height, data: decoded.data };
  } catch (error) {
    throw new OnnxError(
      'unreadable',
      `${path}: cannot decode the picture (${(error as Error).message}).`,
      path,
    );
  }
}

/** What the model's single input takes, from its declared shape and the options. */
export function imageChoices(input: ValueMeta, options: ImageFeedOptions, source: string): ImageFeedChoices {
  const shape = input.shape;
  if (shape.length !== 4)
    throw new OnnxError(
      'unsupported',
      `${source}: pictures feed 4-D image inputs; input '${input.name}' has shape [${shape.join(', ')}].`,
      source,
    );
  const layout = options.layout ?? 'nchw';
  const [cDim, hDim, wDim] =
    layout === 'nchw' ? [shape[1], shape[2], shape[3]] : [shape[3], shape[1], shape[2]];
  const declared = typeof cDim === 'number' ? cDim : undefined;
  const channels =
    options.channels ??
    (declared === 1
      ? 'grey'
      : declared === 4
        ? 'rgba'
        : declared === 3 || declared === undefined
          ? 'rgb'
          : undefined);
  if (!channels || (declared !== undefined && CHANNEL_COUNT[channels] !== declared))
    throw new OnnxError(
      'unsupported',
      `${source}: input '${input.name}' takes ${declared} channels (${layout.toUpperCase()}); pictures give 1 (grey), 3 (rgb, bgr) or 4 (rgba).`,
      source,
    );
  const fixed = typeof hDim === 'number' && typeof wDim === 'number' && hDim > 0 && wDim > 0;
  const [height, width] = fixed ? [hDim, wDim] : (options.size ?? [DEFAULT_IMAGE_SIDE, DEFAULT_IMAGE_SIDE]);
  return {
    layout,
    channels,
    range: options.range ?? [0, 1],
    height,
    width,
    sizeFrom: fixed ? 'model' : options.size ? 'option' : 'default',
  };
}

/** The picture as the model's input tensor. */
export function imageFeed(bytes: Uint8Array, path: string, choices: ImageFeedChoices) {
  const tensor = imageToTensor(decodeImage(bytes, path), choices);
  return { type: 'float32' as const, dims: tensor.dims, data: tensor.data };
}

/** One sentence for the report: how pictures were turned into inputs. */
export function describeImageChoices(c: ImageFeedChoices): string {
  const size =
    c.sizeFrom === 'model'
      ? `${c.height}×${c.width} (the model's input size)`
      : `${c.height}×${c.width} (${c.sizeFrom === 'option' ? '--calib-size' : 'default for dynamic height and width'})`;
  return (
    `pictures centre-cropped and resized to ${size}, ${c.channels === 'grey' ? 'grey (BT.601 luma)' : c.channels.toUpperCase()}, ` +
    `${c.layout.toUpperCase()}, values in [${c.range[0]}, ${c.range[1]}]`
  );
}
