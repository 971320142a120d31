// Pixel shuffles in every form exporters write (see /work/shared/pixel-shuffle.md): DepthToSpace (CRD, DCR,
// no mode), SpaceToDepth, the Reshape -> Transpose -> Reshape forms with static or Shape-computed targets,
// pixel unshuffle, and the ShuffleNet channel shuffle, which looks alike but is only a channel permutation.
import { SpatialOps } from './spatial-ops';
import { numeric } from './shapes';
import type { Dim, NodeOptions, Value } from './types';
import { attr } from './types';

/**
 * 'CRD' views [N, C', r, r, H, W] (torch.nn.PixelShuffle), 'DCR' views [N, r, r, C', H, W] (TensorFlow);
 * 'torch-1.0-bug' is the wrong opset-9 export of PyTorch 1.0/1.1: the DCR view with the CRD permutation.
 */
export type PixelShuffleMode = 'CRD' | 'DCR' | 'torch-1.0-bug';

/** 'static': targets baked in as int64 initializers; 'dynamic': computed with Shape/Gather/Div/Mul/Concat. */
export type ShapeForm = 'static' | 'dynamic';

export interface CompositeOptions {
  /** Node-name scope: '/up' names the nodes '/up/Reshape', '/up/Transpose', '/up/Reshape_1'... */
  readonly scope?: string;
  readonly shapes?: ShapeForm;
}

export interface PixelShuffleOptions extends CompositeOptions {
  readonly mode?: PixelShuffleMode;
}

export interface PixelUnshuffleOptions extends CompositeOptions {
  /** 'pixel-unshuffle' (perm 0,1,3,5,2,4; default) or 'space-to-depth' (perm 0,3,5,1,2,4, SpaceToDepth's expansion). */
  readonly order?: 'pixel-unshuffle' | 'space-to-depth';
}

const PERM = {
  CRD: [0, 1, 4, 2, 5, 3],
  DCR: [0, 3, 4, 1, 5, 2],
  'torch-1.0-bug': [0, 1, 4, 2, 5, 3],
  'pixel-unshuffle': [0, 1, 3, 5, 2, 4],
  'space-to-depth': [0, 3, 5, 1, 2, 4],
} as const;

/** One entry of a computed Reshape target: a gathered input dimension, optionally scaled, or a literal. */
type TargetTerm = { dim: number; times?: number; over?: number } | { literal: number };

export class ShuffleOps extends SpatialOps {
  /** DepthToSpace; omitting `mode` writes no mode attribute, which means DCR. */
  depthToSpace(x: Value, blocksize: number, options: NodeOptions & { mode?: 'CRD' | 'DCR' } = {}): Value {
    if (options.mode !== undefined && this.opset < 11) throw new Error('DepthToSpace mode needs opset >= 11');
    const [n, c, h, w] = this.dims(x, 'DepthToSpace');
    if (c % (blocksize * blocksize) !== 0)
      throw new Error(`DepthToSpace: ${c} channels, blocksize ${blocksize}`);
    const shape = [n, c / blocksize ** 2, h * blocksize, w * blocksize];
    return this.op('DepthToSpace', [x], [{ shape, dtype: x.dtype }], {
      name: options.name,
      doc: options.doc,
      attributes: {
        blocksize: attr.int(blocksize),
        ...(options.mode !== undefined ? { mode: attr.string(options.mode) } : {}),
      },
    })[0];
  }

  spaceToDepth(x: Value, blocksize: number, options: NodeOptions = {}): Value {
    const [n, c, h, w] = this.dims(x, 'SpaceToDepth');
    if (h % blocksize !== 0 || w % blocksize !== 0)
      throw new Error(`SpaceToDepth: ${h}x${w}, blocksize ${blocksize}`);
    const shape = [n, c * blocksize ** 2, h / blocksize, w / blocksize];
    return this.op('SpaceToDepth', [x], [{ shape, dtype: x.dtype }], {
      name: options.name,
      doc: options.doc,
      attributes: { blocksize: attr.int(blocksize) },
    })[0];
  }

  /** Pixel shuffle as Reshape -> Transpose -> Reshape. */
  pixelShuffle(x: Value, r: number, options: PixelShuffleOptions = {}): Value {
    const mode = options.mode ?? 'CRD';
    const [n, c, h, w] = this.dims(x, 'pixel shuffle');
    if (c % (r * r) !== 0) throw new Error(`pixel shuffle: ${c} channels, factor ${r}`);
    const cOut = c / (r * r);
    const channelFirst = mode === 'CRD';
    const viewTerms: TargetTerm[] = channelFirst
      ? [{ dim: 0 }, { dim: 1, over: r * r }, { literal: r }, { literal: r }, { dim: 2 }, { dim: 3 }]
      : [{ dim: 0 }, { literal: r }, { literal: r }, { dim: 1, over: r * r }, { dim: 2 }, { dim: 3 }];
    const view: Dim[] = channelFirst ? [n, cOut, r, r, h, w] : [n, r, r, cOut, h, w];
    const resultTerms: TargetTerm[] = [
      { dim: 0 },
      { dim: 1, over: r * r },
      { dim: 2, times: r },
      { dim: 3, times: r },
    ];
    return this.reshapeTransposeReshape(x, viewTerms, view, PERM[mode], resultTerms, options);
  }

