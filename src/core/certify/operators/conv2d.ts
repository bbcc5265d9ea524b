/**
 * 2-D convolution y = conv(x, W) + b (W in tfjs layout [kh, kw, in, out], NHWC).
 * IBP: c' = conv(c, W) + b, r' = conv(r, |W|). Backward: the transpose of the convolution
 * (conv2dTranspose) maps coefficients on the output to coefficients on the input; the bias adds
 * Σ A·b over every output position.
 */
import { tf } from '../../engine/backend';
import { LabError } from '../../../shared/errors';
import type { BoundOp } from '../types';
import { centerRadius, fromCenterRadius } from '../util';

export function conv2dOutSide(side: number, k: number, stride: number, pad: 'valid' | 'same'): number {
  return pad === 'same' ? Math.ceil(side / stride) : Math.floor((side - k) / stride) + 1;
}

export function conv2dOp(weight: tf.Tensor, bias: tf.Tensor | null, stride: number, pad: 'valid' | 'same', inShape: number[]): BoundOp {
  const [kh, kw, ci, co] = weight.shape;
  if (weight.rank !== 4 || inShape.length !== 3 || inShape[2] !== ci) {
    throw new LabError('shape_mismatch', `A convolution with weight [${weight.shape}] cannot take inputs of shape [${inShape}].`);
  }
  const [h, w] = inShape;
  const oh = conv2dOutSide(h, kh, stride, pad);
  const ow = conv2dOutSide(w, kw, stride, pad);
  const W = weight as tf.Tensor4D;
  const b = bias as tf.Tensor1D | null;
  const conv = (x: tf.Tensor, f: tf.Tensor4D) => tf.conv2d(x as tf.Tensor4D, f, stride, pad);
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
      const back = tf.conv2dTranspose(A4, W, [n * s, h, w, ci], stride, pad);
      const constant = b ? tf.sum(tf.mul(tf.sum(tf.reshape(A, [n, s, oh * ow, co]), 2), b), -1) : null;
      return { A: tf.reshape(back, [n, s, h, w, ci]), bias: constant };
    },
  };
}
