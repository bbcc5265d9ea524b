/**
 * Gradient-masking checks: signs that an evaluation overestimates robustness because the
 * attacks were misled, not because the model is robust (Athalye et al. 2018; Carlini et al.
 * 2019, "On evaluating adversarial robustness"). Each check gives a warning with a code and a
 * plain sentence saying what it means and what to do.
 *
 * - probability-outputs: the model's outputs look like softmax probabilities (or their logs)
 *   instead of logits; attacks that apply softmax again see flat, tiny gradients.
 * - random-outputs: the same input gives different outputs; gradients are then noisy and a
 *   single attack run understates what repeated attempts achieve.
 * - zero-gradients: the input gradient is exactly zero on many points, for the cross-entropy AND
 *   for the logit margin: the model itself is flat there (thresholds, rounding of the input,
 *   every ReLU off); gradient attacks cannot move there, though the model may still be easy to
 *   fool. A gradient that is merely tiny (a confident model: 1e-9 per pixel is common) is not
 *   zero: the engine's sign is exact, so signed steps still move every such pixel, and no warning
 *   is given.
 * - saturated-loss: the cross-entropy gradient is exactly zero in float32 (the softmax of a very
 *   confident model rounds to 1, so 1 − p is 0) while the margin between logits still has a
 *   gradient. That is float32 rounding of the loss, not a property of the model: cross-entropy
 *   attacks stall there, margin-based ones (apgd-dlr, cw-l2, autoattack) do not.
 * - unbounded-not-broken: PGD allowed to change every pixel arbitrarily (eps = 1) does not bring
 *   accuracy down to chance or below; any correct attack must, so the attack is failing.
 * - blackbox-beats-whitebox: a black-box attack (Square), which sees only outputs, breaks at least
 *   1 % of the points that the gradient attacks could not; the gradients are misleading, or the
 *   gradient attack too weak.
 */
import { tf } from '../engine/backend';
import type { Rng } from '../engine/random';
import type { Model } from '../models/model';
import { crossEntropy } from '../engine/ops';
import { parseParams } from '../params';
import { pgd } from '../attacks/pgd';
import { square } from '../attacks/square';
import { logitsOf } from '../attacks/util';
import type { MaskingWarning } from '../../shared/schemas';

export type { MaskingWarning };

/** What the output checks measured on a batch. */
export interface OutputCheck {
  points: number;
  /** Largest absolute difference between two forward passes of the same input. */
  repeatDifference: number;
  /** Every row is in [0,1] and sums to 1. */
  probabilityLike: boolean;
  /** Every row is <= 0 and its exponentials sum to 1. */
  logProbabilityLike: boolean;
}

/** Two forward passes of the same batch: randomness, and whether the outputs are probabilities. */
export function checkOutputs(model: Model, x: tf.Tensor4D): OutputCheck {
  const n = x.shape[0];
  const z1 = logitsOf(model, x);
  const z2 = logitsOf(model, x);
  const k = n ? z1.length / n : 0;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < z1.length; i++) {
    diff = Math.max(diff, Math.abs(z1[i] - z2[i]));
    scale = Math.max(scale, Math.abs(z1[i]));
  }
  let prob = n > 0 && k > 1;
  let logProb = n > 0 && k > 1;
  for (let i = 0; i < n && (prob || logProb); i++) {
    let sum = 0;
    let expSum = 0;
    for (let c = 0; c < k; c++) {
      const v = z1[i * k + c];
      if (v < -1e-6 || v > 1 + 1e-6) prob = false;
      if (v > 1e-6) logProb = false;
      sum += v;
      expSum += Math.exp(v);
    }
    if (Math.abs(sum - 1) > 1e-3) prob = false;
    if (Math.abs(expSum - 1) > 1e-3) logProb = false;
  }
  return { points: n, repeatDifference: diff / Math.max(1, scale) > 1e-5 ? diff : 0, probabilityLike: prob, logProbabilityLike: logProb };
}

/** float32's machine epsilon: below it the tfjs wasm Sign used to return 0 (see engine/wasm-kernels.ts). */
export const TINY_GRADIENT = 2 ** -23;

/** What the gradient check measured on a batch (fractions of its points). */
export interface GradientCheck {
  points: number;
  /** Cross-entropy and logit-margin input gradients both exactly zero (or not a number): the model is flat there. */
  exactZero: number;
  /** Cross-entropy gradient exactly zero but the margin's is not: float32 rounding of a saturated softmax. */
  lossRounded: number;
  /** Cross-entropy gradient not zero but every entry below float32 epsilon (2^-23): tiny, still usable. */
  tiny: number;
}

