/**
 * Known answers for every attack on linear classifiers (see test/helpers/linear.ts for the
 * closed forms): bounded attacks never break a provably robust point and break nearly all
 * provably breakable ones; minimal-perturbation attacks find the exact distance to the decision
 * boundary (within DeepFool's overshoot, C&W's optimisation tolerance, pgd-min's bisection).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, tf } from '../../src/core/engine/backend';
import { pgd } from '../../src/core/attacks/pgd';
import { pgdL2 } from '../../src/core/attacks/pgd-l2';
import { fgsm } from '../../src/core/attacks/fgsm';
import { apgdCe } from '../../src/core/attacks/apgd-ce';
import { apgdDlr } from '../../src/core/attacks/apgd-dlr';
import { apgdT } from '../../src/core/attacks/apgd-t';
import { apgdCheckpoints } from '../../src/core/attacks/apgd-core';
import { md } from '../../src/core/attacks/md';
import { square, squareP } from '../../src/core/attacks/square';
import { deepfool } from '../../src/core/attacks/deepfool';
import { cwL2 } from '../../src/core/attacks/cw-l2';
import { pgdMin } from '../../src/core/attacks/pgd-min';
import { autoattack } from '../../src/core/attacks/autoattack';
import { resolveAttack } from '../../src/core/attacks/registry';
import { lossValue } from '../../src/core/attacks/losses';
import type { Attack } from '../../src/core/attacks/attack';
import type { Model } from '../../src/core/models/model';
import { LabError } from '../../src/shared/errors';
import { D, argmax, ctx, exactDistances, linearModel, logits, problem, tensors, worstMarginsLinf, type LinearProblem } from '../helpers/linear';

beforeAll(async () => {
  await initEngine({ force: 'cpu' });
});

async function runAttack(a: Attack, p: LinearProblem, params: Record<string, unknown>, seed = 7) {
  const { model, dispose } = linearModel(p.w, p.b, p.k);
  const { xt, yt, dispose: d2 } = tensors(p);
  const { params: full } = resolveAttack({ name: a.entry.name, params: params as never }, p.k);
  try {
    const r = await a.run(model, xt, yt, full, ctx(seed, p.k));
    const adv = Float32Array.from(r.xAdv.dataSync());
    r.xAdv.dispose();
    return { ...r, adv };
  } finally {
    d2();
    dispose();
  }
}

/** Checks a bounded L-inf attack against the exact worst-case margins. */
function expectExactLinf(p: LinearProblem, eps: number, fooled: Uint8Array, minFound: number) {
  const truth = worstMarginsLinf(p, eps);
  let breakable = 0;
  let found = 0;
  for (let i = 0; i < p.n; i++) {
    if (truth[i] > 1e-4) expect(fooled[i], `provably robust point ${i} reported broken`).toBe(0);
    if (truth[i] < -1e-4) {
      breakable++;
      found += fooled[i];
    }
  }
  expect(breakable).toBeGreaterThan(p.n * 0.15);
  expect(breakable).toBeLessThan(p.n * 0.85);
  expect(found / breakable).toBeGreaterThanOrEqual(minFound);
}

function expectInBall(x: Float32Array, adv: Float32Array, n: number, eps: number, norm: 'linf' | 'l2') {
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < D; j++) {
      const v = adv[i * D + j];
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
      const d = v - x[i * D + j];
      s = norm === 'linf' ? Math.max(s, Math.abs(d)) : s + d * d;
    }
    expect(norm === 'linf' ? s : Math.sqrt(s)).toBeLessThanOrEqual(eps * (1 + 1e-5) + 1e-6);
  }
}

