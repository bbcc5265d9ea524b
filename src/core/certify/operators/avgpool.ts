/**
 * Average pooling (square window, no padding): linear with non-negative weights, so IBP is
 * [avg(l), avg(u)] and the backward pass spreads each coefficient evenly over its window
 * (a transposed convolution with a per-channel filter of 1/k²).
 */
import { tf } from '../../engine/backend';
import { LabError } from '../../../shared/errors';
import type { BoundOp } from '../types';
import { conv2dOutSide } from './conv2d';

export function avgpoolOp(size: number, stride: number, inShape: number[]): BoundOp {
  if (inShape.length !== 3) throw new LabError('shape_mismatch', `Average pooling expects images [H, W, C], got [${inShape}].`);
  const [h, w, c] = inShape;
  const oh = conv2dOutSide(h, size, stride, 'valid');
  const ow = conv2dOutSide(w, size, stride, 'valid');
  const pool = (x: tf.Tensor) => tf.avgPool(x as tf.Tensor4D, size, stride, 'valid');
  return {
    kind: 'avgpool',
    inShape,
    outShape: [oh, ow, c],
    affine: true,
    mixing: true,
    forward: pool,
    ibp: (box) => ({ lower: pool(box.lower), upper: pool(box.upper) }),
    backward(A) {
      const [n, s] = A.shape;
      // filter[a, b, i, o] = δ(i, o) / size²
      const eye = tf.mul(tf.eye(c), 1 / (size * size));
      const filter = tf.tile(tf.reshape(eye, [1, 1, c, c]), [size, size, 1, 1]) as tf.Tensor4D;
      const back = tf.conv2dTranspose(tf.reshape(A, [n * s, oh, ow, c]) as tf.Tensor4D, filter, [n * s, h, w, c], stride, 'valid');
      return { A: tf.reshape(back, [n, s, h, w, c]), bias: null };
    },
  };
}
