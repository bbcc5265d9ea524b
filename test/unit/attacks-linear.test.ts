/**
 * Attacks against linear classifiers, where the strongest L-inf attack has a closed form:
 * for logits z = W x + b, the margin of the true class t over class k is
 * m_k(x) = (w_t - w_k)·x + (b_t - b_k), and inside the box |δ_i| ≤ eps, 0 ≤ x_i + δ_i ≤ 1
 * its minimum is m_k(x) - Σ_i |a_i| · room_i with a = w_t - w_k and room_i = min(eps, x_i) if
 * a_i > 0 (push the pixel down) else min(eps, 1 - x_i). A point is provably robust iff every
 * such minimum stays positive.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, tf } from '../../src/core/engine/backend';
import { Rng } from '../../src/core/engine/random';
import { fgsm } from '../../src/core/attacks/fgsm';
import { pgd } from '../../src/core/attacks/pgd';
import { resolveAttack } from '../../src/core/attacks/registry';
import type { Model } from '../../src/core/models/model';
import { LabError } from '../../src/shared/errors';
import type { ParamValues } from '../../src/core/params';

const H = 4;
const W = 4;
const D = H * W;

function linearModel(w: Float32Array, b: Float32Array, k: number): { model: Model; dispose: () => void } {
  const wt = tf.tensor2d(w, [D, k]);
  const bt = tf.tensor1d(b);
  const model = {
    forward: (x: tf.Tensor4D) => tf.add(tf.matMul(tf.reshape(x, [x.shape[0], D]), wt), bt) as tf.Tensor2D,
  } as unknown as Model;
  return { model, dispose: () => tf.dispose([wt, bt]) };
}

/** Exact worst-case margin of each point under the box-constrained L-inf budget. */
function worstMargins(w: Float32Array, b: Float32Array, k: number, x: Float32Array, y: Int32Array, eps: number): number[] {
  const n = y.length;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = y[i];
    let worst = Infinity;
    for (let c = 0; c < k; c++) {
      if (c === t) continue;
      let m = b[t] - b[c];
      let loss = 0;
      for (let j = 0; j < D; j++) {
        const a = w[j * k + t] - w[j * k + c];
        const xi = x[i * D + j];
        m += a * xi;
        const room = a > 0 ? Math.min(eps, xi) : Math.min(eps, 1 - xi);
        loss += Math.abs(a) * room;
      }
      worst = Math.min(worst, m - loss);
    }
    out.push(worst);
  }
  return out;
}

function problem(seed: number, n: number, k: number, lo: number, hi: number, pixel: (v: number) => number = (v) => v) {
  const rng = new Rng(seed);
  const w = rng.fillUniform(new Float32Array(D * k), -1, 1);
  const b = rng.fillUniform(new Float32Array(k), -0.2, 0.2);
  const x = rng.fillUniform(new Float32Array(n * D), lo, hi).map(pixel);
  const y = new Int32Array(n);
  // Label each point with the model's own prediction, so every point starts correct.
  for (let i = 0; i < n; i++) {
    let best = -Infinity;
    for (let c = 0; c < k; c++) {
      let z = b[c];
      for (let j = 0; j < D; j++) z += w[j * k + c] * x[i * D + j];
      if (z > best) {
        best = z;
        y[i] = c;
      }
    }
  }
  return { w, b, x, y };
}

const ctx = () => ({ rng: new Rng(7), tick: async () => {} });

beforeAll(async () => {
  await initEngine({ force: 'cpu' });
});