describe('PGD-L2 on linear models', () => {
  it('binary model: breaks exactly the points closer than eps to the boundary (L2 distance = margin / ||w_1 - w_0||)', async () => {
    // Pixels in [0.3, 0.7] and eps <= 0.3: the pixel box never cuts the L2 ball.
    const p = problem(10, 200, 2, 0.3, 0.7);
    const dist = exactDistances(p, 'l2');
    const eps = Math.min(0.3, [...dist].sort((a, b) => a - b)[Math.floor(0.4 * p.n)]);
    const r = await runAttack(pgdL2, p, { eps, steps: 40, stepSize: eps / 4 });
    for (let i = 0; i < p.n; i++) {
      // Within 1 % of eps, finite steps from a random start may not get all the way.
      if (Math.abs(dist[i] - eps) < 0.01 * eps) continue;
      expect(r.fooled[i], `point ${i} (distance ${dist[i]}, eps ${eps})`).toBe(dist[i] < eps ? 1 : 0);
    }
    expectInBall(p.x, r.adv, p.n, eps, 'l2');
  });

  it('5 classes: never breaks a provably robust point and breaks nearly all breakable ones', async () => {
    const p = problem(11, 300, 5, 0.3, 0.7);
    const dist = exactDistances(p, 'l2');
    // About 40 % of the points within reach.
    const eps = Math.min(0.3, [...dist].sort((a, b) => a - b)[Math.floor(0.4 * p.n)]);
    const r = await runAttack(pgdL2, p, { eps, steps: 30, restarts: 2 });
    let breakable = 0;
    let found = 0;
    for (let i = 0; i < p.n; i++) {
      if (dist[i] > eps + 1e-4) expect(r.fooled[i], `robust point ${i} (distance ${dist[i]})`).toBe(0);
      if (dist[i] < eps - 1e-4) {
        breakable++;
        found += r.fooled[i];
      }
    }
    expect(breakable).toBeGreaterThan(80);
    // Cross-entropy is a surrogate on 5 classes, so a few breakable points may survive.
    expect(found / breakable).toBeGreaterThan(0.9);
    expectInBall(p.x, r.adv, p.n, eps, 'l2');
  });
});

describe('targeted FGSM and PGD', () => {
  it('on a binary model the targeted attack is the untargeted one: exactly the breakable points reach the target', async () => {
    const p = problem(12, 200, 2, 0.3, 0.7);
    const eps = 0.05;
    const truth = worstMarginsLinf(p, eps);
    for (const a of [fgsm, pgd]) {
      const r = await runAttack(a, p, { eps, targeted: true, target: 'least-likely', ...(a === pgd ? { steps: 10 } : {}) });
      for (let i = 0; i < p.n; i++) {
        expect(r.targets![i]).toBe(1 - p.y[i]);
        if (Math.abs(truth[i]) < 1e-4) continue;
        expect(r.targetHit![i], `${a.entry.name} point ${i}`).toBe(truth[i] < 0 ? 1 : 0);
        expect(r.fooled[i]).toBe(r.targetHit![i]);
      }
    }
  });

  it('picks the least-likely class, reports reaching it only where the model predicts it, and stays in the ball', async () => {
    const p = problem(13, 150, 5, 0.2, 0.8);
    const eps = 0.3;
    const r = await runAttack(pgd, p, { eps, steps: 40, targeted: true, target: 'least-likely' });
    let hits = 0;
    for (let i = 0; i < p.n; i++) {
      const z0 = logits(p.w, p.b, p.k, p.x, i);
      expect(r.targets![i]).toBe(z0.indexOf(Math.min(...z0)));
      const pred = argmax(logits(p.w, p.b, p.k, r.adv, i));
      if (r.targetHit![i]) {
        hits++;
        expect(pred).toBe(r.targets![i]);
        expect(r.fooled[i]).toBe(1);
      }
    }
    expect(hits).toBeGreaterThan(p.n * 0.3);
    expectInBall(p.x, r.adv, p.n, eps, 'linf');
    const rnd = await runAttack(pgd, p, { eps, steps: 5, targeted: true, target: 'random' });
    for (let i = 0; i < p.n; i++) expect(rnd.targets![i]).not.toBe(p.y[i]);
    expect(new Set(rnd.targets).size).toBe(5);
  });
});

