/**
 * Flatten NHWC → [N, C·H·W] in PyTorch's C, H, W order (a permutation: IBP and the backward pass
 * are exact and just move values).
 */
import { tf } from '../../engine/backend';
import { LabError } from '../../../shared/errors';
import type { BoundOp } from '../types';

export function flattenChwOp(inShape: number[]): BoundOp {
  if (inShape.length !== 3 && inShape.length !== 1) {
    throw new LabError('shape_mismatch', `Flatten expects images [H, W, C], got [${inShape}].`);
  }
  if (inShape.length === 1) {
    return { kind: 'flatten-chw', inShape, outShape: inShape, affine: true, mixing: false, forward: (x) => x, ibp: (b) => b, backward: (A) => ({ A, bias: null }) };
  }
  const [h, w, c] = inShape;
  const f = (x: tf.Tensor) => {
    const n = x.shape[0];
    return tf.reshape(c === 1 ? x : tf.transpose(x, [0, 3, 1, 2]), [n, c * h * w]);
  };
  return {
    kind: 'flatten-chw',
    inShape,
    outShape: [c * h * w],
    affine: true,
    mixing: false,
    forward: f,
    ibp: (box) => ({ lower: f(box.lower), upper: f(box.upper) }),
    backward(A) {
      const [n, s] = A.shape;
      const chw = tf.reshape(A, [n * s, c, h, w]);
      const hwc = c === 1 ? chw : tf.transpose(chw, [0, 2, 3, 1]);
      return { A: tf.reshape(hwc, [n, s, h, w, c]), bias: null };
    },
  };
}
