/**
 * Carlini–Wagner L2 (Carlini & Wagner, "Towards evaluating the robustness of neural networks",
 * S&P 2017), a minimal-perturbation attack.
 *
 * The image is written as x = (tanh(w) + 1) / 2, so every w gives pixels in [0,1], and Adam
 * minimises over w
 *   ||x - x0||_2^2 + c * max(z_y - max_{i!=y} z_i + kappa, 0)
 * (the confidence kappa asks for a margin of kappa logits). A binary search over c per point
 * (`binarySteps` rounds of `steps` Adam steps, each starting again from x0) looks for the
 * smallest c that still gives a misclassification: after a round that succeeded, c moves halfway
 * down towards the largest failing c; after one that failed, halfway up to the smallest
 * succeeding c, or times 10 while none has succeeded. The smallest misclassifying perturbation
 * seen over all rounds is kept. In its second half a round stops early once its total loss stops
 * decreasing.
 */
import { tf } from '../engine/backend';
import type { Attack } from './attack';
import { minimalEpsParam, minimalResult } from './minimal';
import { maxOther } from './losses';
import { argmaxRows, copyRow, gatherRows, labelsOf, logitsOf } from './util';

export const cwL2: Attack = {
  entry: {
    name: 'cw-l2',
    title: 'Carlini–Wagner L2 (smallest change)',
    description:
      'Searches, for each image, the smallest change (by L2 length) that makes the model wrong, by optimisation with a trade-off constant tuned by binary search. Slow but precise; reports the size of the change per image, the median, and accuracy against size.',
    params: [
      {
        key: 'steps',
        label: 'Steps per round',
        type: 'integer',
        min: 1,
        max: 10000,
        default: 100,
        help: 'Optimiser (Adam) steps in each round of the binary search.',
      },
      {
        key: 'binarySteps',
        label: 'Binary search rounds',
        type: 'integer',
        min: 1,
        max: 30,
        default: 6,
        help: 'Rounds of the search for the trade-off constant c; each round costs `steps` gradient evaluations.',
      },
      {
        key: 'initialConst',
        label: 'Initial constant c',
        type: 'number',
        min: 1e-6,
        max: 1e6,
        step: 0.01,
        default: 0.1,
        help: 'Starting weight of the misclassification term against the size of the change.',
        advanced: true,
      },
      {
        key: 'confidence',
        label: 'Confidence κ',
        type: 'number',
        min: 0,
        max: 1000,
        step: 0.1,
        default: 0,
        help: 'How many logits the wrong class must win by; 0 finds the smallest change that just flips the prediction.',
        advanced: true,
      },
      {
        key: 'lr',
        label: 'Learning rate',
        type: 'number',
        min: 1e-5,
        max: 1,
        step: 0.001,
        default: 0.1,
        help: 'Adam step size in the tanh-space variable. Pixels at exactly 0 or 1 sit deep in the flat part of tanh, so with a few hundred steps a small rate (the paper’s 0.01, meant for 10,000 steps) cannot move them; 0.1 can.',
        advanced: true,
      },
      minimalEpsParam('l2'),
    ],
  },
  kind: 'minimal',
  radius: (p) => ((p.eps as number) > 0 ? { norm: 'l2', eps: p.eps as number } : null),
  async run(model, x, y, params, ctx) {
    const steps = params.steps as number;
    const binarySteps = params.binarySteps as number;
    const kappa = params.confidence as number;
    const lr = params.lr as number;
    const [n, h, w, ch] = x.shape;
    const d = h * w * ch;
    const labels = labelsOf(y);
    const x0 = Float32Array.from(x.dataSync() as Float32Array);
    const z0 = logitsOf(model, x);
    const k = n ? z0.length / n : 0;
    const pred0 = argmaxRows(z0, n, k);
    const norms = new Float32Array(n).fill(Infinity);
    const adv = Float32Array.from(x0);
    const active: number[] = [];
    for (let i = 0; i < n; i++) {
      if (pred0[i] !== labels[i]) norms[i] = 0;
      else active.push(i);
    }
    let gradEvals = 0;
    const queries = n;
    const m = active.length;
    if (!m) return minimalResult(x, adv, norms, params.eps as number, { gradEvals, queries });

    const xs = gatherRows(x, active);
    const yLocal = Int32Array.from(active.map((g) => labels[g]));
    // The starting point x0 in tanh space (pulled in slightly so that 0 and 1 stay finite).
    const xsData = xs.dataSync() as Float32Array;
    const w0 = tf.tensor4d(
      xsData.map((v) => Math.atanh((2 * v - 1) * (1 - 1e-6))),
      xs.shape,
    );
    const lo = new Float64Array(m);
    const hi = new Float64Array(m).fill(1e10);
    const c = new Float64Array(m).fill(params.initialConst as number);
    const bestL2 = new Float64Array(m).fill(Infinity);
    const beta1 = 0.9;
    const beta2 = 0.999;
    try {
      for (let b = 0; b < binarySteps; b++) {
        let wv = w0.clone();
        let mom = tf.zerosLike(wv);
        let vel = tf.zerosLike(wv);
        const cT = tf.tensor1d(Float32Array.from(c));
        const succeeded = new Uint8Array(m);
        let prevLoss = Infinity;
        const checkEvery = Math.max(1, Math.ceil(steps / 10));
        try {
          for (let it = 0; it < steps; it++) {
            await ctx.tick({ iteration: b * steps + it, iterations: binarySteps * steps });
            let z = new Float32Array(0);
            let keptX: tf.Tensor | null = null;
            let keptL2: tf.Tensor | null = null;
            let keptLoss: tf.Tensor | null = null;
            const grad = tf.tidy(() =>
              tf.grad((wi: tf.Tensor) => {
                const xw = tf.div(tf.add(tf.tanh(wi), 1), 2) as tf.Tensor4D;
                const l2sq = tf.sum(tf.square(tf.sub(xw, xs)), [1, 2, 3]);
                const logits = model.forward(xw, { training: false });
                z = Float32Array.from(logits.dataSync() as Float32Array);
                const a = new Float32Array(m * k);
                for (let i = 0; i < m; i++) {
                  a[i * k + yLocal[i]] += 1;
                  a[i * k + maxOther(z, i, k, yLocal[i])] -= 1;
                }
                const margin = tf.sum(tf.mul(logits, tf.tensor2d(a, [m, k])), 1);
                const f = tf.relu(tf.add(margin, kappa));
                const total = tf.sum(tf.add(l2sq, tf.mul(cT, f))) as tf.Scalar;
                keptX = tf.keep(xw);
                keptL2 = tf.keep(l2sq);
                keptLoss = tf.keep(total);
                return total;
              })(wv),
            );
            gradEvals += m;
            const xData = (keptX as unknown as tf.Tensor).dataSync() as Float32Array;
            const l2 = (keptL2 as unknown as tf.Tensor).dataSync() as Float32Array;
            const totalLoss = (keptLoss as unknown as tf.Tensor).dataSync()[0];
            const pred = argmaxRows(z, m, k);
            for (let i = 0; i < m; i++) {
              const margin = z[i * k + yLocal[i]] - z[i * k + maxOther(z, i, k, yLocal[i])];
              if (pred[i] !== yLocal[i] && margin + kappa <= 0) {
                succeeded[i] = 1;
                const dist = Math.sqrt(l2[i]);
                if (dist < bestL2[i]) {
                  bestL2[i] = dist;
                  copyRow(xData, i, adv, active[i], d);
                }
              }
            }
            tf.dispose([keptX as unknown as tf.Tensor, keptL2 as unknown as tf.Tensor, keptLoss as unknown as tf.Tensor]);
            // Adam step (minimising).
            const t = it + 1;
            const next = tf.tidy(() => {
              const nm = tf.add(tf.mul(mom, beta1), tf.mul(grad, 1 - beta1));
              const nv = tf.add(tf.mul(vel, beta2), tf.mul(tf.square(grad), 1 - beta2));
              const mhat = tf.div(nm, 1 - beta1 ** t);
              const vhat = tf.div(nv, 1 - beta2 ** t);
              const nw = tf.sub(wv, tf.mul(tf.div(mhat, tf.add(tf.sqrt(vhat), 1e-8)), lr));
              return [nw, nm, nv] as tf.Tensor4D[];
            });
            tf.dispose([grad, wv, mom, vel]);
            [wv, mom, vel] = next;
            // Stop a round once its loss no longer decreases; not in the first half, where
            // Adam's equal-size first steps make the distance term (and the loss) grow at first.
            if ((it + 1) % checkEvery === 0 && it + 1 > steps / 2) {
              if (totalLoss > prevLoss * 0.9999) break;
              prevLoss = totalLoss;
            }
          }
        } finally {
          tf.dispose([wv, mom, vel, cT]);
        }
        for (let i = 0; i < m; i++) {
          if (succeeded[i]) {
            hi[i] = Math.min(hi[i], c[i]);
            c[i] = (lo[i] + hi[i]) / 2;
          } else {
            lo[i] = Math.max(lo[i], c[i]);
            c[i] = hi[i] < 1e9 ? (lo[i] + hi[i]) / 2 : c[i] * 10;
          }
        }
      }
    } finally {
      tf.dispose([xs, w0]);
    }
    // Sizes of the perturbations actually stored (after float32 rounding).
    for (let i = 0; i < m; i++) {
      if (!Number.isFinite(bestL2[i])) continue;
      const g = active[i];
      let s = 0;
      for (let q = 0; q < d; q++) s += (adv[g * d + q] - x0[g * d + q]) ** 2;
      norms[g] = Math.sqrt(s);
    }
    return minimalResult(x, adv, norms, params.eps as number, { gradEvals, queries });
  },
};
