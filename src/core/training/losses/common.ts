/**
 * Building blocks of the classification losses: probabilities, one-hot targets, soft-target
 * cross-entropy and KL divergence. Every loss returns one value per example ([N]); methods take
 * the mean (or a weighted mean).
 *
 * Runs in: Node (core).
 */
import { tf } from '../../engine/backend';

/** One-hot float targets [N, K] (built in int32 then cast: the wasm OneHot kernel writes int32 bits). */
export function oneHot(labels: tf.Tensor1D, numClasses: number): tf.Tensor2D {
  return tf.cast(tf.oneHot(tf.cast(labels, 'int32'), numClasses), 'float32') as tf.Tensor2D;
}

/** p_y per example. */
export function trueProb(probs: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  return tf.sum(tf.mul(probs, oneHot(labels, probs.shape[1])), -1) as tf.Tensor1D;
}

/** −Σ_k t_k log softmax(z)_k per example, for soft targets t [N, K]. */
export function softCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor2D): tf.Tensor1D {
  return tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), -1)) as tf.Tensor1D;
}

/** Cross-entropy with integer labels, per example. */
export function ce(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  return softCrossEntropy(logits, oneHot(labels, logits.shape[1]));
}

/** KL(softmax(p) ‖ softmax(q)) per example, from logits (stable through log-softmax). */
export function klFromLogits(pLogits: tf.Tensor2D, qLogits: tf.Tensor2D): tf.Tensor1D {
  const logp = tf.logSoftmax(pLogits);
  const logq = tf.logSoftmax(qLogits);
  return tf.sum(tf.mul(tf.exp(logp), tf.sub(logp, logq)), -1) as tf.Tensor1D;
}

/** Label-smoothed targets: the true class gets `onTrue`, every other class (1 − onTrue)/(K − 1). */
export function smoothTargets(labels: tf.Tensor1D, numClasses: number, onTrue: number): tf.Tensor2D {
  const off = numClasses > 1 ? (1 - onTrue) / (numClasses - 1) : 0;
  return tf.add(tf.mul(oneHot(labels, numClasses), onTrue - off), off) as tf.Tensor2D;
}
