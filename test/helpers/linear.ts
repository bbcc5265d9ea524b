/**
 * Linear classifiers z = W x + b on 4×4 grey images, where the strongest attacks have closed
 * forms: for true class t and another class k, with a = w_t - w_k and margin
 * m_k = a·x + b_t - b_k > 0,
 * - the smallest L2 change that makes k win is m_k / ||a||_2, the smallest L-inf change is
 *   m_k / ||a||_1 (when the pixel box [0,1] does not cut in);
 * - inside the L-inf box |δ_i| <= eps, 0 <= x_i + δ_i <= 1 the smallest margin reachable is
 *   m_k - Σ_i |a_i| room_i with room_i = min(eps, x_i) if a_i > 0, else min(eps, 1 - x_i).
 */
import { tf } from '../../src/core/engine/backend';
import { Rng } from '../../src/core/engine/random';
import type { Model } from '../../src/core/models/model';

export const H = 4;
export const W = 4;
export const D = H * W;

export interface LinearProblem {
  w: Float32Array; // [D, k] row-major (tfjs layout)
  b: Float32Array;
  x: Float32Array;
  y: Int32Array;
  k: number;
  n: number;
}

/** A linear model as a Model (forward only is used by attacks). */
export function linearModel(w: Float32Array, b: Float32Array, k: number): { model: Model; dispose: () => void } {
  const wt = tf.tensor2d(w, [D, k]);
  const bt = tf.tensor1d(b);
  const model = {
    numClasses: k,
    forward: (x: tf.Tensor4D) => tf.tidy(() => tf.add(tf.matMul(tf.reshape(x, [x.shape[0], D]), wt), bt) as tf.Tensor2D),
  } as unknown as Model;
  return { model, dispose: () => tf.dispose([wt, bt]) };
}

/** Random weights and images in [lo, hi], each labelled with the model's own prediction. */
export function problem(seed: number, n: number, k: number, lo: number, hi: number): LinearProblem {
  const rng = new Rng(seed);
  const w = rng.fillUniform(new Float32Array(D * k), -1, 1);
  const b = rng.fillUniform(new Float32Array(k), -0.2, 0.2);
  const x = rng.fillUniform(new Float32Array(n * D), lo, hi);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = argmax(logits(w, b, k, x, i));
  return { w, b, x, y, k, n };
}

export function logits(w: Float32Array, b: Float32Array, k: number, x: ArrayLike<number>, i: number): number[] {
  const z: number[] = [];
  for (let c = 0; c < k; c++) {
    let v = b[c];
    for (let j = 0; j < D; j++) v += w[j * k + c] * x[i * D + j];
    z.push(v);
  }
  return z;
}

export function argmax(z: number[]): number {
  let a = 0;
  for (let c = 1; c < z.length; c++) if (z[c] > z[a]) a = c;
  return a;
}

/** Smallest unconstrained distance (L2 or L-inf) to a misclassification of each point. */
export function exactDistances(p: LinearProblem, norm: 'l2' | 'linf'): number[] {
  const out: number[] = [];
  for (let i = 0; i < p.n; i++) {
    const t = p.y[i];
    const z = logits(p.w, p.b, p.k, p.x, i);
    let best = Infinity;
    for (let c = 0; c < p.k; c++) {
      if (c === t) continue;
      let s = 0;
      for (let j = 0; j < D; j++) {
        const a = p.w[j * p.k + t] - p.w[j * p.k + c];
        s += norm === 'l2' ? a * a : Math.abs(a);
      }
      best = Math.min(best, (z[t] - z[c]) / (norm === 'l2' ? Math.sqrt(s) : s));
    }
    out.push(best);
  }
  return out;
}

/** Exact worst-case margin of each point under the box-constrained L-inf budget. */
export function worstMarginsLinf(p: LinearProblem, eps: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < p.n; i++) {
    const t = p.y[i];
    let worst = Infinity;
    for (let c = 0; c < p.k; c++) {
      if (c === t) continue;
      let m = p.b[t] - p.b[c];
      let loss = 0;
      for (let j = 0; j < D; j++) {
        const a = p.w[j * p.k + t] - p.w[j * p.k + c];
        const xi = p.x[i * D + j];
        m += a * xi;
        loss += Math.abs(a) * (a > 0 ? Math.min(eps, xi) : Math.min(eps, 1 - xi));
      }
      worst = Math.min(worst, m - loss);
    }
    out.push(worst);
  }
  return out;
}

export function tensors(p: LinearProblem): { xt: tf.Tensor4D; yt: tf.Tensor1D; dispose: () => void } {
  const xt = tf.tensor4d(p.x, [p.n, H, W, 1]);
  const yt = tf.tensor1d(p.y, 'int32');
  return { xt, yt, dispose: () => tf.dispose([xt, yt]) };
}

export const ctx = (seed = 7, numClasses?: number) => ({ rng: new Rng(seed), tick: async () => {}, numClasses });
