/**
 * The weight-signature arithmetic (src/core/patching/math.ts) against independent numbers:
 * NumPy/PyTorch (scripts/patching-reference.py → test/fixtures/patching-reference.json) and
 * closed forms (orthogonality, quantization error bounds, Eckart–Young for low rank).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import {
  bitsFor,
  dequantize,
  dot,
  expandLowRank,
  lowRank,
  norm,
  packCodes,
  projectOut,
  quantizeLinear,
  quantizeLog,
  unpackCodes,
} from '../../src/core/patching/math';

const ref = JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/patching-reference.json', import.meta.url)), 'utf8')) as {
  projection: { a: number[]; d: number[]; coefficient: number; s: number[] };
  quantize: { x: number[]; linear16: number[]; linear2: number[]; log16: number[]; log2: number[] };
  lowrank: { rows: number; cols: number; x: number[]; errors: Record<string, number> };
};

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function seeded(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}

describe('projection', () => {
  test('matches PyTorch (float64 coefficient) and leaves s orthogonal to a within 1e-6', () => {
    const a = Float32Array.from(ref.projection.a);
    const d = Float32Array.from(ref.projection.d);
    const { s, coefficient } = projectOut(d, a);
    expect(Math.abs(coefficient - ref.projection.coefficient)).toBeLessThan(1e-9);
    expect(maxAbsDiff(s, ref.projection.s)).toBeLessThan(1e-6 * Math.max(...ref.projection.s.map(Math.abs)));
    expect(Math.abs(dot(s, a)) / (norm(s) * norm(a))).toBeLessThan(1e-6);
    // d = s + c·a exactly decomposes (within float32 rounding)
    const back = Float32Array.from(s, (v, i) => v + coefficient * a[i]);
    expect(maxAbsDiff(back, d)).toBeLessThan(1e-7);
  });

  test('orthogonal on many random pairs, and a zero clean update leaves d unchanged', () => {
    for (let k = 0; k < 20; k++) {
      const a = seeded(5000, 11 + k, 0.01);
      const d = seeded(5000, 97 + k, 0.02).map((v, i) => v + (k / 10) * a[i]);
      const { s } = projectOut(d, a);
      expect(Math.abs(dot(s, a)) / (norm(s) * norm(a))).toBeLessThan(1e-6);
    }
    const d = seeded(100, 5);
    expect(Array.from(projectOut(d, new Float32Array(100)).s)).toEqual(Array.from(d));
  });
});

describe('quantization', () => {
  const x = Float32Array.from(ref.quantize.x);

  test('linear 16 and 2 levels match NumPy', () => {
    expect(maxAbsDiff(dequantize(quantizeLinear(x, 16)), ref.quantize.linear16)).toBe(0);
    expect(maxAbsDiff(dequantize(quantizeLinear(x, 2)), ref.quantize.linear2)).toBe(0);
  });

  test('log 16 matches NumPy; log 2 is sign·max', () => {
    expect(maxAbsDiff(dequantize(quantizeLog(x, 16)), ref.quantize.log16)).toBeLessThan(1e-9);
    expect(maxAbsDiff(dequantize(quantizeLog(x, 2)), ref.quantize.log2)).toBe(0);
  });

  test('linear error ≤ (max − min) / (2(N − 1)), and the bound is nearly reached', () => {
    for (const levels of [2, 4, 16, 256]) {
      const q = dequantize(quantizeLinear(x, levels));
      const lo = Math.min(...x);
      const hi = Math.max(...x);
      const bound = (hi - lo) / (2 * (levels - 1));
      const err = maxAbsDiff(q, x);
      expect(err).toBeLessThanOrEqual(bound * (1 + 1e-6));
      expect(err).toBeGreaterThan(bound * 0.5);
    }
  });

  test('log error ≤ (√r − 1)·|x| for the N/2 magnitudes, the sign always kept', () => {
    for (const levels of [4, 16, 64]) {
      const q = dequantize(quantizeLog(x, levels));
      const mags = Array.from(x, Math.abs).filter((v) => v > 0);
      const r = (Math.max(...mags) / Math.min(...mags)) ** (1 / (levels / 2 - 1));
      for (let i = 0; i < x.length; i++) {
        expect(Math.sign(q[i])).toBe(Math.sign(x[i]));
        expect(Math.abs(q[i] - x[i])).toBeLessThanOrEqual((Math.sqrt(r) - 1) * Math.abs(x[i]) * (1 + 1e-5) + 1e-12);
      }
    }
  });

  test('codes pack into ⌈log2 N⌉ bits and unpack exactly', () => {
    for (const levels of [2, 3, 16, 17, 256]) {
      const q = quantizeLinear(x, levels);
      const bits = bitsFor(levels);
      const packed = packCodes(q.codes, bits);
      expect(packed.length).toBe(Math.ceil((x.length * bits) / 8));
      expect(Array.from(unpackCodes(packed, bits, x.length))).toEqual(Array.from(q.codes));
    }
  });
});

describe('low rank', () => {
  test('Frobenius error equals √(Σ_{i>r} σ_i²) from PyTorch svdvals', () => {
    const { rows, cols } = ref.lowrank;
    const x = Float32Array.from(ref.lowrank.x);
    for (const [r, want] of Object.entries(ref.lowrank.errors)) {
      const f = lowRank(x, rows, cols, Number(r));
      const approx = expandLowRank(f);
      let e = 0;
      for (let i = 0; i < x.length; i++) e += (approx[i] - x[i]) ** 2;
      expect(Math.abs(Math.sqrt(e) - want)).toBeLessThan(1e-5 * want + 1e-7);
    }
  });

  test('closed form: a matrix built from orthonormal cosine bases with known σ', () => {
    const rows = 12;
    const cols = 20;
    const sigma = [5, 3, 2, 1, 0.5, 0.25];
    const basis = (n: number, k: number, i: number) => (k === 0 ? Math.sqrt(1 / n) : Math.sqrt(2 / n) * Math.cos((Math.PI * (i + 0.5) * k) / n));
    const x = new Float32Array(rows * cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) x[i * cols + j] = sigma.reduce((s, sg, k) => s + sg * basis(rows, k, i) * basis(cols, k, j), 0);
    for (let r = 1; r <= sigma.length; r++) {
      const approx = expandLowRank(lowRank(x, rows, cols, r));
      let e = 0;
      for (let i = 0; i < x.length; i++) e += (approx[i] - x[i]) ** 2;
      const want = Math.sqrt(sigma.slice(r).reduce((s, v) => s + v * v, 0));
      expect(Math.abs(Math.sqrt(e) - want)).toBeLessThan(1e-5);
    }
  });
});
