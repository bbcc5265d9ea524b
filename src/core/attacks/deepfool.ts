/**
 * DeepFool (Moosavi-Dezfooli et al., CVPR 2016), a minimal-perturbation attack: it treats the
 * model as linear around the current point and steps to the nearest linearised decision
 * boundary, repeating until the predicted class changes.
 *
 * At the current point x_i, for each candidate class c other than the true class y (the
 * `candidates` classes with the largest clean logits), w_c = grad z_c - grad z_y and
 * f_c = z_c - z_y. The nearest boundary is l = argmin |f_c| / ||w_c||_q, with q the dual norm
 * (q = 2 for L2, q = 1 for L-inf), and the step is
 *   L2:    r = (|f_l| + 1e-4) / ||w_l||_2^2 * w_l
 *   L-inf: r = (|f_l| + 1e-4) / ||w_l||_1   * sign(w_l)
 * The steps add up to r_tot and the next point is clip(x0 + (1 + overshoot) r_tot, 0, 1), so the
 * final perturbation overshoots the boundary by 2 % by default. One iteration costs one gradient
 * evaluation per candidate class.
 */
import { tf } from '../engine/backend';
import type { Attack, Norm } from './attack';
import { minimalEpsParam, minimalResult } from './minimal';
import { argmaxRows, copyRow, labelsOf, logitsOf, rowNorms } from './util';
import { sortedClasses } from './losses';

