// The test model builder: write an ONNX model in a few lines. The onnxruntime-node helpers live in
// ./runtime and are not re-exported, so importing the builder never loads the native runtime.
export { ModelBuilder, writeBuilt } from './model-builder';
export type { ModelOptions } from './core';
export type { BodyInput, LocalFunction } from './control-ops';
export type { BuildOptions, Built, ExternalDataOptions } from './serialize';
export type {
  ConvOptions,
  ConvTransposeOptions,
  BatchNormOptions,
  GemmOptions,
  MatMulOptions,
} from './conv-ops';
export type { BinaryOp, ConstantLayout, ConstantOperandOptions, PReluOptions } from './elementwise-ops';
export type { SliceAxis, SliceOptions, SplitOptions } from './tensor-ops';
export type { PoolOptions, ResizeOptions } from './spatial-ops';
export type { PixelShuffleMode, PixelShuffleOptions, PixelUnshuffleOptions, ShapeForm } from './shuffle-ops';
export type {
  DType,
  Dim,
  Init,
  NodeOptions,
  Shape,
  TensorData,
  Value,
  ValueDescription,
  WeightSource,
} from './types';
export { FIXTURE_NAMES, buildFixture, type FixtureName } from './fixtures';