describe('APGD and MD on linear models', () => {
  const p = problem(14, 200, 5, 0.2, 0.8);
  const eps = 0.04;
  for (const [a, params, minFound] of [
    // Cross-entropy is only a surrogate for a misclassification on 5 classes; the margin-type losses are exact here.
    [apgdCe, { eps, steps: 30 }, 0.9],
    [apgdDlr, { eps, steps: 30 }, 0.95],
    [apgdT, { eps, steps: 20, targetClasses: 4 }, 0.95],
    [md, { eps, steps: 30 }, 0.95],
    [autoattack, { eps, steps: 20, squareQueries: 50 }, 0.97],
  ] as const) {
    it(`${a.entry.name} never breaks a provably robust point and finds the breakable ones`, async () => {
      const r = await runAttack(a, p, params as Record<string, unknown>);
      expectExactLinf(p, eps, r.fooled, minFound);
      expectInBall(p.x, r.adv, p.n, eps, 'linf');
      if (a === autoattack) {
        // The breakdown adds up: every broken point was broken by exactly one member.
        const total = r.stages!.reduce((s, st) => s + st.broke.reduce((x, y) => x + y, 0), 0);
        expect(total).toBe(r.fooled.reduce((x, y) => x + y, 0));
        expect(r.stages!.map((s) => s.name)).toEqual(['apgd-ce', 'apgd-t', 'apgd-dlr', 'square']);
      }
    });
  }

  it('APGD checkpoints follow p0 = 0, p1 = 0.22, p_{j+1} = p_j + max(p_j - p_{j-1} - 0.03, 0.06)', () => {
    // p: 0.22, 0.41, 0.57, 0.70, 0.80, 0.87, 0.93, 0.99, 1.05 -> ceil(p * 100)
    expect(apgdCheckpoints(100)).toEqual([22, 41, 57, 70, 80, 87, 93, 99]);
  });
});

describe('DLR needs enough classes', () => {
  it('refuses DLR attacks on too few classes with one clear sentence, and AutoAttack skips them', async () => {
    for (const [name, k, re] of [
      ['apgd-dlr', 2, /apgd-dlr needs a model with at least 3 classes.*has 2/],
      ['apgd-t', 3, /apgd-t needs a model with at least 4 classes.*has 3/],
    ] as const) {
      expect(() => resolveAttack({ name, params: {} }, k)).toThrow(LabError);
      expect(() => resolveAttack({ name, params: {} }, k)).toThrow(re);
    }
    const p = problem(15, 60, 2, 0.2, 0.8);
    await expect(runAttackUnchecked(apgdDlr, p, { eps: 0.05, steps: 5, norm: 'linf', restarts: 1 })).rejects.toThrow(/at least 3 classes/);
    const r = await runAttack(autoattack, p, { eps: 0.05, steps: 10, squareQueries: 20 });
    expect(r.stages!.find((s) => s.name === 'apgd-t')!.skipped).toMatch(/at least 4 classes/);
    expect(r.stages!.find((s) => s.name === 'apgd-dlr')!.skipped).toMatch(/at least 3 classes/);
    expectExactLinf(p, 0.05, r.fooled, 0.95);
  });

  it('the DLR loss values match the formulas', () => {
    const z = new Float32Array([3, 1, 2, 0.5, -1]);
    // y = 1: -(z_y - max_{i!=y} z_i) / (z_pi1 - z_pi3) = -(1 - 3) / (3 - 1) = 1
    expect(lossValue('dlr', z, 0, 5, 1)).toBeCloseTo(1, 6);
    // targeted, y = 0, t = 3: -(3 - 0.5) / (3 - (1 + 0.5) / 2) = -2.5 / 2.25
    expect(lossValue('dlr-targeted', z, 0, 5, 0, 3)).toBeCloseTo(-2.5 / 2.25, 6);
  });
});

async function runAttackUnchecked(a: Attack, p: LinearProblem, params: Record<string, number | string | boolean>) {
  const { model, dispose } = linearModel(p.w, p.b, p.k);
  const { xt, yt, dispose: d2 } = tensors(p);
  try {
    const r = await a.run(model, xt, yt, params, ctx(7, p.k));
    r.xAdv.dispose();
    return r;
  } finally {
    d2();
    dispose();
  }
}

