/**
 * Max pooling (square window, no padding). IBP: [max(l), max(u)] (max is monotone).
 *
 * Backward (non-overlapping windows, stride = size): the relaxation DeepPoly uses. In each
 * window, let j be the input with the largest lower bound.
 *   lower line: y ≥ x_j (the max is at least any of its inputs);
 *   upper line: y ≤ x_j when l_j ≥ u_i for every other input i (x_j is surely the max),
 *               else the constant y ≤ max_i u_i.
 * Overlapping windows (stride < size) have no backward step here: the caller concretizes with
 * this layer's IBP box instead (sound, looser).
 */
import { tf } from '../../engine/backend';
import { LabError } from '../../../shared/errors';
import type { Box, BoundOp } from '../types';
import { perRow, sumFeatures } from '../util';
import { conv2dOutSide } from './conv2d';

/** Per window: a one-hot mask of the chosen input (largest lower bound) and whether it surely is the max. */
function selection(box: Box, size: number, oh: number, ow: number): { mask: tf.Tensor; dominant: tf.Tensor } {
  const [n, h, w, c] = box.lower.shape;
  const l = box.lower.dataSync();
  const u = box.upper.dataSync();
  const mask = new Float32Array(n * h * w * c);
  const dom = new Float32Array(n * oh * ow * c);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        for (let ch = 0; ch < c; ch++) {
          let best = -1;
          let bestL = -Infinity;
          for (let a = 0; a < size; a++) {
            for (let d = 0; d < size; d++) {
              const idx = ((b * h + i * size + a) * w + j * size + d) * c + ch;
              if (l[idx] > bestL) {
                bestL = l[idx];
                best = idx;
              }
            }
          }
          let otherU = -Infinity;
          for (let a = 0; a < size; a++) {
            for (let d = 0; d < size; d++) {
              const idx = ((b * h + i * size + a) * w + j * size + d) * c + ch;
              if (idx !== best && u[idx] > otherU) otherU = u[idx];
            }
          }
          mask[best] = 1;
          dom[((b * oh + i) * ow + j) * c + ch] = bestL >= otherU ? 1 : 0;
        }
      }
    }
  }
  return { mask: tf.tensor(mask, [n, h, w, c]), dominant: tf.tensor(dom, [n, oh, ow, c]) };
}

/** [B, oh, ow, C] → [B, oh·k, ow·k, C] by repeating each value over its k×k window. */
function upsample(t: tf.Tensor, k: number): tf.Tensor {
  const [b, oh, ow, c] = t.shape;
  const cols = tf.reshape(tf.tile(tf.reshape(t, [b * oh, ow, 1, c]), [1, 1, k, 1]), [b, oh, 1, ow * k * c]);
  return tf.reshape(tf.tile(cols, [1, 1, k, 1]), [b, oh * k, ow * k, c]);
}

export function maxpoolOp(size: number, stride: number, inShape: number[]): BoundOp {
  if (inShape.length !== 3) throw new LabError('shape_mismatch', `Max pooling expects images [H, W, C], got [${inShape}].`);
  const [h, w, c] = inShape;
  const oh = conv2dOutSide(h, size, stride, 'valid');
  const ow = conv2dOutSide(w, size, stride, 'valid');
  const pool = (x: tf.Tensor) => tf.maxPool(x as tf.Tensor4D, size, stride, 'valid');
  return {
    kind: 'maxpool',
    inShape,
    outShape: [oh, ow, c],
    affine: false,
    mixing: false,
    forward: pool,
    ibp: (box) => ({ lower: pool(box.lower), upper: pool(box.upper) }),
    backward(A, mode, inBox) {
      if (stride !== size) return null;
      const [n, s] = A.shape;
      const { mask, dominant } = selection(inBox, size, oh, ow);
      const maxU = perRow(pool(inBox.upper)); // [N, 1, oh, ow, C]
      const dom = perRow(dominant);
      const Apos = tf.relu(A);
      const Aneg = tf.sub(A, Apos);
      // Coefficient on the chosen input, and the part of A that takes the constant upper bound.
      const onChosen = mode === 'lower' ? tf.add(Apos, tf.mul(Aneg, dom)) : tf.add(Aneg, tf.mul(Apos, dom));
      const onConst = tf.mul(mode === 'lower' ? Aneg : Apos, tf.sub(1, dom));
      const bias = sumFeatures(tf.mul(onConst, maxU));
      let spread = upsample(tf.reshape(onChosen, [n * s, oh, ow, c]), size);
      if (oh * size !== h || ow * size !== w) spread = tf.pad(spread, [[0, 0], [0, h - oh * size], [0, w - ow * size], [0, 0]]);
      const back = tf.mul(tf.reshape(spread, [n, s, h, w, c]), perRow(mask));
      return { A: back, bias };
    },
  };
}
