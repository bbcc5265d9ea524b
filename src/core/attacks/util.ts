/**
 * Building blocks shared by gradient attacks.
 */
import { tf } from '../engine/backend';
import { crossEntropy } from '../engine/ops';
import type { Model } from '../models/model';

/**
 * The gradient of the summed cross-entropy with respect to the input, and whether each point is
 * currently misclassified. One forward and one backward pass.
 */
export function lossGradient(model: Model, x: tf.Tensor4D, y: tf.Tensor1D): { grad: tf.Tensor4D; wrong: Uint8Array } {
  let wrongT: tf.Tensor | null = null;
  const grad = tf.tidy(() => {
    const f = (xi: tf.Tensor) => {
      const logits = model.forward(xi as tf.Tensor4D, { training: false });
      wrongT = tf.keep(tf.notEqual(tf.argMax(logits, 1), tf.cast(y, 'int32')));
      return tf.sum(crossEntropy(logits, y, 'none')) as tf.Scalar;
    };
    return tf.grad(f)(x) as tf.Tensor4D;
  });
  const wrong = new Uint8Array((wrongT as unknown as tf.Tensor).dataSync() as unknown as ArrayLike<number>);
  (wrongT as unknown as tf.Tensor).dispose();
  return { grad, wrong };
}

/** Which points the model gets wrong at x. */
export function misclassified(model: Model, x: tf.Tensor4D, y: tf.Tensor1D): Uint8Array {
  const t = tf.tidy(() => tf.notEqual(tf.argMax(model.forward(x, { training: false }), 1), tf.cast(y, 'int32')));
  const out = new Uint8Array(t.dataSync() as unknown as ArrayLike<number>);
  t.dispose();
  return out;
}

/** Projects onto the L-inf ball of radius eps around x0, then onto the pixel range [0,1]. */
export function projectLinf(xAdv: tf.Tensor4D, x0: tf.Tensor4D, eps: number): tf.Tensor4D {
  return tf.tidy(() => tf.clipByValue(tf.minimum(tf.maximum(xAdv, tf.sub(x0, eps)), tf.add(x0, eps)), 0, 1) as tf.Tensor4D);
}

/** Replaces rows of `base` by rows of `update` where mask is 1. */
export function selectRows(mask: Uint8Array, update: tf.Tensor4D, base: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const m = tf.tensor1d(Array.from(mask), 'bool').reshape([mask.length, 1, 1, 1]);
    return tf.where(tf.broadcastTo(m, base.shape), update, base) as tf.Tensor4D;
  });
}