describe('Square attack (black-box)', () => {
  it('uses no gradients, respects the query budget and the eps box, and finds the breakable points', async () => {
    const p = problem(16, 120, 2, 0.2, 0.8);
    const eps = 0.05;
    const { model: base, dispose } = linearModel(p.w, p.b, p.k);
    // A model whose gradient throws: any gradient request fails the attack.
    const noGrad = tf.customGrad(((x: tf.Tensor) => ({
      value: x.clone(),
      gradFunc: () => {
        throw new Error('the Square attack asked for a gradient');
      },
    })) as never);
    const model = { forward: (x: tf.Tensor4D) => base.forward(noGrad(x) as tf.Tensor4D) } as unknown as Model;
    const { xt, yt, dispose: d2 } = tensors(p);
    const { params } = resolveAttack({ name: 'square', params: { eps, queries: 400 } });
    const r = await square.run(model, xt, yt, params, ctx(3));
    const adv = Float32Array.from(r.xAdv.dataSync());
    r.xAdv.dispose();
    d2();
    dispose();
    expect(r.gradEvals).toBe(0);
    for (let i = 0; i < p.n; i++) {
      expect(r.queriesPerPoint![i]).toBeLessThanOrEqual(400);
      expect(r.queriesPerPoint![i]).toBeGreaterThanOrEqual(1);
    }
    expect(r.queries).toBeGreaterThan(1);
    expectInBall(p.x, adv, p.n, eps, 'linf');
    expectExactLinf(p, eps, r.fooled, 0.9);
    // The schedule of the square size: p_init until iteration 10 of 10,000, halved after.
    expect(squareP(0.8, 10, 10000)).toBe(0.8);
    expect(squareP(0.8, 11, 10000)).toBe(0.4);
    expect(squareP(0.8, 9000, 10000)).toBeCloseTo(0.8 / 512);
    expect(squareP(0.8, 5, 500)).toBe(0.2); // rescaled: 5 of 500 is 100 of 10,000
  });
});

describe('minimal-perturbation attacks find the exact distance to the boundary', () => {
  it('DeepFool (L2 and L∞) on binary and 5-class linear models: within the 2 % overshoot', async () => {
    for (const k of [2, 5]) {
      const p = problem(17 + k, 100, k, 0.35, 0.65);
      for (const norm of ['l2', 'linf'] as const) {
        const dist = exactDistances(p, norm);
        const r = await runAttack(deepfool, p, { norm, steps: 10 });
        let checked = 0;
        for (let i = 0; i < p.n; i++) {
          // Points whose boundary lies beyond the pixel box are not the closed-form case.
          if (dist[i] > 0.3) continue;
          checked++;
          expect(r.perturbation![i], `${norm} k=${k} point ${i}`).toBeGreaterThanOrEqual(dist[i] * (1 - 1e-4));
          expect(r.perturbation![i]).toBeLessThanOrEqual(1.02 * dist[i] + 2e-3);
          expect(r.fooled[i]).toBe(1);
        }
        expect(checked).toBeGreaterThan(30);
      }
    }
  });

  it('C&W L2 on a linear model comes within 5 % of the exact distance and never below it', async () => {
    const p = problem(21, 80, 2, 0.35, 0.65);
    const dist = exactDistances(p, 'l2');
    const r = await runAttack(cwL2, p, { steps: 150, binarySteps: 8, initialConst: 1, lr: 0.01 });
    let checked = 0;
    for (let i = 0; i < p.n; i++) {
      if (dist[i] > 0.3) continue;
      checked++;
      expect(r.perturbation![i], `point ${i}`).toBeGreaterThanOrEqual(dist[i] * (1 - 1e-3));
      expect(r.perturbation![i]).toBeLessThanOrEqual(dist[i] * 1.05 + 2e-3);
    }
    expect(checked).toBeGreaterThan(10);
  });

  it('pgd-min bisects to the exact L∞ distance within its resolution', async () => {
    const p = problem(22, 80, 2, 0.35, 0.65);
    const dist = exactDistances(p, 'linf');
    const maxEps = 0.3;
    const rounds = 10;
    const r = await runAttack(pgdMin, p, { norm: 'linf', maxEps, searchSteps: rounds, steps: 20, eps: 0.05 });
    let checked = 0;
    for (let i = 0; i < p.n; i++) {
      if (dist[i] > maxEps - 0.02) {
        if (dist[i] > maxEps + 1e-4) expect(r.perturbation![i]).toBe(Infinity);
        continue;
      }
      checked++;
      expect(r.perturbation![i], `point ${i}`).toBeGreaterThanOrEqual(dist[i] * (1 - 1e-4));
      expect(r.perturbation![i]).toBeLessThanOrEqual(dist[i] + maxEps / 2 ** rounds + 2e-3);
      // The report radius: broken iff the smallest breaking change fits in eps.
      expect(r.fooled[i]).toBe(r.perturbation![i] <= 0.05 ? 1 : 0);
    }
    expect(checked).toBeGreaterThan(30);
  });
});
