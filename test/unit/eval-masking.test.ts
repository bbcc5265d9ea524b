/**
 * Gradient-masking checks: they fire on a model that outputs probabilities, on a random model, on
 * a saturated model (zero gradients) and on a model whose gradients point the wrong way, and stay
 * silent on a normal model.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, tf } from '../../src/core/engine/backend';
import { Rng } from '../../src/core/engine/random';
import { checkOutputs, gradientCheck, maskingWarnings, squareOnRobust, unboundedAccuracy, zeroGradientFraction } from '../../src/core/eval/masking';
import { EvaluationSuite } from '../../src/core/eval/suite';
import { resolveAttack } from '../../src/core/attacks/registry';
import type { Model } from '../../src/core/models/model';
import { linearModel, problem, tensors } from '../helpers/linear';

beforeAll(async () => {
  await initEngine({ force: 'cpu' });
});

const p = problem(31, 100, 5, 0.2, 0.8);
const wrap = (f: (z: tf.Tensor2D, x: tf.Tensor4D) => tf.Tensor2D) => {
  const { model, dispose } = linearModel(p.w, p.b, p.k);
  return { model: { forward: (x: tf.Tensor4D) => tf.tidy(() => f(model.forward(x), x)) } as unknown as Model, dispose };
};

async function findings(model: Model, opts: { unbounded?: boolean; blackBox?: boolean; whiteBox?: string } = {}) {
  const { xt, yt, dispose } = tensors(p);
  try {
    const f: Parameters<typeof maskingWarnings>[0] = {
      outputs: checkOutputs(model, xt),
      zeroGradients: { fraction: zeroGradientFraction(model, xt, yt), points: p.n },
    };
    if (opts.unbounded) f.unbounded = { accuracy: await unboundedAccuracy(model, xt, yt, new Rng(1), async () => {}), points: p.n, numClasses: p.k };
    if (opts.blackBox) {
      // The white-box verdict first (PGD unless told), then Square on what it left robust.
      const { attack, params } = resolveAttack({ name: opts.whiteBox ?? 'pgd', params: { eps: 0.05, steps: 10 } });
      const r = await attack!.run(model, xt, yt, params, { rng: new Rng(2), tick: async () => {} });
      r.xAdv.dispose();
      const robust = Uint8Array.from(r.fooled, (v) => 1 - v);
      const sq = await squareOnRobust(model, xt, yt, robust, 0.05, 300, new Rng(3), async () => {});
      f.blackBox = { ...sq, count: p.n, source: 'PGD' };
    }
    return f;
  } finally {
    dispose();
  }
}

const codes = (f: Parameters<typeof maskingWarnings>[0]) => maskingWarnings(f).map((w) => w.code);

describe('gradient-masking checks', () => {
  it('stay silent on a normal model (logits, deterministic, useful gradients, broken by eps = 1)', async () => {
    const { model, dispose } = linearModel(p.w, p.b, p.k);
    // A white-box attack with a margin-type loss is exact on a linear model, so nothing is left
    // for Square. (Cross-entropy PGD misses a few breakable points on 5 classes, and Square then
    // rightly reports them.)
    const f = await findings(model, { unbounded: true, blackBox: true, whiteBox: 'apgd-dlr' });
    dispose();
    expect(f.outputs!.probabilityLike).toBe(false);
    expect(f.outputs!.repeatDifference).toBe(0);
    expect(f.zeroGradients!.fraction).toBe(0);
    expect(f.unbounded!.accuracy).toBeLessThanOrEqual(1 / p.k);
    expect(f.blackBox!.broke).toBe(0);
    expect(codes(f)).toEqual([]);
  });

  it('fire on a model that outputs softmax probabilities', async () => {
    const { model, dispose } = wrap((z) => tf.softmax(z));
    const f = await findings(model);
    dispose();
    expect(f.outputs!.probabilityLike).toBe(true);
    expect(codes(f)).toContain('probability-outputs');
    const w = maskingWarnings(f).find((x) => x.code === 'probability-outputs')!;
    expect(w.message).toMatch(/probabilities.*Remove the final softmax/);
  });

  it('fire on a model with random outputs', async () => {
    let calls = 0;
    const { model, dispose } = wrap((z) => tf.add(z, tf.randomNormal(z.shape, 0, 0.1, 'float32', 1000 + calls++)) as tf.Tensor2D);
    const f = await findings(model);
    dispose();
    expect(f.outputs!.repeatDifference).toBeGreaterThan(0);
    expect(codes(f)).toContain('random-outputs');
  });

  it('a saturated model whose cross-entropy gradient rounds to exactly zero: the loss is blamed, not the model', async () => {
    // Logits ×1e4: the softmax is exactly 1 in float32, so the cross-entropy gradient is exactly
    // zero, but the logit margin still has a gradient of 1e4 · (w_y − w_k).
    const { model, dispose } = wrap((z) => tf.mul(z, 1e4) as tf.Tensor2D);
    const { xt, yt, dispose: d2 } = tensors(p);
    const g = gradientCheck(model, xt, yt);
    d2();
    const f = await findings(model);
    dispose();
    expect(g.lossRounded).toBeGreaterThan(0.5);
    expect(g.exactZero).toBe(0);
    expect(f.zeroGradients!.fraction).toBe(0);
    expect(codes(f)).not.toContain('zero-gradients');
    expect(maskingWarnings({ zeroGradients: { fraction: g.exactZero, points: p.n, lossRounded: g.lossRounded, tiny: g.tiny } }).map((w) => w.code)).toEqual(['saturated-loss']);
  });

  it('fire on a model that is flat (rounds its input): both gradients exactly zero', async () => {
    const { model: base, dispose } = linearModel(p.w, p.b, p.k);
    const model = { forward: (x: tf.Tensor4D) => tf.tidy(() => base.forward(tf.div(tf.round(tf.mul(x, 8)), 8) as tf.Tensor4D)) } as unknown as Model;
    const f = await findings(model);
    dispose();
    expect(f.zeroGradients!.fraction).toBe(1);
    expect(codes(f)).toContain('zero-gradients');
  });

  it('tiny but nonzero gradients (1e-9 and below) are "tiny", never "zero", on cpu and on wasm alike', async () => {
    // Logits ×60: margins of tens, cross-entropy gradients of e^-60-ish; no warning.
    const counts: Record<string, ReturnType<typeof gradientCheck>> = {};
    for (const backend of ['cpu', 'wasm'] as const) {
      await initEngine({ force: backend });
      const { model, dispose } = wrap((z) => tf.mul(z, 60) as tf.Tensor2D);
      const { xt, yt, dispose: d2 } = tensors(p);
      counts[backend] = gradientCheck(model, xt, yt);
      d2();
      dispose();
    }
    await initEngine({ force: 'cpu' });
    expect(counts.cpu.tiny).toBeGreaterThan(0.2);
    expect(counts.cpu.exactZero).toBe(0);
    expect(counts.wasm).toEqual(counts.cpu);
    const w = maskingWarnings({ zeroGradients: { fraction: counts.cpu.exactZero, points: p.n, lossRounded: counts.cpu.lossRounded, tiny: counts.cpu.tiny } });
    expect(w.map((x) => x.code)).not.toContain('zero-gradients');
  });

  it('fire when gradients mislead: eps = 1 PGD fails, and Square beats PGD', async () => {
    // The gradient of this model points the wrong way (negated), its outputs are normal.
    const flip = tf.customGrad(((x: tf.Tensor) => ({ value: x.clone(), gradFunc: (dy: tf.Tensor) => tf.neg(dy) })) as never);
    const { model: base, dispose } = linearModel(p.w, p.b, p.k);
    const model = { forward: (x: tf.Tensor4D) => base.forward(flip(x) as tf.Tensor4D) } as unknown as Model;
    const f = await findings(model, { unbounded: true, blackBox: true });
    dispose();
    expect(f.unbounded!.accuracy).toBeGreaterThan(1 / p.k);
    expect(f.blackBox!.broke).toBeGreaterThan(0);
    expect(codes(f)).toEqual(expect.arrayContaining(['unbounded-not-broken', 'blackbox-beats-whitebox']));
    expect(codes(f)).not.toContain('probability-outputs');
  });

  it('land in the evaluation report when run by the evaluation suite', async () => {
    const { model, dispose } = wrap((z) => tf.softmax(z));
    const { params } = resolveAttack({ name: 'pgd', params: { eps: 0.05, steps: 5 } });
    const { attack } = resolveAttack({ name: 'pgd', params: {} });
    const suite = new EvaluationSuite(model, attack, params, {
      attackName: 'pgd',
      numClasses: p.k,
      classNames: [],
      gallery: 0,
      checks: { masking: true, unbounded: false, blackBox: true },
    });
    const { xt, yt, dispose: d2 } = tensors(p);
    await suite.batch(xt, yt, p.y, 0, new Rng(4), async () => {});
    d2();
    dispose();
    const r = suite.report(1);
    expect(r.checks.ran).toEqual(expect.arrayContaining(['outputs', 'zero-gradients', 'blackbox']));
    expect(r.checks.warnings.map((w) => w.code)).toContain('probability-outputs');
    expect(r.checks.measurements.probability_like).toBe(1);
  });
});