export const deepfool: Attack = {
  entry: {
    name: 'deepfool',
    title: 'DeepFool (smallest change, L2 or L∞)',
    description:
      'Finds, for each image, a close-to-smallest change that makes the model wrong, by repeatedly stepping to the nearest decision boundary of a straight-line approximation of the model. Reports how large that change is (per image, the median, and accuracy against size) instead of a yes/no at one eps.',
    params: [
      {
        key: 'norm',
        label: 'Norm',
        type: 'enum',
        default: 'l2',
        options: [
          { value: 'l2', label: 'L2 (length of the whole change)' },
          { value: 'linf', label: 'L∞ (largest change of any pixel)' },
        ],
        help: 'How the size of a change is measured.',
      },
      {
        key: 'steps',
        label: 'Max iterations',
        type: 'integer',
        min: 1,
        max: 1000,
        default: 50,
        help: 'Most linearisation steps per image; most images need fewer than 5.',
      },
      {
        key: 'overshoot',
        label: 'Overshoot',
        type: 'number',
        min: 0,
        max: 1,
        step: 0.01,
        default: 0.02,
        help: 'How far past the boundary to go, as a fraction of the step (0.02 = 2 %), so the point lands on the wrong side.',
        advanced: true,
      },
      {
        key: 'candidates',
        label: 'Candidate classes',
        type: 'integer',
        min: 2,
        max: 1000,
        default: 10,
        help: 'How many of the most likely classes (the true one included) to consider as the next class; fewer is faster.',
        advanced: true,
      },
      minimalEpsParam('either'),
    ],
  },
  kind: 'minimal',
  radius: (p) => ((p.eps as number) > 0 ? { norm: p.norm as Norm, eps: p.eps as number } : null),
  async run(model, x, y, params, ctx) {
    const norm = params.norm as Norm;
    const maxIter = params.steps as number;
    const overshoot = params.overshoot as number;
    const [n, h, w, ch] = x.shape;
    const d = h * w * ch;
    const labels = labelsOf(y);
    const x0 = Float32Array.from(x.dataSync() as Float32Array);
    const z0 = logitsOf(model, x);
    const k = n ? z0.length / n : 0;
    const C = Math.min(params.candidates as number, k);
    const pred0 = argmaxRows(z0, n, k);
    const norms = new Float32Array(n).fill(Infinity);
    const adv = Float32Array.from(x0);
    let gradEvals = 0;
    let queries = n;
    // Candidate classes per point: the true class first, then the most likely others.
    const cand: Int32Array[] = [];
    let active: number[] = [];
    for (let i = 0; i < n; i++) {
      const others = sortedClasses(z0, i, k).filter((c) => c !== labels[i]).slice(0, C - 1);
      cand.push(Int32Array.from([labels[i], ...others]));
      if (pred0[i] !== labels[i]) norms[i] = 0;
      else active.push(i);
    }
    const cur = Float32Array.from(x0); // current iterate per point
    const rTot = new Float32Array(n * d);
    const broken = new Uint8Array(n);
    for (let iter = 0; iter <= maxIter && active.length; iter++) {
      await ctx.tick({ iteration: iter, iterations: maxIter + 1, unbroken: active.length, points: n });
      const m = active.length;
      let z: Float32Array;
      let g: Float32Array | null = null;
      if (iter < maxIter) {
        // All candidate gradients in one pass: the batch tiled C times, copy c selecting logit cand[c].
        const xr = new Float32Array(C * m * d);
        const mask = new Float32Array(C * m * k);
        for (let c = 0; c < C; c++) {
          for (let j = 0; j < m; j++) {
            const i = active[j];
            copyRow(cur, i, xr, c * m + j, d);
            mask[(c * m + j) * k + cand[i][c]] = 1;
          }
        }
        let zAll = new Float32Array(0);
        const gt = tf.tidy(() => {
          const xt = tf.tensor4d(xr, [C * m, h, w, ch]);
          const mt = tf.tensor2d(mask, [C * m, k]);
          return tf.grad((xi: tf.Tensor) => {
            const logits = model.forward(xi as tf.Tensor4D, { training: false });
            zAll = Float32Array.from(logits.dataSync() as Float32Array);
            return tf.sum(tf.mul(logits, mt)) as tf.Scalar;
          })(xt);
        });
        g = Float32Array.from(gt.dataSync() as Float32Array);
        gt.dispose();
        z = zAll.subarray(0, m * k);
        gradEvals += C * m;
      } else {
        const xr = new Float32Array(m * d);
        active.forEach((i, j) => copyRow(cur, i, xr, j, d));
        const t = tf.tensor4d(xr, [m, h, w, ch]);
        z = logitsOf(model, t);
        t.dispose();
        queries += m;
      }
      const pred = argmaxRows(z, m, k);
      const still: number[] = [];
      for (let j = 0; j < m; j++) {
        const i = active[j];
        if (pred[j] !== labels[i]) {
          copyRow(cur, i, adv, i, d);
          broken[i] = 1;
          continue;
        }
        if (!g) continue;
        still.push(i);
        // The nearest linearised boundary among the candidates.
        let bestDist = Infinity;
        let bestC = -1;
        let bestF = 0;
        let bestNorm = 0;
        for (let c = 1; c < C; c++) {
          const f = z[j * k + cand[i][c]] - z[j * k + labels[i]];
          let s = 0;
          for (let q = 0; q < d; q++) {
            const wq = g[(c * m + j) * d + q] - g[j * d + q];
            s += norm === 'l2' ? wq * wq : Math.abs(wq);
          }
          const wn = norm === 'l2' ? Math.sqrt(s) : s;
          const dist = Math.abs(f) / (wn + 1e-12);
          if (dist < bestDist) {
            bestDist = dist;
            bestC = c;
            bestF = f;
            bestNorm = s; // squared L2 norm, or L1 norm
          }
        }
        if (bestC < 0) continue;
        const scale = (Math.abs(bestF) + 1e-4) / (bestNorm + 1e-12);
        for (let q = 0; q < d; q++) {
          const wq = g[(bestC * m + j) * d + q] - g[j * d + q];
          rTot[i * d + q] += norm === 'l2' ? scale * wq : scale * Math.sign(wq);
          const v = x0[i * d + q] + (1 + overshoot) * rTot[i * d + q];
          cur[i * d + q] = v < 0 ? 0 : v > 1 ? 1 : v;
        }
      }
      active = still;
    }
    // Sizes of the perturbations found.
    const delta = new Float32Array(n * d);
    for (let q = 0; q < n * d; q++) delta[q] = adv[q] - x0[q];
    const sizes = rowNorms(delta, n, norm);
    for (let i = 0; i < n; i++) if (broken[i]) norms[i] = sizes[i];
    return minimalResult(x, adv, norms, params.eps as number, { gradEvals, queries });
  },
};
