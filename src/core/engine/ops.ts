/**
 * The layer operations that architectures are written with. Each one has gradients with respect
 * to its weights AND its input on every backend: on wasm the missing gradient kernels are
 * supplied by ./kernels (registered when ./backend loads; it also speeds up some cpu and wasm
 * gradient kernels), elsewhere tfjs's own kernels run.
 *
 * Layouts are tfjs's: activations NHWC, conv weights [kh, kw, in, out], linear weights [in, out].
 *
 * Runs in: Node (job workers, CLI, tests).
 */
import { tf } from './backend';
import { LabError } from '../../shared/errors';

/**
 * Whether a gradient tape is recording. tfjs's fused ops compute every input's gradient eagerly
 * (an attack's input gradient would pay for the weight gradients too), so under a tape the
 * layers below use the plain ops, whose gradients are computed only where needed; outside a
 * tape (forward passes, evaluation) they use the fused kernels.
 */
function taping(): boolean {
  return (tf.engine() as unknown as { isTapeOn(): boolean }).isTapeOn();
}

/**
 * 2-D convolution plus optional bias, and optionally ReLU. `pad`: 'valid' (no padding) or 'same'
 * (output = ceil(input / stride)). Outside a gradient the bias and ReLU run inside the
 * convolution kernel (one pass instead of three); the values are the same up to float rounding.
 */
export function conv2d(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  b: tf.Tensor1D | null,
  stride = 1,
  pad: 'valid' | 'same' = 'valid',
  activation: 'linear' | 'relu' = 'linear',
): tf.Tensor4D {
  if (!taping()) return tf.fused.conv2d({ x, filter: w, strides: stride, pad, bias: b ?? undefined, activation });
  return tf.tidy(() => {
    let y = tf.conv2d(x, w, stride, pad);
    if (b) y = tf.add<tf.Tensor4D>(y, b);
    return activation === 'relu' ? tf.relu(y) : y;
  });
}

/** Max pooling with a square window, no padding (PyTorch's nn.MaxPool2d(size, stride)). */
export function maxPool2d(x: tf.Tensor4D, size: number, stride: number): tf.Tensor4D {
  return tf.maxPool(x, size, stride, 'valid');
}

export function relu<T extends tf.Tensor>(x: T): T {
  return tf.relu(x) as T;
}

/**
 * x @ w + b, optionally followed by ReLU, with w in tfjs layout [in, out]. Fused like conv2d
 * outside a gradient (bias and ReLU inside the matrix product).
 */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D | null, activation: 'linear' | 'relu' = 'linear'): tf.Tensor2D {
  if (!taping()) return tf.fused.matMul({ a: x, b: w, bias: b ?? undefined, activation }) as tf.Tensor2D;
  return tf.tidy(() => {
    let y: tf.Tensor2D = tf.matMul(x, w);
    if (b) y = tf.add<tf.Tensor2D>(y, b);
    return activation === 'relu' ? tf.relu(y) : y;
  });
}

/**
 * Flattens NHWC activations in PyTorch's order (C, H, W), as torch.flatten(x, 1) does on the
 * NCHW tensor PyTorch holds. With one channel that is a plain reshape.
 */
export function flattenTorchOrder(x: tf.Tensor4D): tf.Tensor2D {
  const [n, h, w, c] = x.shape;
  return tf.tidy(() => {
    const nchw = c === 1 ? x : tf.transpose(x, [0, 3, 1, 2]);
    return tf.reshape(nchw, [n, c * h * w]);
  });
}

/**
 * Softmax cross-entropy of logits [N, K] against integer labels [N], computed through
 * log-softmax (stable for large logits). 'mean' gives a scalar, 'none' one loss per example.
 */
export function crossEntropy(
  logits: tf.Tensor2D,
  labels: tf.Tensor1D,
  reduction: 'mean' | 'none' = 'mean',
): tf.Tensor {
  if (logits.rank !== 2 || labels.rank !== 1 || logits.shape[0] !== labels.shape[0]) {
    throw new LabError(
      'shape_mismatch',
      `Cross-entropy needs logits [N, classes] and N labels, but got logits [${logits.shape}] and labels [${labels.shape}].`,
    );
  }
  const k = logits.shape[1];
  return tf.tidy(() => {
    const ids = labels.dtype === 'int32' ? labels : tf.cast(labels, 'int32');
    const logp = tf.logSoftmax(logits);
    // oneHot in int32 then cast: the wasm OneHot kernel ignores a float32 dtype and writes int32
    // bits into a float32 tensor.
    const nll = tf.neg(tf.sum(tf.mul(tf.cast(tf.oneHot(ids, k), 'float32'), logp), -1));
    return reduction === 'mean' ? tf.mean(nll) : nll;
  });
}

let detachOp: ((x: tf.Tensor) => tf.Tensor) | null = null;

/** The identity with a zero gradient (a stop-gradient), for discrete choices inside a gradient tape. */
export function detach(x: tf.Tensor): tf.Tensor {
  // Made on first use: tf.customGrad at import time would load tfjs in every command.
  detachOp ??= tf.customGrad(((t: tf.Tensor) => ({
    value: tf.clone(t),
    gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
  })) as never) as unknown as (x: tf.Tensor) => tf.Tensor;
  return detachOp(x);
}
