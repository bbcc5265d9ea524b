/**
 * Bound operators for tanh and GELU (src/core/certify/operators/tanh.ts, gelu.ts): IBP equals the
 * closed form on single intervals (GELU's minimum −0.169971 at −0.751792, from PyTorch in float64),
 * the chord relaxation holds at 2,001 points of every interval and touches the function (offsets
 * are the true extremes), and on a small linear–tanh–linear–GELU–linear network IBP and CROWN
 * contain every sampled output, CROWN being tighter.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, tf } from '../../src/core/engine/backend';
import { Rng } from '../../src/core/engine/random';
import { BoundGraph, computeBounds, identitySpec, inputBox } from '../../src/core/certify';
import { chordRelaxation } from '../../src/core/certify/operators/tanh';
import { GELU_ARGMIN, GELU_MIN, geluOp } from '../../src/core/certify/operators/gelu';
import { tanhOp } from '../../src/core/certify/operators/tanh';
import type { LayerOp } from '../../src/core/models/architecture';

beforeAll(async () => {
  await initEngine({ force: 'wasm' });
});

/**
 * GELU in float64 from PyTorch's definition x/2·(1 + erf(x/√2)): erf by its Maclaurin series for
 * |z| ≤ 3 and by the continued fraction of erfc beyond (both to about 1e-13).
 */
