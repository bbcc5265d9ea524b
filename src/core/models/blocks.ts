/**
 * Building blocks shared by the batch-norm architectures (cnn-bn, resnet), with PyTorch's
 * semantics:
 *   - convTorch: nn.Conv2d with symmetric zero padding `padding` on every side, any stride.
 *     tfjs's 'same' pads asymmetrically when the stride is 2 (the extra row goes at the bottom,
 *     PyTorch puts one at the top), so only stride 1 with padding (k − 1) / 2 maps onto 'same';
 *     other paddings are tf.pad followed by a 'valid' convolution, exactly what PyTorch computes.
 *   - batchNorm2d: nn.BatchNorm2d(eps 1e-5, momentum 0.1) over the channel axis of NHWC.
 *     Training mode normalizes with the batch mean and the biased batch variance and reports the
 *     batch mean and the unbiased variance (n / (n − 1)) through opts.batchStats, from which the
 *     Model updates the running estimates once per step; eval mode uses the running estimates.
 *   - parameter and buffer definitions with PyTorch names ('<prefix>.weight', '.running_mean', ...).
 *
 * Runs in: Node (core).
 */
import { tf } from '../engine/backend';
import { conv2d } from '../engine/ops';
import { LabError } from '../../shared/errors';
import type { BufferDef, ForwardOptions, ParamDef } from './architecture';

export const BN_EPS = 1e-5;
export const BN_MOMENTUM = 0.1;

/** Output side of a PyTorch convolution: floor((side + 2·padding − k) / stride) + 1. */
export function convOutSide(side: number, k: number, stride: number, padding: number): number {
  return Math.floor((side + 2 * padding - k) / stride) + 1;
}

/** nn.Conv2d(…, stride, padding) on NHWC with tfjs weights [kh, kw, in, out]; bias optional. */
export function convTorch(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  b: tf.Tensor1D | null,
  stride: number,
  padding: number,
): tf.Tensor4D {
  const [kh, kw] = w.shape;
  if (padding === 0) return conv2d(x, w, b, stride, 'valid');
  if (stride === 1 && kh === kw && kh % 2 === 1 && padding === (kh - 1) / 2) return conv2d(x, w, b, 1, 'same');
  return tf.tidy(() => {
    const padded = tf.pad(x, [
      [0, 0],
      [padding, padding],
      [padding, padding],
      [0, 0],
    ]);
    return conv2d(padded, w, b, stride, 'valid');
  });
}

/**
 * nn.BatchNorm2d on NHWC activations; `layer` is the PyTorch module name (e.g. 'bn1',
 * 'layer2.0.bn1'), whose '.weight', '.bias', '.running_mean' and '.running_var' are in `p`.
 */
export function batchNorm2d(
  p: Record<string, tf.Tensor>,
  layer: string,
  x: tf.Tensor4D,
  opts: ForwardOptions | undefined,
): tf.Tensor4D {
  const weight = p[`${layer}.weight`];
  const bias = p[`${layer}.bias`];
  if (!opts?.training) {
    const mean = p[`${layer}.running_mean`];
    const variance = p[`${layer}.running_var`];
    return tf.tidy(() => {
      const scale = tf.mul(weight, tf.rsqrt(tf.add(variance, BN_EPS)));
      const shift = tf.sub(bias, tf.mul(mean, scale));
      return tf.add(tf.mul(x, scale), shift) as tf.Tensor4D;
    });
  }
  const [n, h, w] = x.shape;
  const count = n * h * w;
  if (count < 2) {
    throw new LabError(
      'bad_input',
      `Batch normalization (layer ${layer}) needs more than one value per channel in training, but the batch gives ${count}. ` +
        'Train with a batch size of at least 2.',
    );
  }
  return tf.tidy(() => {
    const mean = tf.mean(x, [0, 1, 2]) as tf.Tensor1D;
    const centered = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centered), [0, 1, 2]) as tf.Tensor1D;
    if (opts.batchStats) {
      // The sink keeps what it needs (outside this tidy); the values are not part of the loss.
      opts.batchStats(layer, mean, tf.mul(variance, count / (count - 1)) as tf.Tensor1D);
    }
    const scale = tf.mul(weight, tf.rsqrt(tf.add(variance, BN_EPS)));
    return tf.add(tf.mul(centered, scale), bias) as tf.Tensor4D;
  });
}

/** Global average pooling NHWC → [N, C] (PyTorch: adaptive_avg_pool2d(x, 1) then flatten). */
export function globalAvgPool(x: tf.Tensor4D): tf.Tensor2D {
  return tf.mean(x, [1, 2]) as tf.Tensor2D;
}

/** nn.Conv2d weight (and bias) definitions; fanIn = in · k · k as PyTorch's default init uses. */
export function convDefs(name: string, cin: number, cout: number, k: number, bias: boolean): ParamDef[] {
  const fanIn = cin * k * k;
  const defs: ParamDef[] = [{ name: `${name}.weight`, torchShape: [cout, cin, k, k], kind: 'conv2d.weight', fanIn }];
  if (bias) defs.push({ name: `${name}.bias`, torchShape: [cout], kind: 'bias', fanIn });
  return defs;
}

/** nn.Linear weight and bias definitions. */
export function linearDefs(name: string, cin: number, cout: number): ParamDef[] {
  return [
    { name: `${name}.weight`, torchShape: [cout, cin], kind: 'linear.weight', fanIn: cin },
    { name: `${name}.bias`, torchShape: [cout], kind: 'bias', fanIn: cin },
  ];
}

/** nn.BatchNorm2d's trainable weight (scale, init 1) and bias (shift, init 0). */
export function batchNormParamDefs(name: string, channels: number): ParamDef[] {
  return [
    { name: `${name}.weight`, torchShape: [channels], kind: 'batchnorm.weight', fanIn: channels },
    { name: `${name}.bias`, torchShape: [channels], kind: 'batchnorm.bias', fanIn: channels },
  ];
}

/** nn.BatchNorm2d's buffers, in PyTorch's order. */
export function batchNormBufferDefs(name: string, channels: number): BufferDef[] {
  return [
    { name: `${name}.running_mean`, torchShape: [channels], dtype: 'float32', init: 0 },
    { name: `${name}.running_var`, torchShape: [channels], dtype: 'float32', init: 1 },
    { name: `${name}.num_batches_tracked`, torchShape: [], dtype: 'int64', init: 0 },
  ];
}
