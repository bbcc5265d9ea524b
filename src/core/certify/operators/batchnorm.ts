/**
 * Batch norm in eval mode: y = x·s + t per channel (last axis), s = weight / sqrt(var + eps),
 * t = bias − mean·s. IBP: c' = c·s + t, r' = r·|s|. Backward: A' = A·s, constant Σ A·t.
 */
import { tf } from '../../engine/backend';
import { LabError } from '../../../shared/errors';
import type { BoundOp } from '../types';
import { centerRadius, fromCenterRadius, sumFeatures } from '../util';

export function batchnormOp(
  p: { weight: tf.Tensor | null; bias: tf.Tensor | null; mean: tf.Tensor; variance: tf.Tensor; eps: number },
  inShape: number[],
): BoundOp {
  const ch = inShape[inShape.length - 1];
  if (p.mean.size !== ch || p.variance.size !== ch) {
    throw new LabError('shape_mismatch', `Batch norm statistics have ${p.mean.size} channels but the input [${inShape}] has ${ch}.`);
  }
  const scaleOf = () => {
    const inv = tf.rsqrt(tf.add(p.variance, p.eps));
    return p.weight ? tf.mul(p.weight, inv) : inv;
  };
  const shiftOf = (s: tf.Tensor) => {
    const t = tf.neg(tf.mul(p.mean, s));
    return p.bias ? tf.add(p.bias, t) : t;
  };
  return {
    kind: 'batchnorm',
    inShape,
    outShape: inShape,
    affine: true,
    mixing: false,
    forward(x) {
      const s = scaleOf();
      return tf.add(tf.mul(x, s), shiftOf(s));
    },
    ibp(box) {
      const s = scaleOf();
      const { c, r } = centerRadius(box);
      return fromCenterRadius(tf.add(tf.mul(c, s), shiftOf(s)), tf.mul(r, tf.abs(s)));
    },
    backward(A) {
      const s = scaleOf();
      return { A: tf.mul(A, s), bias: sumFeatures(tf.mul(A, shiftOf(s))) };
    },
  };
}
