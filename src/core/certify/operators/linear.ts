/**
 * Dense layer y = x·W + b (W in tfjs layout [in, out]).
 * IBP in center/radius form: c' = c·W + b, r' = r·|W|. Backward: A' = A·Wᵀ, constant A·b.
 */
import { tf } from '../../engine/backend';
import { LabError } from '../../../shared/errors';
import type { BoundOp } from '../types';
import { centerRadius, fromCenterRadius } from '../util';

export function linearOp(weight: tf.Tensor, bias: tf.Tensor | null, inShape: number[]): BoundOp & { weight: tf.Tensor2D; bias: tf.Tensor1D | null } {
  if (weight.rank !== 2 || inShape.length !== 1 || inShape[0] !== weight.shape[0]) {
    throw new LabError('shape_mismatch', `A linear layer with weight [${weight.shape}] cannot take inputs of shape [${inShape}]; flatten first.`);
  }
  const W = weight as tf.Tensor2D;
  const b = bias as tf.Tensor1D | null;
  const out = W.shape[1];
  return {
    kind: 'linear',
    inShape,
    outShape: [out],
    affine: true,
    mixing: true,
    weight: W,
    bias: b,
    forward(x) {
      const y = tf.matMul(x as tf.Tensor2D, W);
      return b ? tf.add(y, b) : y;
    },
    ibp(box) {
      const { c, r } = centerRadius(box);
      const c2 = tf.matMul(c as tf.Tensor2D, W);
      return fromCenterRadius(b ? tf.add(c2, b) : c2, tf.matMul(r as tf.Tensor2D, tf.abs(W)));
    },
    backward(A) {
      const [n, s] = A.shape;
      const A2 = tf.matMul(tf.reshape(A, [n * s, out]) as tf.Tensor2D, W, false, true);
      return { A: tf.reshape(A2, [n, s, W.shape[0]]), bias: b ? tf.sum(tf.mul(A, b), -1) : null };
    },
  };
}
