/**
 * Training-time adversaries: projected gradient ascent in the L∞ ball on any objective of the
 * logits (cross-entropy for PGD-AT, KL to the clean prediction for TRADES), with a per-example
 * radius when a method needs one (DAFA). Unlike the evaluation attack (src/core/attacks/pgd),
 * it returns the last iterate and keeps no bookkeeping of which points were fooled.
 *
 * Runs in: Node (core).
 */
import { tf } from '../engine/backend';
import { valueAndInputGrad } from '../engine/parallel';
import type { Rng } from '../engine/random';
import type { Model } from '../models/model';
import { ce } from './losses/common';

export interface LinfAdversaryOptions {
  eps: number;
  steps: number;
  /** Step size in pixels; 0 = 2.5·eps/steps (enough to cross the ball). */
  stepSize: number;
  /**
   * 'uniform': uniform in the ball, clipped to it and to [0, 1]; 'small-normal': x + 0.001·N(0, 1),
   * NOT clipped before the first step (as in the TRADES reference code: the first gradient is
   * taken there, and every step is then projected onto the ball and [0, 1]; with no step the start
   * is clipped to [0, 1] only); 'none': start at x.
   */
  start: 'uniform' | 'small-normal' | 'none';
  rng: Rng;
  /** Per-example multiplier of eps and the step size (DAFA's class-wise radii); default all 1. */
  scale?: Float32Array;
  /** What the adversary maximizes, summed over the batch; default the cross-entropy with y. */
  objective?: (logits: tf.Tensor2D) => tf.Scalar;
}

export function autoStepSize(eps: number, steps: number, stepSize: number): number {
  return stepSize > 0 ? stepSize : (2.5 * eps) / Math.max(1, steps);
}

/** Adversarial images inside [x − eps, x + eps] ∩ [0, 1]. The caller disposes the result. */
export function linfAdversary(model: Model, x: tf.Tensor4D, y: tf.Tensor1D, o: LinfAdversaryOptions): tf.Tensor4D {
  const n = x.shape[0];
  const alpha = autoStepSize(o.eps, o.steps, o.stepSize);
  const objective = o.objective ?? ((logits: tf.Tensor2D) => tf.sum(ce(logits, y)) as tf.Scalar);
  return tf.tidy(() => {
    const scale = o.scale ? tf.tensor(o.scale, [n, 1, 1, 1]) : tf.scalar(1);
    const epsT = tf.mul(scale, o.eps);
    const lo = tf.maximum(tf.sub(x, epsT), 0);
    const hi = tf.minimum(tf.add(x, epsT), 1);
    const project = (t: tf.Tensor) => tf.minimum(tf.maximum(t, lo), hi) as tf.Tensor4D;
    let xAdv: tf.Tensor4D;
    if (o.start === 'uniform' && o.eps > 0) {
      const noise = tf.tensor(o.rng.fillUniform(new Float32Array(x.size), -1, 1), x.shape);
      xAdv = project(tf.add(x, tf.mul(noise, epsT)));
    } else if (o.start === 'small-normal') {
      const noise = tf.tensor(o.rng.fillNormal(new Float32Array(x.size), 0, 0.001), x.shape);
      xAdv = tf.add(x, noise) as tf.Tensor4D;
      if (o.eps <= 0) return project(xAdv);
      if (o.steps <= 0) return tf.clipByValue(xAdv, 0, 1) as tf.Tensor4D;
    } else {
      xAdv = x.clone();
    }
    if (o.eps <= 0) return xAdv;
    const grad = tf.grad((xi: tf.Tensor) => objective(model.forward(xi as tf.Tensor4D, { training: false })));
    // The default objective (summed cross-entropy) runs on every core (engine/parallel).
    const labels = o.objective ? null : Int32Array.from(y.dataSync() as unknown as ArrayLike<number>);
    const stepT = tf.mul(scale, alpha);
    for (let t = 0; t < o.steps; t++) {
      const g = labels ? valueAndInputGrad(model, xAdv, 'ce', labels).grad : grad(xAdv);
      xAdv = project(tf.add(xAdv, tf.mul(tf.sign(g), stepT)));
    }
    return xAdv;
  });
}
