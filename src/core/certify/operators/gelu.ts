/**
 * GELU, x·Φ(x) (PyTorch's exact nn.GELU). It falls to its minimum GELU(x*) ≈ −0.169971 at
 * x* ≈ −0.751792 and rises on either side of it, so IBP is
 *   lower = GELU(x*) when l < x* < u, else min(GELU(l), GELU(u));   upper = max(GELU(l), GELU(u)).
 * Backward (CROWN): the chord relaxation of ./tanh.ts (parallel lines with the chord's slope k, the
 * offsets the extremes of GELU(x) − k·x on [l, u]). GELU'(x) = Φ(x) + x·φ(x) is monotone on
 * (−∞, −√2], [−√2, √2] and [√2, ∞) (GELU'' = φ(x)(2 − x²)), so each piece holds at most one
 * point where GELU' = k, found by bisection. x* and GELU(x*) were computed in float64 with
 * PyTorch (Newton on GELU' = 0); the float64 GELU here uses erf from Abramowitz & Stegun 7.1.26
 * (absolute error ≤ 1.5e-7), which the relaxation's slack covers.
 */
import { tf } from '../../engine/backend';
import type { BoundOp } from '../types';
import { chordBackward, chordRelaxation } from './tanh';

export const GELU_ARGMIN = -0.7517915246935645;
export const GELU_MIN = -0.16997120747990363;
/** Below the true minimum by more than float32 rounding, so the IBP lower bound stays sound. */
const GELU_MIN_SOUND = GELU_MIN - 1e-6;

/** The same computation as the layer-list forward pass (src/core/models/layer-list.ts). */
export function geluTf(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
}

function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}
const Phi = (x: number) => 0.5 * (1 + erf(x / Math.SQRT2));
const phi = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
const gelu = (x: number) => x * Phi(x);
const dGelu = (x: number) => Phi(x) + x * phi(x);

/** Points of [lo, hi] where GELU' = k: at most one per monotone piece of GELU'. */
function stationary(k: number, lo: number, hi: number): number[] {
  const out: number[] = [];
  for (const [a, b] of [
    [-Infinity, -Math.SQRT2],
    [-Math.SQRT2, Math.SQRT2],
    [Math.SQRT2, Infinity],
  ]) {
    let x0 = Math.max(lo, a);
    let x1 = Math.min(hi, b);
    if (!(x1 > x0)) continue;
    let h0 = dGelu(x0) - k;
    const h1 = dGelu(x1) - k;
    if (h0 === 0) {
      out.push(x0);
      continue;
    }
    if (h0 * h1 > 0) continue;
    for (let it = 0; it < 80; it++) {
      const m = 0.5 * (x0 + x1);
      const hm = dGelu(m) - k;
      if (hm === 0) {
        x0 = x1 = m;
        break;
      }
      if (h0 * hm < 0) x1 = m;
      else {
        x0 = m;
        h0 = hm;
      }
    }
    out.push(0.5 * (x0 + x1));
  }
  return out;
}

function range(lo: number, hi: number): [number, number] {
  const a = gelu(lo);
  const b = gelu(hi);
  return [lo < GELU_ARGMIN && GELU_ARGMIN < hi ? GELU_MIN : Math.min(a, b), Math.max(a, b)];
}

export function geluOp(inShape: number[]): BoundOp {
  return {
    kind: 'gelu',
    inShape,
    outShape: inShape,
    affine: false,
    mixing: false,
    forward: geluTf,
    ibp: (box) => {
      const gl = geluTf(box.lower);
      const gu = geluTf(box.upper);
      const straddles = tf.logicalAnd(tf.less(box.lower, GELU_ARGMIN), tf.greater(box.upper, GELU_ARGMIN));
      return { lower: tf.where(straddles, tf.fill(gl.shape, GELU_MIN_SOUND), tf.minimum(gl, gu)), upper: tf.maximum(gl, gu) };
    },
    backward(A, mode, inBox) {
      const r = chordRelaxation(inBox.lower.dataSync() as Float32Array, inBox.upper.dataSync() as Float32Array, gelu, stationary, range);
      return chordBackward(A, mode, inShape, inBox.lower.shape[0], r);
    },
  };
}
