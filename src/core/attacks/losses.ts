/**
 * Per-point losses that attacks maximise, all computed on logits. Choices that depend on the
 * ordering of the logits (the largest other logit, the sorted logits of DLR) are read from the
 * logit values and enter as constant coefficient masks, so the gradient is the same as that of
 * a sort/max in PyTorch and needs no kernel beyond multiply, sum and divide (present on every
 * backend, wasm included).
 *
 * - ce:              cross-entropy of the true class (Madry et al.).
 * - ce-targeted:     minus the cross-entropy of the target class (maximising it pulls towards t).
 * - dlr:             difference of logits ratio, -(z_y - max_{i!=y} z_i) / (z_pi1 - z_pi3 + 1e-12)
 *                    (Croce & Hein 2020), invariant to shifting and scaling the logits.
 * - dlr-targeted:    -(z_y - z_t) / (z_pi1 - (z_pi3 + z_pi4)/2 + 1e-12).
 * - margin:          max_{i!=y} z_i - z_y (positive once the point is misclassified).
 * - neg-true-logit:  -z_y (MD attack, first stage, one half of the restarts).
 * - max-other-logit: max_{i!=y} z_i (MD attack, first stage, the other half).
 * pi1 >= pi2 >= ... are the logits sorted in decreasing order.
 */
import { tf } from '../engine/backend';
import { crossEntropy } from '../engine/ops';
import { registerShardLoss } from '../engine/parallel';
import { LabError } from '../../shared/errors';
import type { LossOf } from './util';

export type LossName = 'ce' | 'ce-targeted' | 'dlr' | 'dlr-targeted' | 'margin' | 'neg-true-logit' | 'max-other-logit';

/** The smallest number of classes each loss is defined for. */
export const LOSS_MIN_CLASSES: Record<LossName, number> = {
  ce: 2,
  'ce-targeted': 2,
  dlr: 3,
  'dlr-targeted': 4,
  margin: 2,
  'neg-true-logit': 2,
  'max-other-logit': 2,
};

/** Throws a clear error when a loss cannot be used with k classes. */
export function requireClasses(loss: LossName, k: number, what: string): void {
  const need = LOSS_MIN_CLASSES[loss];
  if (k < need) {
    throw new LabError(
      'bad_input',
      `${what} uses the ${loss.startsWith('dlr') ? 'DLR' : loss} loss, which needs at least ${need} classes, but the model predicts ${k}. ` +
        `Use an attack with the cross-entropy loss instead (for example apgd-ce or pgd).`,
    );
  }
}

/** Index of the largest logit of row i other than class `not` (-1 if none). */
export function maxOther(z: Float32Array, i: number, k: number, not: number): number {
  let best = -Infinity;
  let arg = -1;
  for (let c = 0; c < k; c++) {
    if (c === not) continue;
    const v = z[i * k + c];
    if (v > best || arg < 0) {
      best = v;
      arg = c;
    }
  }
  return arg;
}

/** Class indices of row i sorted by decreasing logit. */
export function sortedClasses(z: Float32Array, i: number, k: number): number[] {
  const idx = Array.from({ length: k }, (_, c) => c);
  idx.sort((a, b) => z[i * k + b] - z[i * k + a] || a - b);
  return idx;
}

/** sum_c z[i,c] * a[i,c] as a differentiable [n] tensor. */
function dot(logits: tf.Tensor2D, a: Float32Array): tf.Tensor1D {
  return tf.sum(tf.mul(logits, tf.tensor2d(a, logits.shape)), 1) as tf.Tensor1D;
}

/**
 * Builds the per-point loss `name` for labels y (and targets t for the targeted losses), for use
 * with valueAndGrad. Values are to be maximised.
 */
export function lossFor(name: LossName, y: Int32Array, t: Int32Array | null = null): LossOf {
  const f: LossOf = (logits, z) => {
    const [n, k] = logits.shape;
    requireClasses(name, k, 'This attack');
    if ((name === 'ce-targeted' || name === 'dlr-targeted') && !t) {
      throw new Error(`Internal error: the ${name} loss needs target classes.`);
    }
    switch (name) {
      case 'ce':
        return tf.tidy(() => crossEntropy(logits, tf.tensor1d(y, 'int32'), 'none') as tf.Tensor1D);
      case 'ce-targeted':
        return tf.tidy(() => tf.neg(crossEntropy(logits, tf.tensor1d(t!, 'int32'), 'none')) as tf.Tensor1D);
      case 'margin':
      case 'neg-true-logit':
      case 'max-other-logit': {
        const a = new Float32Array(n * k);
        for (let i = 0; i < n; i++) {
          if (name !== 'max-other-logit') a[i * k + y[i]] -= 1;
          if (name !== 'neg-true-logit') a[i * k + maxOther(z, i, k, y[i])] += 1;
        }
        return tf.tidy(() => dot(logits, a));
      }
      case 'dlr':
      case 'dlr-targeted': {
        const num = new Float32Array(n * k);
        const den = new Float32Array(n * k);
        for (let i = 0; i < n; i++) {
          const s = sortedClasses(z, i, k);
          num[i * k + y[i]] += 1;
          if (name === 'dlr') {
            num[i * k + maxOther(z, i, k, y[i])] -= 1;
            den[i * k + s[0]] += 1;
            den[i * k + s[2]] -= 1;
          } else {
            num[i * k + t![i]] -= 1;
            den[i * k + s[0]] += 1;
            den[i * k + s[2]] -= 0.5;
            den[i * k + s[3]] -= 0.5;
          }
        }
        return tf.tidy(() => tf.neg(tf.div(dot(logits, num), tf.add(dot(logits, den), 1e-12))) as tf.Tensor1D);
      }
    }
  };
  // Tagged so valueAndGrad (./util) can hand it to the data-parallel executor by name.
  return Object.assign(f, { shard: { objective: `attack:${name}`, y, t } });
}

/** The same losses evaluated in plain JavaScript from logit values (for tests and bookkeeping). */
export function lossValue(name: LossName, z: Float32Array, i: number, k: number, y: number, t = -1): number {
  const zi = (c: number) => z[i * k + c];
  switch (name) {
    case 'ce':
    case 'ce-targeted': {
      let m = -Infinity;
      for (let c = 0; c < k; c++) m = Math.max(m, zi(c));
      let s = 0;
      for (let c = 0; c < k; c++) s += Math.exp(zi(c) - m);
      const lse = m + Math.log(s);
      return name === 'ce' ? lse - zi(y) : zi(t) - lse;
    }
    case 'margin':
      return zi(maxOther(z, i, k, y)) - zi(y);
    case 'neg-true-logit':
      return -zi(y);
    case 'max-other-logit':
      return zi(maxOther(z, i, k, y));
    case 'dlr': {
      const s = sortedClasses(z, i, k);
      return -(zi(y) - zi(maxOther(z, i, k, y))) / (zi(s[0]) - zi(s[2]) + 1e-12);
    }
    case 'dlr-targeted': {
      const s = sortedClasses(z, i, k);
      return -(zi(y) - zi(t)) / (zi(s[0]) - (zi(s[2]) + zi(s[3])) / 2 + 1e-12);
    }
  }
}

// The data-parallel executor computes these losses in its worker threads too (registered under
// "attack:<name>"; engine/parallel-worker imports this module).
for (const name of Object.keys(LOSS_MIN_CLASSES) as LossName[]) {
  registerShardLoss(`attack:${name}`, (y, t) => lossFor(name, y, t));
}
