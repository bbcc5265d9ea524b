/**
 * Losses that tolerate wrong labels. Each is a pure function of logits and labels that returns one
 * value per example; the training methods of the same names (src/core/training/methods) use them.
 *
 * - GCE (Zhang & Sabuncu 2018): (1 − p_y^q)/q; q → 0 gives cross-entropy, q = 1 gives MAE.
 * - RCE, reverse cross-entropy (Wang et al. 2019): −Σ_k p_k log t_k with the one-hot target
 *   clamped to 1e-4, which equals −A·(1 − p_y) with A = log(1e-4).
 * - SCE: α·CE + β·RCE.
 * - NCE, normalized cross-entropy (Ma et al. 2020): CE / Σ_k (−log p_k).
 * - MAE: 1 − p_y (half the L1 distance between p and the one-hot target, as in the APL code).
 * - Poly-1 (Leng et al. 2022): CE + ε·(1 − p_y).
 * - Logit clipping (Wei et al. 2023): CE of the logits rescaled to an L2 norm of at most 1/τ.
 * - Label smoothing: CE against (1 − s)·one-hot + s/K.
 * - Bootstrapping (Reed et al. 2015): CE against β·y + (1 − β)·p (soft: the prediction p;
 *   hard: its one-hot argmax).
 *
 * Runs in: Node (core).
 */
import { tf } from '../../engine/backend';
import { detach } from '../../engine/ops';
import { ce, oneHot, softCrossEntropy, trueProb } from './common';

/** log(1e-4): the log of the clamped zero entries of the one-hot target in RCE. */
export const RCE_LOG_CLAMP = Math.log(1e-4);

const P_MIN = 1e-7;

function probs(logits: tf.Tensor2D): tf.Tensor2D {
  return tf.clipByValue(tf.softmax(logits), P_MIN, 1) as tf.Tensor2D;
}

export function gceLoss(logits: tf.Tensor2D, labels: tf.Tensor1D, q: number): tf.Tensor1D {
  const py = trueProb(probs(logits), labels);
  return tf.div(tf.sub(1, tf.pow(py, q)), q) as tf.Tensor1D;
}

export function rceLoss(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  const py = trueProb(probs(logits), labels);
  // Σ_k p_k·log(clamp(t_k)): only k ≠ y contribute (log 1 = 0), and Σ_{k≠y} p_k = 1 − p_y.
  return tf.mul(tf.sub(1, py), -RCE_LOG_CLAMP) as tf.Tensor1D;
}

export function sceLoss(logits: tf.Tensor2D, labels: tf.Tensor1D, alpha: number, beta: number): tf.Tensor1D {
  return tf.add(tf.mul(ce(logits, labels), alpha), tf.mul(rceLoss(logits, labels), beta)) as tf.Tensor1D;
}

export function nceLoss(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  const logp = tf.logSoftmax(logits);
  const num = tf.neg(tf.sum(tf.mul(oneHot(labels, logits.shape[1]), logp), -1));
  return tf.div(num, tf.neg(tf.sum(logp, -1))) as tf.Tensor1D;
}

export function maeLoss(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  return tf.sub(1, trueProb(tf.softmax(logits) as tf.Tensor2D, labels)) as tf.Tensor1D;
}

export function polyLoss(logits: tf.Tensor2D, labels: tf.Tensor1D, epsilon: number): tf.Tensor1D {
  const py = trueProb(tf.softmax(logits) as tf.Tensor2D, labels);
  return tf.add(ce(logits, labels), tf.mul(tf.sub(1, py), epsilon)) as tf.Tensor1D;
}

/** Logits rescaled so their L2 norm is at most 1/τ (unchanged when already smaller). */
export function clipLogits(logits: tf.Tensor2D, tau: number): tf.Tensor2D {
  const norm = tf.sqrt(tf.add(tf.sum(tf.square(logits), -1, true), 1e-12));
  const scale = tf.minimum(1, tf.div(1 / tau, norm));
  return tf.mul(logits, scale) as tf.Tensor2D;
}

export function logitClipLoss(logits: tf.Tensor2D, labels: tf.Tensor1D, tau: number): tf.Tensor1D {
  return ce(clipLogits(logits, tau), labels);
}

export function labelSmoothingLoss(logits: tf.Tensor2D, labels: tf.Tensor1D, smoothing: number): tf.Tensor1D {
  const k = logits.shape[1];
  const t = tf.add(tf.mul(oneHot(labels, k), 1 - smoothing), smoothing / k) as tf.Tensor2D;
  return softCrossEntropy(logits, t);
}

export function bootstrapLoss(logits: tf.Tensor2D, labels: tf.Tensor1D, beta: number, mode: 'soft' | 'hard'): tf.Tensor1D {
  const k = logits.shape[1];
  let pred: tf.Tensor;
  if (mode === 'soft') {
    pred = tf.softmax(logits);
  } else {
    pred = oneHot(tf.argMax(detach(logits), 1) as tf.Tensor1D, k);
  }
  const t = tf.add(tf.mul(oneHot(labels, k), beta), tf.mul(pred, 1 - beta)) as tf.Tensor2D;
  return softCrossEntropy(logits, t);
}
