/**
 * Families of ONNX ops that the shape inference and the channel rules treat alike, in one place so the two
 * cannot drift apart.
 */

/** Element-wise functions of one tensor: same shape, channels one to one. */
export const ACTIVATIONS = [
  'Relu',
  'LeakyRelu',
  'Sigmoid',
  'Tanh',
  'Elu',
  'Selu',
  'Celu',
  'Gelu',
  'HardSigmoid',
  'HardSwish',
  'Softplus',
  'Softsign',
  'Mish',
  'Swish',
  'ThresholdedRelu',
  'Exp',
  'Log',
  'Sqrt',
  'Abs',
  'Neg',
  'Reciprocal',
  'Erf',
  'Floor',
  'Ceil',
  'Round',
  'Sign',
  'Sin',
  'Cos',
] as const;

/** Element-wise arithmetic with NumPy broadcasting over two or more tensors. */
export const BROADCAST_ARITHMETIC = [
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Pow',
  'Sum',
  'Mean',
  'Max',
  'Min',
  'PRelu',
] as const;
