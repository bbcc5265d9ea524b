/**
 * The arithmetic of robust weight signatures (Cai, Zhang, Wang, ICML 2023), on flat float32
 * tensors in PyTorch layout:
 *   - projection: s = d − (d·a / ‖a‖²)·a, the clean update a's direction taken out of the robust
 *     update d, in O(size) with float64 accumulation (never a size² matrix);
 *   - compression per tensor: uniform ("linear") levels between the tensor's min and max, or
 *     log-magnitude levels with the sign kept ("log"); optional low rank by SVD (a lab extension);
 *   - patching: θ ← θ + Σ α·s (linear α).
 *
 * The quantizers are hand-written: each is a few lines over a Float32Array and no maintained npm
 * package does "nearest of N levels between min and max" with a codebook we can store. The SVD
 * comes from ml-matrix.
 *
 * Runs in: Node (core).
 */
import { lazyModule } from '../engine/lazy-require';

// Loaded at the first low-rank signature: listings and other commands skip its ≈40 ms.
const mlMatrix = lazyModule<typeof import('ml-matrix')>('ml-matrix');

/** Dot product with float64 accumulation. */
export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function norm(a: Float32Array): number {
  return Math.sqrt(dot(a, a));
}

/** ‖a − b‖₂. */
export function distance(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    s += d * d;
  }
  return Math.sqrt(s);
}

export function maxAbs(a: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** x − y elementwise (float32, as the weights are). */
export function subtract(x: Float32Array, y: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] - y[i];
  return out;
}

/**
 * d with a's direction projected out: d − (d·a / ‖a‖²)·a. When a is zero (the clean model did not
 * move this tensor) there is no direction to remove and d comes back unchanged. The coefficient
 * is computed in float64; the result is float32.
 */
export function projectOut(d: Float32Array, a: Float32Array): { s: Float32Array; coefficient: number } {
  if (d.length !== a.length) throw new Error(`Internal error: projection of ${d.length} values onto ${a.length}.`);
  const aa = dot(a, a);
  if (aa === 0) return { s: Float32Array.from(d), coefficient: 0 };
  const c = dot(d, a) / aa;
  const s = new Float32Array(d.length);
  for (let i = 0; i < d.length; i++) s[i] = d[i] - c * a[i];
  return { s, coefficient: c };
}

// -------------------------------------------------------------------------------- quantization
/** A quantized tensor: a small codebook and, per element, the index of its value in it. */
export interface Quantized {
  codebook: Float32Array;
  codes: Uint8Array;
}

export type QuantizeScheme = 'linear' | 'log';

/** Bits per code for a codebook of `size` entries (at least 1). */
export function bitsFor(size: number): number {
  return Math.max(1, Math.ceil(Math.log2(Math.max(2, size))));
}

/**
 * Uniform quantization: `levels` values evenly spaced from min(x) to max(x) (both included); each
 * element becomes the nearest. Error per element ≤ (max − min) / (2·(levels − 1)).
 */
export function quantizeLinear(x: Float32Array, levels: number): Quantized {
  if (!Number.isInteger(levels) || levels < 2 || levels > 256) throw new Error(`Internal error: ${levels} linear levels.`);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < x.length; i++) {
    lo = Math.min(lo, x[i]);
    hi = Math.max(hi, x[i]);
  }
  if (x.length === 0) lo = hi = 0;
  const step = (hi - lo) / (levels - 1);
  const codebook = new Float32Array(levels);
  for (let k = 0; k < levels; k++) codebook[k] = k === levels - 1 ? hi : lo + k * step;
  const codes = new Uint8Array(x.length);
  if (step > 0) {
    for (let i = 0; i < x.length; i++) codes[i] = Math.min(levels - 1, Math.max(0, Math.round((x[i] - lo) / step)));
  }
  return { codebook, codes };
}

/**
 * Log-magnitude quantization with the sign kept: `levels` codes = levels/2 magnitudes per sign,
 * spaced geometrically from the smallest non-zero |x| to the largest; each element keeps its
 * sign and takes the magnitude nearest in log scale. With 2 levels every element becomes
 * sign·max|x|. Exact zeros (rare) take the smallest positive level. For |x| between the smallest
 * and largest magnitude the error is at most (√r − 1)·|x|, r the ratio of neighbouring levels.
 */
