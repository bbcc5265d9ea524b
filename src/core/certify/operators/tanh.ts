/**
 * Tanh. IBP: [tanh(l), tanh(u)] (tanh increases). Backward (CROWN): within each neuron's input
 * bounds [l, u], two parallel lines with the chord's slope k = (tanh(u) − tanh(l)) / (u − l):
 *   k·x + bL ≤ tanh(x) ≤ k·x + bU   on [l, u],
 * where bL and bU are the smallest and largest value of tanh(x) − k·x on [l, u]. That function's
 * extremes lie at l, u or where tanh'(x) = 1 − tanh²(x) = k, i.e. x = ±atanh(√(1 − k)), so they
 * are exact (computed in float64 per neuron and widened by 1e-6 for float32's rounding). This is
 * sound for any interval; a tangent-based pair can be tighter on one side but needs the same case
 * analysis per side, which this keeps out.
 */
import { tf } from '../../engine/backend';
import type { BoundOp } from '../types';
import { perRow, sumFeatures } from '../util';

/** float32 rounding of tanh and of the products in the backward pass, with room to spare. */
const SLACK = 1e-6;

/**
 * The chord relaxation of an element-wise function f on each [l, u]: slope k and the smallest and
 * largest value of f(x) − k·x, from the candidate points `stationary(k, l, u)` (where f'(x) = k)
 * and the ends. Narrow intervals (u − l < 1e-9) get slope 0 and f's range from `range`.
 */
export function chordRelaxation(
  l: Float32Array,
  u: Float32Array,
  f: (x: number) => number,
  stationary: (k: number, lo: number, hi: number) => number[],
  range: (lo: number, hi: number) => [number, number],
): { k: Float32Array; bL: Float32Array; bU: Float32Array } {
  const n = l.length;
  const k = new Float32Array(n);
  const bL = new Float32Array(n);
  const bU = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const lo = l[i];
    const hi = u[i];
    if (!(hi - lo > 1e-9)) {
      const [a, b] = range(lo, Math.max(lo, hi));
      k[i] = 0;
      bL[i] = a - SLACK;
      bU[i] = b + SLACK;
      continue;
    }
    const flo = f(lo);
    const fhi = f(hi);
    const slope = (fhi - flo) / (hi - lo);
    let min = Math.min(flo - slope * lo, fhi - slope * hi);
    let max = Math.max(flo - slope * lo, fhi - slope * hi);
    for (const x of stationary(slope, lo, hi)) {
      const g = f(x) - slope * x;
      if (g < min) min = g;
      if (g > max) max = g;
    }
    const scale = 1 + Math.abs(lo) + Math.abs(hi);
    k[i] = slope;
    bL[i] = min - SLACK * scale;
    bU[i] = max + SLACK * scale;
  }
  return { k, bL, bU };
}

/** Backward step for an element-wise op relaxed by k·x + b: lower/upper lines share the slope. */
export function chordBackward(A: tf.Tensor, mode: 'lower' | 'upper', inShape: number[], n: number, r: { k: Float32Array; bL: Float32Array; bU: Float32Array }) {
  const shape = [n, ...inShape];
  const k = perRow(tf.tensor(r.k, shape));
  const bL = perRow(tf.tensor(r.bL, shape));
  const bU = perRow(tf.tensor(r.bU, shape));
  const Apos = tf.relu(A);
  const Aneg = tf.sub(A, Apos);
  const bias = mode === 'lower' ? tf.add(tf.mul(Apos, bL), tf.mul(Aneg, bU)) : tf.add(tf.mul(Apos, bU), tf.mul(Aneg, bL));
  return { A: tf.mul(A, k), bias: sumFeatures(bias) };
}

export function tanhOp(inShape: number[]): BoundOp {
  return {
    kind: 'tanh',
    inShape,
    outShape: inShape,
    affine: false,
    mixing: false,
    forward: (x) => tf.tanh(x),
    ibp: (box) => ({ lower: tf.tanh(box.lower), upper: tf.tanh(box.upper) }),
    backward(A, mode, inBox) {
      const l = inBox.lower.dataSync() as Float32Array;
      const u = inBox.upper.dataSync() as Float32Array;
      const r = chordRelaxation(
        l,
        u,
        Math.tanh,
        (k, lo, hi) => {
          if (!(k > 0 && k < 1)) return [];
          const x = Math.atanh(Math.sqrt(1 - k));
          return [x, -x].filter((p) => p > lo && p < hi);
        },
        (lo, hi) => [Math.tanh(lo), Math.tanh(hi)],
      );
      return chordBackward(A, mode, inShape, inBox.lower.shape[0], r);
    },
  };
}
