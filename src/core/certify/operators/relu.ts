/**
 * ReLU. IBP: [relu(l), relu(u)]. Backward (CROWN's linear relaxation within the input bounds
 * [l, u] of each neuron):
 *   always active (l ≥ 0): y = x;  always inactive (u ≤ 0): y = 0;
 *   unstable (l < 0 < u): upper line y ≤ u/(u−l) · (x − l); lower line y ≥ α·x with α = 1 when
 *   u > −l, else 0 (the adaptive choice of CROWN; both lines are sound for any α in [0, 1]).
 * A lower bound takes the lower line where the coefficient is positive and the upper line where
 * it is negative; an upper bound the other way round.
 */
import { tf } from '../../engine/backend';
import type { BoundOp } from '../types';
import { perRow, positive, sumFeatures } from '../util';

export function reluOp(inShape: number[]): BoundOp {
  return {
    kind: 'relu',
    inShape,
    outShape: inShape,
    affine: false,
    mixing: false,
    forward: (x) => tf.relu(x),
    ibp: (box) => ({ lower: tf.relu(box.lower), upper: tf.relu(box.upper) }),
    backward(A, mode, inBox) {
      const { lower: l, upper: u } = inBox;
      const active = positive(l); // l > 0
      const alive = positive(u); // u > 0
      const unstable = tf.mul(alive, tf.sub(1, active));
      // Safe denominator: u − l where unstable (> 0 there), 1 elsewhere, so no NaN reaches a gradient.
      const den = tf.add(tf.mul(unstable, tf.sub(u, l)), tf.sub(1, unstable));
      const slopeU = tf.add(active, tf.mul(unstable, tf.div(u, den)));
      const interceptU = tf.mul(unstable, tf.neg(tf.div(tf.mul(u, l), den)));
      const alpha = positive(tf.add(u, l)); // u > −l
      const slopeL = tf.add(active, tf.mul(unstable, alpha));
      const Apos = tf.relu(A);
      const Aneg = tf.sub(A, Apos);
      const dU = perRow(slopeU);
      const dL = perRow(slopeL);
      const bU = perRow(interceptU);
      if (mode === 'lower') {
        return { A: tf.add(tf.mul(Apos, dL), tf.mul(Aneg, dU)), bias: sumFeatures(tf.mul(Aneg, bU)) };
      }
      return { A: tf.add(tf.mul(Apos, dU), tf.mul(Aneg, dL)), bias: sumFeatures(tf.mul(Apos, bU)) };
    },
  };
}
