import { SHAPES } from '../graph/shapeRules';
import { each, type OpFamily } from './spec';

/**
 * Ops the shape inference follows (they compute Reshape targets, masks and indices) but channels do not flow
 * through: a channel path that reaches one is locked (no channel rule: fail closed).
 */
export const TENSOR_OPS: OpFamily = {
  domain: '',
  ops: [
    ['Gather', { shape: SHAPES.gather }],
    ...each(['Where', 'Equal', 'Less', 'Greater'], { shape: SHAPES.elementwise }),
    ['Not', { shape: SHAPES.sameNoValue }],
    ...each(['ReduceMean', 'ReduceSum', 'ReduceMax'], { shape: SHAPES.reduce }),
  ],
};
