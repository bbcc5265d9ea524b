/**
 * Specifications: what is bounded. The margin specification for label y has one row per class
 * k, e_y − e_k, so row k of C·z is the margin z_y − z_k (row y is all zeros, margin 0). A point
 * is certified when the lower bound of every margin k ≠ y is positive.
 */
import { tf } from '../engine/backend';

/** C [N, K, K] with row k = e_y − e_k. */
export function marginSpec(labels: tf.Tensor1D, numClasses: number): tf.Tensor3D {
  return tf.tidy(() => {
    const oneHot = tf.cast(tf.oneHot(tf.cast(labels, 'int32'), numClasses), 'float32');
    return tf.sub(tf.expandDims(oneHot, 1), tf.expandDims(tf.eye(numClasses), 0)) as tf.Tensor3D;
  });
}

/** The identity specification for N examples: C [N, K, K] = I (bounds of the logits themselves). */
export function identitySpec(n: number, numClasses: number): tf.Tensor3D {
  return tf.tidy(() => tf.tile(tf.expandDims(tf.eye(numClasses), 0), [n, 1, 1]) as tf.Tensor3D);
}

/**
 * The worst-case logits from lower bounds of the margins ([N, K], row y = 0): ẑ_k = −lb_k. The
 * cross-entropy of ẑ upper-bounds the cross-entropy of every logit vector inside the bounds.
 */
export function worstCaseLogits(marginLower: tf.Tensor): tf.Tensor2D {
  return tf.neg(marginLower) as tf.Tensor2D;
}

/** Per example: the smallest margin lower bound over k ≠ y ([N, K] → [N]). */
export function minMargin(marginLower: tf.Tensor, labels: tf.Tensor1D, numClasses: number): tf.Tensor1D {
  return tf.tidy(() => {
    const oneHot = tf.cast(tf.oneHot(tf.cast(labels, 'int32'), numClasses), 'float32');
    return tf.min(tf.add(marginLower, tf.mul(oneHot, 1e30)), -1) as tf.Tensor1D;
  });
}