/** Per-point largest |entry| of the input gradient of sum(loss(model(x))). */
function maxAbsGrad(model: Model, x: tf.Tensor4D, loss: (z: tf.Tensor2D) => tf.Tensor): Float32Array {
  const maxAbs = tf.tidy(() => {
    const g = tf.grad((xi: tf.Tensor) => tf.sum(loss(model.forward(xi as tf.Tensor4D, { training: false }))) as tf.Scalar)(x);
    return tf.max(tf.abs(g), [1, 2, 3]);
  });
  const m = Float32Array.from(maxAbs.dataSync());
  maxAbs.dispose();
  return m;
}

/**
 * Classifies each point by its input gradient: exactly zero (the model is flat: both the
 * cross-entropy and the margin z_y − max_{k≠y} z_k have a zero gradient), zero for the
 * cross-entropy only (the loss rounded to a constant in float32), tiny but not zero, or ordinary.
 * "Zero" means exactly zero: no threshold, so a model is never blamed for a small gradient.
 */
export function gradientCheck(model: Model, x: tf.Tensor4D, y: tf.Tensor1D): GradientCheck {
  const n = x.shape[0];
  if (!n) return { points: 0, exactZero: 0, lossRounded: 0, tiny: 0 };
  const ce = maxAbsGrad(model, x, (z) => crossEntropy(z as tf.Tensor2D, y, 'none'));
  let margin: Float32Array | null = null;
  if (ce.some((v) => !(v > 0))) {
    margin = maxAbsGrad(model, x, (z) =>
      tf.tidy(() => {
        const k = z.shape[1];
        const onehot = tf.cast(tf.oneHot(tf.cast(y, 'int32') as tf.Tensor1D, k), 'float32');
        const zy = tf.sum(tf.mul(z, onehot), 1);
        // The largest other logit: the true class pushed below every other by a finite offset.
        const others = tf.max(tf.sub(z, tf.mul(onehot, tf.add(tf.sub(tf.max(z, 1, true), tf.min(z, 1, true)), 1))), 1);
        return tf.sub(zy, others);
      }),
    );
  }
  let exactZero = 0;
  let lossRounded = 0;
  let tiny = 0;
  for (let i = 0; i < n; i++) {
    if (!(ce[i] > 0)) {
      if (margin && margin[i] > 0) lossRounded++;
      else exactZero++;
    } else if (ce[i] < TINY_GRADIENT) tiny++;
  }
  return { points: n, exactZero: exactZero / n, lossRounded: lossRounded / n, tiny: tiny / n };
}

/** Fraction of points whose input gradient is exactly zero for the cross-entropy and the logit margin. */
export function zeroGradientFraction(model: Model, x: tf.Tensor4D, y: tf.Tensor1D): number {
  return gradientCheck(model, x, y).exactZero;
}

/** Accuracy under L-inf PGD with eps = 1 (the whole pixel range): should be at or below chance. */
export async function unboundedAccuracy(model: Model, x: tf.Tensor4D, y: tf.Tensor1D, rng: Rng, tick: () => Promise<void>): Promise<number> {
  const n = x.shape[0];
  if (!n) return 0;
  const params = parseParams('the eps = 1 check', pgd.entry.params, { eps: 1, steps: 50, stepSize: 0.1, restarts: 1, randomStart: true });
  const r = await pgd.run(model, x, y, params, { rng, tick });
  r.xAdv.dispose();
  let robust = 0;
  for (let i = 0; i < n; i++) robust += r.fooled[i] ? 0 : 1;
  return robust / n;
}

/** How many of the points a white-box attack left unbroken the Square attack breaks. */
export async function squareOnRobust(
  model: Model,
  x: tf.Tensor4D,
  y: tf.Tensor1D,
  robust: Uint8Array,
  eps: number,
  queries: number,
  rng: Rng,
  tick: () => Promise<void>,
): Promise<{ ran: number; broke: number }> {
  const idx: number[] = [];
  for (let i = 0; i < robust.length; i++) if (robust[i]) idx.push(i);
  if (!idx.length) return { ran: 0, broke: 0 };
  const ii = tf.tensor1d(Int32Array.from(idx), 'int32');
  const xs = tf.gather(x, ii) as tf.Tensor4D;
  const ys = tf.gather(y, ii) as tf.Tensor1D;
  try {
    const params = parseParams('the black-box check', square.entry.params, { eps, queries });
    const r = await square.run(model, xs, ys, params, { rng, tick });
    r.xAdv.dispose();
    return { ran: idx.length, broke: r.fooled.reduce((a, b) => a + b, 0) };
  } finally {
    tf.dispose([ii, xs, ys]);
  }
}