function erfRef(z: number): number {
  const a = Math.abs(z);
  if (a <= 3) {
    let sum = 0;
    let term = z;
    for (let n = 0; n < 120; n++) {
      sum += term / (2 * n + 1);
      term *= (-z * z) / (n + 1);
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  let k = a;
  for (let n = 80; n >= 1; n--) k = a + n / 2 / k;
  const erfc = Math.exp(-a * a) / (Math.sqrt(Math.PI) * k);
  return Math.sign(z) * (1 - erfc);
}
const gelu64 = (x: number) => 0.5 * x * (1 + erfRef(x / Math.SQRT2));

describe('single intervals', () => {
  it('IBP is [tanh(l), tanh(u)], and GELU takes its minimum when the interval holds −0.7518', () => {
    tf.tidy(() => {
      const l = tf.tensor2d([[-2, -1, 0.3, -0.9]]);
      const u = tf.tensor2d([[-1.5, 0.5, 2, -0.6]]);
      const t = tanhOp([4]).ibp({ lower: l, upper: u });
      const want = [[-2, -1, 0.3, -0.9].map(Math.tanh), [-1.5, 0.5, 2, -0.6].map(Math.tanh)];
      (t.lower.arraySync() as number[][])[0].forEach((v, i) => expect(v).toBeCloseTo(want[0][i], 6));
      (t.upper.arraySync() as number[][])[0].forEach((v, i) => expect(v).toBeCloseTo(want[1][i], 6));
      const g = geluOp([4]).ibp({ lower: l, upper: u });
      const gl = (g.lower.arraySync() as number[][])[0];
      const gu = (g.upper.arraySync() as number[][])[0];
      // [−2, −1.5]: decreasing side; [−1, 0.5] and [−0.9, −0.6] hold the minimum; [0.3, 2] increasing.
      expect(gl[0]).toBeCloseTo(gelu64(-1.5), 5);
      expect(gu[0]).toBeCloseTo(gelu64(-2), 5);
      expect(gl[1]).toBeCloseTo(GELU_MIN, 5);
      expect(gl[1]).toBeLessThanOrEqual(GELU_MIN);
      expect(gu[1]).toBeCloseTo(gelu64(0.5), 5);
      expect(gl[2]).toBeCloseTo(gelu64(0.3), 5);
      expect(gu[2]).toBeCloseTo(gelu64(2), 5);
      expect(gl[3]).toBeCloseTo(GELU_MIN, 5);
      expect(gu[3]).toBeCloseTo(Math.max(gelu64(-0.9), gelu64(-0.6)), 5);
    });
    // The constants: GELU' = 0 there and the value is the minimum (float64 series).
    expect(gelu64(GELU_ARGMIN)).toBeCloseTo(GELU_MIN, 10);
    for (const d of [-1e-3, 1e-3]) expect(gelu64(GELU_ARGMIN + d)).toBeGreaterThan(GELU_MIN);
  });

  it('the chord relaxation holds everywhere on [l, u] and touches the function on both sides', () => {
    const rng = new Rng(7);
    const cases: [number, number][] = [[-6, 6], [-0.5, 0.4], [0.2, 3], [-3, -0.2], [-1e-10, 1e-10], [-0.76, -0.74], [-2.5, 1.8]];
    for (let i = 0; i < 40; i++) {
      const a = rng.uniform(-5, 5);
      cases.push([a, a + rng.uniform(0, 4)]);
    }
    const l = Float32Array.from(cases.map((c) => c[0]));
    const u = Float32Array.from(cases.map((c) => c[1]));
    const fns = {
      tanh: { f: Math.tanh, op: tanhOp },
      gelu: { f: gelu64, op: geluOp },
    };
    for (const [name, { f, op }] of Object.entries(fns)) {
      // The operator's own relaxation, read back through its backward pass with identity coefficients.
      const n = cases.length;
      const A = tf.reshape(tf.eye(n), [1, n, n]);
      const lower = op([n]).backward(A, 'lower', { lower: tf.tensor2d(l, [1, n]), upper: tf.tensor2d(u, [1, n]) })!;
      const upper = op([n]).backward(A, 'upper', { lower: tf.tensor2d(l, [1, n]), upper: tf.tensor2d(u, [1, n]) })!;
      const k = tf.sum(tf.reshape(lower.A, [n, n]), 1).dataSync();
      const bL = lower.bias!.dataSync();
      const bU = upper.bias!.dataSync();
      for (let i = 0; i < n; i++) {
        const [lo, hi] = cases[i];
        let gapL = Infinity;
        let gapU = Infinity;
        for (let s = 0; s <= 2000; s++) {
          const x = lo + ((hi - lo) * s) / 2000;
          const y = f(x);
          const line = k[i] * x;
          gapL = Math.min(gapL, y - (line + bL[i]));
          gapU = Math.min(gapU, line + bU[i] - y);
        }
        // Sound: the function stays between the lines (to float32 rounding of the stored offsets)…
        expect(gapL, `${name} below its lower line on [${lo}, ${hi}]`).toBeGreaterThanOrEqual(-1e-7);
        expect(gapU, `${name} above its upper line on [${lo}, ${hi}]`).toBeGreaterThanOrEqual(-1e-7);
        // …and tight: each line comes within the slack (plus float32 rounding) of the function.
        const slack = 1e-6 * (1 + Math.abs(lo) + Math.abs(hi)) + 2e-6;
        expect(gapL, `${name} lower line gap on [${lo}, ${hi}]`).toBeLessThan(slack + 1e-5);
        expect(gapU, `${name} upper line gap on [${lo}, ${hi}]`).toBeLessThan(slack + 1e-5);
      }
      tf.dispose([A, lower.A, upper.A, lower.bias!, upper.bias!]);
    }
    // The helper on its own: a constant pair for a zero-width interval.
    const r = chordRelaxation(Float32Array.of(0.5), Float32Array.of(0.5), Math.tanh, () => [], (a, b) => [Math.tanh(a), Math.tanh(b)]);
    expect(r.k[0]).toBe(0);
    expect(r.bL[0]).toBeLessThanOrEqual(Math.tanh(0.5));
    expect(r.bU[0]).toBeGreaterThanOrEqual(Math.tanh(0.5));
  });
});

describe('a linear–tanh–linear–GELU–linear network', () => {
  it('IBP and CROWN contain every sampled output, and CROWN is tighter', () => {
    const rng = new Rng(3);
    const u = (n: number, s: number) => rng.fillUniform(new Float32Array(n), -s, s);
    const params = {
      w1: tf.tensor2d(u(16 * 12, 0.6), [16, 12]),
      b1: tf.tensor1d(u(12, 0.3)),
      w2: tf.tensor2d(u(12 * 10, 0.6), [12, 10]),
      b2: tf.tensor1d(u(10, 0.3)),
      w3: tf.tensor2d(u(10 * 4, 0.6), [10, 4]),
    };
    const layers: LayerOp[] = [
      { op: 'flatten-chw' },
      { op: 'linear', weight: 'w1', bias: 'b1' },
      { op: 'tanh' },
      { op: 'linear', weight: 'w2', bias: 'b2' },
      { op: 'gelu' },
      { op: 'linear', weight: 'w3' },
    ];
    const g = BoundGraph.fromLayers(layers, params, { height: 4, width: 4, channels: 1 });
    tf.tidy(() => {
      const x = tf.tensor4d(rng.fillUniform(new Float32Array(3 * 16), 0, 1), [3, 4, 4, 1]);
      // The graph's forward pass is the plain computation.
      const h1 = tf.tanh(tf.add(tf.matMul(tf.reshape(x, [3, 16]), params.w1), params.b1));
      const h2 = tf.add(tf.matMul(h1, params.w2), params.b2);
      const a2 = tf.mul(tf.mul(h2, 0.5), tf.add(1, tf.erf(tf.mul(h2, Math.SQRT1_2))));
      const direct = tf.matMul(a2, params.w3);
      expect(tf.max(tf.abs(tf.sub(g.forward(x), direct))).dataSync()[0]).toBeLessThan(1e-5);
      const eps = 0.1;
      const [ibp, crown] = (['ibp', 'crown'] as const).map((method) => computeBounds(g, inputBox(x, eps), identitySpec(3, 4), { method, upper: true, intersectIbp: false }));
      const width = (b: typeof ibp) => tf.mean(tf.sub(b.upper!, b.lower)).dataSync()[0];
      expect(width(crown)).toBeLessThan(width(ibp));
      for (let s = 0; s < 200; s++) {
        const noise = tf.tensor(rng.fillUniform(new Float32Array(x.size), -1, 1), x.shape);
        const pt = tf.clipByValue(tf.add(x, tf.mul(s % 2 ? tf.sign(noise) : noise, eps)), 0, 1);
        const z = g.forward(pt);
        for (const b of [ibp, crown]) {
          expect(tf.min(tf.sub(z, b.lower)).dataSync()[0]).toBeGreaterThanOrEqual(-1e-5);
          expect(tf.min(tf.sub(b.upper!, z)).dataSync()[0]).toBeGreaterThanOrEqual(-1e-5);
        }
      }
    });
    tf.dispose(Object.values(params));
  });
});

describe('a convolution with PyTorch padding at stride 2', () => {
  it('pads every side (not tfjs "same"), and its bounds contain sampled outputs', () => {
    const rng = new Rng(5);
    const params = {
      c: tf.tensor4d(rng.fillUniform(new Float32Array(3 * 3 * 2 * 3), -0.5, 0.5), [3, 3, 2, 3]),
      cb: tf.tensor1d(rng.fillUniform(new Float32Array(3), -0.2, 0.2)),
      fc: tf.tensor2d(rng.fillUniform(new Float32Array(3 * 4 * 4 * 5), -0.4, 0.4), [48, 5]),
    };
    // 8×8 input, kernel 3, stride 2, padding 1 → 4×4 (PyTorch: floor((8 + 2 − 3) / 2) + 1); tfjs's
    // 'same' also gives 4×4 but pads one row and column, at the bottom and right.
    const layers: LayerOp[] = [{ op: 'conv2d', weight: 'c', bias: 'cb', stride: 2, pad: 1 }, { op: 'tanh' }, { op: 'flatten-chw' }, { op: 'linear', weight: 'fc' }];
    const g = BoundGraph.fromLayers(layers, params, { height: 8, width: 8, channels: 2 });
    expect(g.ops[0].outShape).toEqual([4, 4, 3]);
    tf.tidy(() => {
      const x = tf.tensor4d(rng.fillUniform(new Float32Array(2 * 8 * 8 * 2), 0, 1), [2, 8, 8, 2]);
      const conv = tf.add(tf.conv2d(tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]), params.c, 2, 'valid'), params.cb);
      const direct = tf.matMul(tf.reshape(tf.transpose(tf.tanh(conv), [0, 3, 1, 2]), [2, 48]), params.fc);
      expect(tf.max(tf.abs(tf.sub(g.forward(x), direct))).dataSync()[0]).toBeLessThan(1e-5);
      // tfjs's 'same' would pad only the bottom and right at stride 2: a different result.
      const same = tf.conv2d(x, params.c, 2, 'same');
      expect(tf.max(tf.abs(tf.sub(same, tf.sub(conv, params.cb)))).dataSync()[0]).toBeGreaterThan(1e-3);
      const eps = 0.05;
      const [ibp, crown] = (['ibp', 'crown'] as const).map((method) => computeBounds(g, inputBox(x, eps), identitySpec(2, 5), { method, upper: true, intersectIbp: false }));
      for (let s = 0; s < 100; s++) {
        const noise = tf.tensor(rng.fillUniform(new Float32Array(x.size), -1, 1), x.shape);
        const z = g.forward(tf.clipByValue(tf.add(x, tf.mul(s % 2 ? tf.sign(noise) : noise, eps)), 0, 1));
        for (const b of [ibp, crown]) {
          expect(tf.min(tf.sub(z, b.lower)).dataSync()[0]).toBeGreaterThanOrEqual(-1e-5);
          expect(tf.min(tf.sub(b.upper!, z)).dataSync()[0]).toBeGreaterThanOrEqual(-1e-5);
        }
      }
    });
    tf.dispose(Object.values(params));
  });
});