  /** Pixel unshuffle (or SpaceToDepth's own expansion) as Reshape -> Transpose -> Reshape. */
  pixelUnshuffle(x: Value, r: number, options: PixelUnshuffleOptions = {}): Value {
    const order = options.order ?? 'pixel-unshuffle';
    const [n, c, h, w] = this.dims(x, 'pixel unshuffle');
    if (h % r !== 0 || w % r !== 0) throw new Error(`pixel unshuffle: ${h}x${w}, factor ${r}`);
    const viewTerms: TargetTerm[] = [
      { dim: 0 },
      { dim: 1 },
      { dim: 2, over: r },
      { literal: r },
      { dim: 3, over: r },
      { literal: r },
    ];
    const view: Dim[] = [n, c, h / r, r, w / r, r];
    const resultTerms: TargetTerm[] = [
      { dim: 0 },
      { dim: 1, times: r * r },
      { dim: 2, over: r },
      { dim: 3, over: r },
    ];
    return this.reshapeTransposeReshape(x, viewTerms, view, PERM[order], resultTerms, options);
  }

  /** ShuffleNet channel shuffle: Reshape [N, g, C/g, H, W] -> Transpose (0,2,1,3,4) -> Reshape [N, C, H, W]. */
  channelShuffle(x: Value, groups: number, options: CompositeOptions = {}): Value {
    const [n, c, h, w] = this.dims(x, 'channel shuffle');
    if (c % groups !== 0) throw new Error(`channel shuffle: ${c} channels, ${groups} groups`);
    const viewTerms: TargetTerm[] = [
      { dim: 0 },
      { literal: groups },
      { dim: 1, over: groups },
      { dim: 2 },
      { dim: 3 },
    ];
    const view: Dim[] = [n, groups, c / groups, h, w];
    const resultTerms: TargetTerm[] = [{ dim: 0 }, { dim: 1 }, { dim: 2 }, { dim: 3 }];
    return this.reshapeTransposeReshape(x, viewTerms, view, [0, 2, 1, 3, 4], resultTerms, options);
  }

  private dims(x: Value, what: string): [Dim, number, number, number] {
    if (x.shape.length !== 4) throw new Error(`${what} expects [N, C, H, W], got [${x.shape.join(', ')}]`);
    return [x.shape[0], numeric(x.shape[1], what), numeric(x.shape[2], what), numeric(x.shape[3], what)];
  }

  private reshapeTransposeReshape(
    x: Value,
    viewTerms: readonly TargetTerm[],
    view: readonly Dim[],
    perm: readonly number[],
    resultTerms: readonly TargetTerm[],
    options: CompositeOptions,
  ): Value {
    const scope = options.scope;
    const shuffled = (viewed: Value) =>
      this.transpose(viewed, perm, { name: this.scopedName(scope, 'Transpose') });
    if ((options.shapes ?? 'static') === 'static') {
      // Static targets as torch's opset-9 export bakes them: the batch becomes -1.
      const staticTarget = (terms: readonly TargetTerm[]) =>
        terms.map((t, i) =>
          i === 0 ? -1 : 'literal' in t ? t.literal : numeric(this.evaluate(x, t), 'target'),
        );
      const viewed = this.reshape(x, staticTarget(viewTerms), { name: this.scopedName(scope, 'Reshape') });
      const moved = shuffled(viewed);
      return this.reshape(moved, staticTarget(resultTerms), { name: this.scopedName(scope, 'Reshape') });
    }
    const shape = this.shapeOf(x, { name: this.scopedName(scope, 'Shape') });
    const gathered = new Map<number, Value>();
    const term = (t: TargetTerm): Value => {
      if ('literal' in t) return this.int64Constant([t.literal]);
      if (!gathered.has(t.dim))
        gathered.set(t.dim, this.gather(shape, t.dim, 0, { name: this.scopedName(scope, 'Gather') }));
      let scalar = gathered.get(t.dim)!;
      if (t.over)
        scalar = this.div(scalar, this.int64Constant([t.over], []), { name: this.scopedName(scope, 'Div') });
      if (t.times)
        scalar = this.mul(scalar, this.int64Constant([t.times], []), { name: this.scopedName(scope, 'Mul') });
      return this.unsqueeze(scalar, [0], { name: this.scopedName(scope, 'Unsqueeze') });
    };
    const target = (terms: readonly TargetTerm[]) =>
      this.concat(terms.map(term), 0, { name: this.scopedName(scope, 'Concat') });
    const viewed = this.reshapeTo(x, target(viewTerms), view, { name: this.scopedName(scope, 'Reshape') });
    const moved = shuffled(viewed);
    const result = resultTerms.map((t) => ('literal' in t ? t.literal : this.evaluate(x, t, true)));
    return this.reshapeTo(moved, target(resultTerms), result, { name: this.scopedName(scope, 'Reshape') });
  }

  /** The static value of a target term (a symbolic batch passes through when allowed). */
  private evaluate(x: Value, t: { dim: number; times?: number; over?: number }, allowSymbolic = false): Dim {
    const dim = x.shape[t.dim];
    if (typeof dim === 'string') {
      if (allowSymbolic && !t.times && !t.over) return dim;
      throw new Error(`cannot compute a static target from symbolic dimension '${dim}'`);
    }
    return (dim * (t.times ?? 1)) / (t.over ?? 1);
  }
}