export interface MaskingFindings {
  outputs?: OutputCheck;
  /** fraction: exactly zero (the model is flat); lossRounded and tiny as in GradientCheck. */
  zeroGradients?: { fraction: number; points: number; lossRounded?: number; tiny?: number };
  unbounded?: { accuracy: number; points: number; numClasses: number };
  blackBox?: { ran: number; broke: number; count: number; source: string };
}

/** Turns the measurements into warnings (an empty list when nothing looks wrong). */
export function maskingWarnings(f: MaskingFindings): MaskingWarning[] {
  const out: MaskingWarning[] = [];
  const pct = (v: number) => `${(v * 100).toFixed(v < 0.1 ? 1 : 0)} %`;
  if (f.outputs?.probabilityLike) {
    out.push({
      code: 'probability-outputs',
      message:
        'The model’s outputs look like probabilities (each row is between 0 and 1 and sums to 1), not logits. Attacks then apply softmax a second time, which flattens the gradients and makes the model look more robust than it is. Remove the final softmax so the model returns logits, then evaluate again.',
      value: 1,
    });
  } else if (f.outputs?.logProbabilityLike) {
    out.push({
      code: 'probability-outputs',
      message:
        'The model’s outputs look like log-probabilities (log-softmax) rather than logits. Cross-entropy attacks still work, but margin-based attacks and checks may be affected; prefer returning raw logits.',
      value: 1,
    });
  }
  if (f.outputs && f.outputs.repeatDifference > 0) {
    out.push({
      code: 'random-outputs',
      message: `The same image gave different outputs on two passes (largest difference ${f.outputs.repeatDifference.toPrecision(3)}): the model is random at test time. Gradients are then noisy and one attack run understates what an attacker achieves. Evaluate with an attack that averages gradients over many passes (EOT) and more restarts, or make the model deterministic.`,
      value: f.outputs.repeatDifference,
    });
  }
  if (f.zeroGradients && f.zeroGradients.fraction >= 0.1) {
    out.push({
      code: 'zero-gradients',
      message: `The input gradient is exactly zero on ${pct(f.zeroGradients.fraction)} of ${f.zeroGradients.points} checked images, for the cross-entropy and for the margin between the logits alike, so gradient attacks cannot move from there. The model is flat around these images (thresholds, rounding of the input or other non-differentiable steps), which is not robustness. Check with the Square attack (black-box), which needs no gradients.`,
      value: f.zeroGradients.fraction,
    });
  }
  if (f.zeroGradients?.lossRounded != null && f.zeroGradients.lossRounded >= 0.1) {
    out.push({
      code: 'saturated-loss',
      message: `The model is so confident on ${pct(f.zeroGradients.lossRounded)} of ${f.zeroGradients.points} checked images that its softmax rounds to exactly 1 in float32, so the cross-entropy gradient is zero there although the model’s own gradient is not. This is rounding of the loss, not robustness: cross-entropy attacks (fgsm, pgd, apgd-ce) stall on these images. Trust the margin-based attacks (apgd-dlr, cw-l2, autoattack) instead.`,
      value: f.zeroGradients.lossRounded,
    });
  }
  if (f.unbounded) {
    const chance = 1 / Math.max(1, f.unbounded.numClasses);
    if (f.unbounded.accuracy > chance) {
      out.push({
        code: 'unbounded-not-broken',
        message: `With eps = 1 (any image allowed) PGD left accuracy at ${pct(f.unbounded.accuracy)} on ${f.unbounded.points} images, above chance (${pct(chance)}). A working attack must reach chance or below here, so the attack is being misled (gradient masking) and the robust accuracy above is not trustworthy. Try autoattack, more steps and restarts, or the Square attack.`,
        value: f.unbounded.accuracy,
      });
    }
  }
  if (f.blackBox && f.blackBox.broke > 0 && f.blackBox.broke >= 0.01 * f.blackBox.count) {
    out.push({
      code: 'blackbox-beats-whitebox',
      message: `The black-box Square attack, which sees only the model’s outputs, broke ${f.blackBox.broke} image${f.blackBox.broke === 1 ? '' : 's'} (${pct(f.blackBox.broke / Math.max(1, f.blackBox.count))}) that ${f.blackBox.source} could not. A black-box attack should not beat a gradient attack: either the gradients are misleading (gradient masking) or the gradient attack was too weak. Trust the lower accuracy, and evaluate with autoattack or with more steps and restarts.`,
      value: f.blackBox.broke / Math.max(1, f.blackBox.count),
    });
  }
  return out;
}