export function quantizeLog(x: Float32Array, levels: number): Quantized {
  if (!Number.isInteger(levels) || levels < 2 || levels > 256 || levels % 2 !== 0) {
    throw new Error(`Internal error: ${levels} log levels (must be even, 2–256).`);
  }
  const m = levels / 2;
  let lo = Infinity;
  let hi = 0;
  for (let i = 0; i < x.length; i++) {
    const v = Math.abs(x[i]);
    if (v > 0) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  if (hi === 0) lo = hi = 0;
  const logLo = Math.log(lo);
  const logStep = m > 1 && hi > lo ? (Math.log(hi) - logLo) / (m - 1) : 0;
  const codebook = new Float32Array(levels);
  for (let k = 0; k < m; k++) {
    const mag = k === m - 1 ? hi : logStep > 0 ? Math.exp(logLo + k * logStep) : hi;
    codebook[k] = mag;
    codebook[m + k] = -mag;
  }
  const codes = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = Math.abs(x[i]);
    let k = m - 1;
    if (logStep > 0) k = v > 0 ? Math.min(m - 1, Math.max(0, Math.round((Math.log(v) - logLo) / logStep))) : 0;
    codes[i] = x[i] < 0 ? m + k : k;
  }
  return { codebook, codes };
}

export function quantize(x: Float32Array, scheme: QuantizeScheme, levels: number): Quantized {
  return scheme === 'linear' ? quantizeLinear(x, levels) : quantizeLog(x, levels);
}

export function dequantize(q: Quantized): Float32Array {
  const out = new Float32Array(q.codes.length);
  for (let i = 0; i < out.length; i++) out[i] = q.codebook[q.codes[i]];
  return out;
}

/** Packs codes of `bits` bits each (1–8) into bytes, low bits first. */
export function packCodes(codes: Uint8Array, bits: number): Uint8Array {
  const out = new Uint8Array(Math.ceil((codes.length * bits) / 8));
  let bit = 0;
  for (let i = 0; i < codes.length; i++, bit += bits) {
    for (let b = 0; b < bits; b++) {
      if ((codes[i] >> b) & 1) out[(bit + b) >> 3] |= 1 << ((bit + b) & 7);
    }
  }
  return out;
}

export function unpackCodes(bytes: Uint8Array, bits: number, count: number): Uint8Array {
  const out = new Uint8Array(count);
  let bit = 0;
  for (let i = 0; i < count; i++, bit += bits) {
    let v = 0;
    for (let b = 0; b < bits; b++) if ((bytes[(bit + b) >> 3] >> ((bit + b) & 7)) & 1) v |= 1 << b;
    out[i] = v;
  }
  return out;
}

// ------------------------------------------------------------------------------------ low rank
/** A rank-r factorization: X ≈ left (m×r) · right (r×n), row-major. */
export interface LowRank {
  rows: number;
  cols: number;
  rank: number;
  left: Float32Array;
  right: Float32Array;
}

/** Rows × columns of a tensor's matrix view: weights [out, …] as out × (rest); 1-D tensors have none. */
export function matrixShape(shape: readonly number[]): [number, number] | null {
  if (shape.length < 2) return null;
  return [shape[0], shape.slice(1).reduce((p, d) => p * d, 1)];
}

/**
 * The best rank-r approximation (Eckart–Young) of a rows×cols matrix by SVD (ml-matrix), as
 * factors U_r·Σ_r and V_rᵀ. Its Frobenius error is √(Σ_{i>r} σ_i²).
 */
export function lowRank(x: Float32Array, rows: number, cols: number, rank: number): LowRank {
  const r = Math.min(rank, rows, cols);
  const { Matrix, SVD } = mlMatrix();
  const m = new Matrix(rows, cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) m.set(i, j, x[i * cols + j]);
  const svd = new SVD(m, { autoTranspose: true });
  const U = svd.leftSingularVectors;
  const V = svd.rightSingularVectors;
  const sigma = svd.diagonal;
  const left = new Float32Array(rows * r);
  const right = new Float32Array(r * cols);
  for (let k = 0; k < r; k++) {
    for (let i = 0; i < rows; i++) left[i * r + k] = U.get(i, k) * sigma[k];
    for (let j = 0; j < cols; j++) right[k * cols + j] = V.get(j, k);
  }
  return { rows, cols, rank: r, left, right };
}

export function expandLowRank(f: LowRank): Float32Array {
  const out = new Float32Array(f.rows * f.cols);
  for (let i = 0; i < f.rows; i++) {
    for (let j = 0; j < f.cols; j++) {
      let s = 0;
      for (let k = 0; k < f.rank; k++) s += f.left[i * f.rank + k] * f.right[k * f.cols + j];
      out[i * f.cols + j] = s;
    }
  }
  return out;
}

/** θ + Σ α_k · s_k, in float32 (the order of the sum is the order given). */
export function addScaled(theta: Float32Array, terms: { alpha: number; s: Float32Array }[]): Float32Array {
  const out = Float32Array.from(theta);
  for (const { alpha, s } of terms) {
    if (s.length !== out.length) throw new Error(`Internal error: adding ${s.length} values to ${out.length}.`);
    for (let i = 0; i < out.length; i++) out[i] += alpha * s[i];
  }
  return out;
}