describe('attacks on a binary linear classifier (exact answer known)', () => {
  it('FGSM and PGD break exactly the points whose worst-case margin is negative (no clipping active)', async () => {
    const { w, b, x, y } = problem(1, 200, 2, 0.3, 0.7);
    const eps = 0.05;
    const truth = worstMargins(w, b, 2, x, y, eps);
    const { model, dispose } = linearModel(w, b, 2);
    const xt = tf.tensor4d(x, [200, H, W, 1]);
    const yt = tf.tensor1d(y, 'int32');
    for (const attack of [fgsm, pgd]) {
      const params: ParamValues = attack === fgsm ? { eps } : { eps, steps: 10, stepSize: 0, restarts: 1, randomStart: true };
      const res = await attack.run(model, xt, yt, params, ctx());
      let agree = 0;
      let ties = 0;
      for (let i = 0; i < 200; i++) {
        if (Math.abs(truth[i]) < 1e-4) {
          ties++;
          continue;
        }
        if ((truth[i] < 0 ? 1 : 0) === res.fooled[i]) agree++;
      }
      expect(agree + ties).toBe(200);
      // The problem is not trivial: some points break, some survive.
      const broken = truth.filter((m) => m < 0).length;
      expect(broken).toBeGreaterThan(20);
      expect(broken).toBeLessThan(180);
      res.xAdv.dispose();
    }
    tf.dispose([xt, yt]);
    dispose();
  });

  it('PGD respects the pixel box and still finds the exact box-constrained optimum', async () => {
    // Pixels near 0 and 1: the box cuts the eps-ball, so a plain sign step is not optimal.
    const { w, b, x, y } = problem(2, 150, 2, 0, 1, (v) => (v < 0.5 ? v * 0.1 : 1 - (1 - v) * 0.1));
    const eps = 0.2;
    const truth = worstMargins(w, b, 2, x, y, eps);
    const { model, dispose } = linearModel(w, b, 2);
    const xt = tf.tensor4d(x, [150, H, W, 1]);
    const yt = tf.tensor1d(y, 'int32');
    const res = await pgd.run(model, xt, yt, { eps, steps: 20, stepSize: 0.02, restarts: 1, randomStart: false }, ctx());
    for (let i = 0; i < 150; i++) {
      if (Math.abs(truth[i]) < 1e-4) continue;
      expect(res.fooled[i], `point ${i} margin ${truth[i]}`).toBe(truth[i] < 0 ? 1 : 0);
    }
    // Every adversarial image is inside the eps-ball and the pixel range.
    const adv = res.xAdv.dataSync();
    for (let i = 0; i < adv.length; i++) {
      expect(adv[i]).toBeGreaterThanOrEqual(0);
      expect(adv[i]).toBeLessThanOrEqual(1);
      expect(Math.abs(adv[i] - x[i])).toBeLessThanOrEqual(eps + 1e-6);
    }
    res.xAdv.dispose();
    tf.dispose([xt, yt]);
    dispose();
  });
});

describe('attacks on a 5-class linear classifier', () => {
  it('PGD never breaks a provably robust point and breaks nearly all provably breakable ones', async () => {
    const k = 5;
    const n = 300;
    const { w, b, x, y } = problem(3, n, k, 0.2, 0.8);
    const eps = 0.04;
    const truth = worstMargins(w, b, k, x, y, eps);
    const { model, dispose } = linearModel(w, b, k);
    const xt = tf.tensor4d(x, [n, H, W, 1]);
    const yt = tf.tensor1d(y, 'int32');
    const res = await pgd.run(model, xt, yt, { eps, steps: 40, stepSize: 0, restarts: 3, randomStart: true }, ctx());
    let breakable = 0;
    let found = 0;
    for (let i = 0; i < n; i++) {
      if (truth[i] > 1e-4) expect(res.fooled[i], `robust point ${i} reported broken`).toBe(0);
      if (truth[i] < -1e-4) {
        breakable++;
        found += res.fooled[i];
      }
    }
    expect(breakable).toBeGreaterThan(30);
    // Cross-entropy PGD on a multi-class linear model finds almost every breakable point.
    expect(found / breakable).toBeGreaterThan(0.95);
    res.xAdv.dispose();
    tf.dispose([xt, yt]);
    dispose();
  });

  it('eps = 0 breaks nothing that was correct', async () => {
    const { w, b, x, y } = problem(4, 50, 3, 0.2, 0.8);
    const { model, dispose } = linearModel(w, b, 3);
    const xt = tf.tensor4d(x, [50, H, W, 1]);
    const yt = tf.tensor1d(y, 'int32');
    const res = await pgd.run(model, xt, yt, { eps: 0, steps: 5, stepSize: 0, restarts: 1, randomStart: true }, ctx());
    expect([...res.fooled].every((f) => f === 0)).toBe(true);
    res.xAdv.dispose();
    tf.dispose([xt, yt]);
    dispose();
  });
});

describe('attack parameters', () => {
  it('reject unknown attacks, unknown parameters and out-of-range values with one sentence', () => {
    const cases: [unknown, RegExp][] = [
      [{ name: 'pdg', params: {} }, /Unknown attack "pdg"; known attacks: none, fgsm, pgd/],
      [{ name: 'pgd', params: { eps: -0.1 } }, /eps\) must be at least 0, got -0.1/],
      [{ name: 'pgd', params: { steps: 0 } }, /steps\) must be at least 1, got 0/],
      [{ name: 'pgd', params: { steps: 2.5 } }, /whole number/],
      [{ name: 'fgsm', params: { epsilon: 0.1 } }, /Unknown parameter "epsilon" for attack fgsm; its parameters are: eps/],
      [{ name: 'pgd', params: { restarts: 3, randomStart: false } }, /restarts need a random start/],
    ];
    for (const [spec, re] of cases) {
      try {
        resolveAttack(spec as never);
        expect.unreachable(`accepted ${JSON.stringify(spec)}`);
      } catch (e) {
        expect(e).toBeInstanceOf(LabError);
        expect((e as LabError).message).toMatch(re);
      }
    }
  });

  it('fill defaults so a stored spec repeats exactly', () => {
    expect(resolveAttack({ name: 'pgd', params: { eps: 0.3 } }).params).toEqual({ eps: 0.3, steps: 20, stepSize: 0, restarts: 1, randomStart: true, targeted: false, target: 'least-likely' });
  });
});
