/**
 * 2-D convolution y = conv(x, W) + b (W in tfjs layout [kh, kw, in, out], NHWC).
 * IBP: c' = conv(c, W) + b, r' = conv(r, |W|). Backward: the transpose of the convolution
 * (conv2dTranspose) maps coefficients on the output to coefficients on the input; the bias adds
 * Σ A·b over every output position. A numeric `pad` is PyTorch's zero padding of p pixels on every
 * side (tfjs's 'same' pads stride-2 inputs on the bottom and right only): the input is padded, the
 * convolution is 'valid', and the backward pass crops the padding off again (padded positions are
 * constants, so their coefficients carry nothing).
 */
import { tf } from '../../engine/backend';
import { LabError } from '../../../shared/errors';
import type { ConvPad } from '../../models/architecture';
import type { BoundOp } from '../types';
import { centerRadius, fromCenterRadius } from '../util';

export function conv2dOutSide(side: number, k: number, stride: number, pad: ConvPad): number {
  if (pad === 'same') return Math.ceil(side / stride);
  const p = pad === 'valid' ? 0 : pad;
  return Math.floor((side + 2 * p - k) / stride) + 1;
}

export function conv2dOp(weight: tf.Tensor, bias: tf.Tensor | null, stride: number, pad: ConvPad, inShape: number[]): BoundOp {
  const [kh, kw, ci, co] = weight.shape;
  if (weight.rank !== 4 || inShape.length !== 3 || inShape[2] !== ci) {
    throw new LabError('shape_mismatch', `A convolution with weight [${weight.shape}] cannot take inputs of shape [${inShape}].`);
  }
  const [h, w] = inShape;
  const oh = conv2dOutSide(h, kh, stride, pad);
  const ow = conv2dOutSide(w, kw, stride, pad);
  const W = weight as tf.Tensor4D;
  const b = bias as tf.Tensor1D | null;
  const p = typeof pad === 'number' ? pad : 0;
  const tfPad = typeof pad === 'number' ? 'valid' : pad;
  const padded = (x: tf.Tensor) => (p > 0 ? tf.pad(x as tf.Tensor4D, [[0, 0], [p, p], [p, p], [0, 0]]) : x) as tf.Tensor4D;
  const conv = (x: tf.Tensor, f: tf.Tensor4D) => tf.conv2d(padded(x), f, stride, tfPad);
  return {
    kind: 'conv2d',
    inShape,
    outShape: [oh, ow, co],
    affine: true,
    mixing: true,
    forward(x) {
      const y = conv(x, W);
      return b ? tf.add(y, b) : y;
    },
    ibp(box) {
      const { c, r } = centerRadius(box);
      const c2 = conv(c, W);
      return fromCenterRadius(b ? tf.add(c2, b) : c2, conv(r, tf.abs(W) as tf.Tensor4D));
    },
    backward(A) {
      const [n, s] = A.shape;
      const A4 = tf.reshape(A, [n * s, oh, ow, co]) as tf.Tensor4D;
      let back: tf.Tensor4D = tf.conv2dTranspose(A4, W, [n * s, h + 2 * p, w + 2 * p, ci], stride, tfPad);
      if (p > 0) back = tf.slice(back, [0, p, p, 0], [n * s, h, w, ci]);
      const constant = b ? tf.sum(tf.mul(tf.sum(tf.reshape(A, [n, s, oh * ow, co]), 2), b), -1) : null;
      return { A: tf.reshape(back, [n, s, h, w, ci]), bias: constant };
    },
  };
}
