/**
 * Square attack, L-inf (Andriushchenko et al., "Square Attack: a query-efficient black-box
 * adversarial attack via random search", ECCV 2020). Black-box: it only computes the model's
 * logits on images (forward passes); it never asks for a gradient.
 *
 * Start: vertical stripes, x + eps * s with one random sign s per column and channel (the same
 * for every row), clipped to [0,1]. Each iteration, for every point not yet broken, a random
 * square window of side s_k = max(round(sqrt(p_k * H * W)), 1) gets, per channel, one random
 * value x0 +/- eps (clipped to [0,1]); the change is kept if the margin loss
 *   z_y - max_{i!=y} z_i
 * went down. A point is broken once its margin is <= 0. The fraction p_k of pixels changed
 * starts at p_init (0.8, as in AutoAttack) and is halved at iterations 10, 50, 200, 500, 1000,
 * 2000, 4000, 6000 and 8000 of a 10,000-query schedule, rescaled to the query budget.
 * Each point costs at most `queries` forward passes, the clean image and the start included.
 */
import { tf } from '../engine/backend';
import { LabError } from '../../shared/errors';
import type { Attack } from './attack';
import { maxOther } from './losses';
import { copyRow, labelsOf, logitsOf } from './util';

/** The fraction of pixels to change at iteration `it` of a budget of `budget` iterations. */
export function squareP(pInit: number, it: number, budget: number): number {
  const i = Math.floor((it / budget) * 10000);
  const halvings = [10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000].filter((b) => i > b).length;
  return pInit / 2 ** halvings;
}

function margins(logits: Float32Array, labels: ArrayLike<number>, rows: number, k: number): Float32Array {
  const out = new Float32Array(rows);
  for (let i = 0; i < rows; i++) out[i] = logits[i * k + labels[i]] - logits[i * k + maxOther(logits, i, k, labels[i])];
  return out;
}

export const square: Attack = {
  entry: {
    name: 'square',
    title: 'Square attack (black-box, L∞)',
    description:
      'A random search that only looks at the model’s outputs, never at its gradients: it changes random squares of pixels by ±eps and keeps each change that brings the model closer to a mistake. If it beats gradient attacks, the gradients are misleading (gradient masking).',
    params: [
      {
        key: 'eps',
        label: 'Epsilon',
        type: 'number',
        min: 0,
        max: 1,
        step: 0.01,
        default: 0.1,
        unit: 'pixel (0–1)',
        help: 'Largest change allowed per pixel, on the 0–1 scale.',
      },
      {
        key: 'queries',
        label: 'Query budget',
        type: 'integer',
        min: 1,
        max: 100000,
        default: 1000,
        help: 'Most model evaluations per image (AutoAttack uses 5000). Cost grows with it on images the attack cannot break.',
      },
      {
        key: 'pInit',
        label: 'Initial square size',
        type: 'number',
        min: 0.001,
        max: 1,
        step: 0.01,
        default: 0.8,
        help: 'Fraction of the image the first squares cover; it shrinks on a fixed schedule.',
        advanced: true,
      },
    ],
  },
  blackBox: true,
  radius: (p) => ({ norm: 'linf', eps: p.eps as number }),
  async run(model, x, y, params, ctx) {
    const eps = params.eps as number;
    const budget = params.queries as number;
    const pInit = params.pInit as number;
    const [n, h, w, c] = x.shape;
    const d = h * w * c;
    const labels = labelsOf(y);
    const x0 = Float32Array.from(x.dataSync() as Float32Array);
    const rng = ctx.rng.fork('square');
    const forward = (data: Float32Array, rows: number): Float32Array => {
      // Logits only (no gradient), on every core when the engine can (./util logitsOf).
      const t = tf.tensor4d(data, [rows, h, w, c]);
      try {
        return logitsOf(model, t);
      } finally {
        t.dispose();
      }
    };
    const clip = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);
    const queriesPerPoint = new Float32Array(n);
    if (!n) return { xAdv: x.clone(), fooled: new Uint8Array(0), gradEvals: 0, queries: 0, queriesPerPoint };

    // The clean image first: points misclassified already need no search.
    const zClean = forward(x0, n);
    const k = zClean.length / n;
    if (k < 2) throw new LabError('bad_input', 'The Square attack needs a model with at least 2 classes.');
    const mClean = margins(zClean, labels, n, k);
    const fooled = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      queriesPerPoint[i] = 1;
      if (mClean[i] <= 0) fooled[i] = 1;
    }
    const best = Float32Array.from(x0);
    // Vertical stripes: one sign per (column, channel) for the whole height.
    const todo0: number[] = [];
    for (let i = 0; i < n; i++) if (!fooled[i]) todo0.push(i);
    const marginBest = new Float32Array(n).fill(Infinity);
    if (todo0.length && budget > 1) {
      const init = new Float32Array(todo0.length * d);
      todo0.forEach((g, j) => {
        for (let col = 0; col < w; col++) {
          for (let ch = 0; ch < c; ch++) {
            const s = rng.next() < 0.5 ? -eps : eps;
            for (let row = 0; row < h; row++) {
              const q = (row * w + col) * c + ch;
              init[j * d + q] = clip(x0[g * d + q] + s);
            }
          }
        }
      });
      await ctx.tick();
      const m0 = margins(forward(init, todo0.length), todo0.map((g) => labels[g]), todo0.length, k);
      todo0.forEach((g, j) => {
        queriesPerPoint[g]++;
        copyRow(init, j, best, g, d);
        marginBest[g] = m0[j];
        if (m0[j] <= 0) fooled[g] = 1;
      });
    }
    // Random search. Iteration `it` spends one query on each point still unbroken.
    const iterations = budget - 2;
    for (let it = 0; it < iterations; it++) {
      const active: number[] = [];
      for (let i = 0; i < n; i++) if (!fooled[i] && queriesPerPoint[i] < budget) active.push(i);
      if (!active.length) break;
      await ctx.tick({ iteration: it + 2, iterations: budget, unbroken: active.length, points: n });
      const p = squareP(pInit, it, iterations);
      const s = Math.min(h, w, Math.max(1, Math.round(Math.sqrt(p * h * w))));
      const cand = new Float32Array(active.length * d);
      active.forEach((g, j) => {
        copyRow(best, g, cand, j, d);
        const top = rng.int(h - s + 1);
        const left = rng.int(w - s + 1);
        for (let ch = 0; ch < c; ch++) {
          const sign = rng.next() < 0.5 ? -eps : eps;
          for (let row = top; row < top + s; row++) {
            for (let col = left; col < left + s; col++) {
              const q = (row * w + col) * c + ch;
              cand[j * d + q] = clip(x0[g * d + q] + sign);
            }
          }
        }
      });
      const m = margins(forward(cand, active.length), active.map((g) => labels[g]), active.length, k);
      active.forEach((g, j) => {
        queriesPerPoint[g]++;
        if (m[j] < marginBest[g]) {
          marginBest[g] = m[j];
          copyRow(cand, j, best, g, d);
          if (m[j] <= 0) fooled[g] = 1;
        }
      });
    }
    let total = 0;
    for (let i = 0; i < n; i++) total += queriesPerPoint[i];
    return { xAdv: tf.tensor4d(best, x.shape), fooled, gradEvals: 0, queries: total / n, queriesPerPoint };
  },
};
