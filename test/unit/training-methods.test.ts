/**
 * Every training method on tiny cases with known answers: the attack inputs stay in the eps-ball,
 * SAM/ASAM steps equal hand-computed two-step updates on a quadratic, AWP puts the weights back,
 * the certified-training losses reduce to their parts at the ends of their schedules, Group DRO
 * moves weight to the worst group, and every registered method takes a finite step on wasm (and
 * the same step on wasm as on cpu for the convolutional model).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, tf } from '../../src/core/engine/backend';
import { Rng } from '../../src/core/engine/random';
import { Model } from '../../src/core/models/model';
import { LabError } from '../../src/shared/errors';
import { computeBounds, inputBox, marginSpec, BoundGraph } from '../../src/core/certify';
import { METHODS, listMethods, resolveMethod } from '../../src/core/training/methods/registry';
import type { MethodStepContext, TrainMethod } from '../../src/core/training/methods/method';
import { makeOptimizer } from '../../src/core/training/optim';
import { trainStep } from '../../src/core/training/step';
import { ce } from '../../src/core/training/losses/common';
import { parseGroups, updateGroupWeights } from '../../src/core/training/methods/group-dro';
import { dafaWeights } from '../../src/core/training/methods/dafa';
import { beta as betaDraw } from '../../src/core/training/sampling';
import { learningRate } from '../../src/core/training/schedule';

const SMALL = { height: 4, width: 4, channels: 1 };
const K = 3;

beforeAll(async () => {
  await initEngine({ force: 'wasm' });
});

function ctxFor(over: Partial<MethodStepContext> = {}): MethodStepContext {
  return { rng: new Rng(1).fork(0), epoch: 1, epochs: 2, step: 0, stepsPerEpoch: 10, totalSteps: 20, numClasses: K, state: {}, ...over };
}

function batch(n: number, seed: number, shape = SMALL, k = K) {
  const r = new Rng(seed);
  const x = tf.tensor4d(r.fillUniform(new Float32Array(n * shape.height * shape.width * shape.channels), 0, 1), [n, shape.height, shape.width, shape.channels]);
  const y = tf.tensor1d(Array.from({ length: n }, (_, i) => i % k), 'int32');
  return { x, y };
}

function params(name: string, raw: Record<string, unknown> = {}) {
  return resolveMethod(name, raw).params;
}

function maxAbs(t: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(t)).dataSync()[0]);
}

describe('registry', () => {
  it('has every method under its kebab-case name, with help for every parameter', () => {
    const names = listMethods().map((m) => m.name);
    for (const n of ['erm', 'pgd-at', 'fgsm-rs', 'trades', 'mart', 'awp', 'avmixup', 'dafa', 'sam', 'asam', 'ibp', 'crown-ibp', 'cc-ibp', 'gce', 'sce', 'nce-rce', 'nce-mae', 'poly', 'logit-clip', 'label-smoothing', 'bootstrap', 'group-dro', 'mixup', 'vat']) {
      expect(names).toContain(n);
    }
    for (const m of listMethods()) {
      expect(m.description.length).toBeGreaterThan(60);
      for (const p of m.params) expect(p.help.length).toBeGreaterThan(10);
    }
  });

  it('parses CLI strings and refuses unknown or malformed parameters', () => {
    expect(params('pgd-at', { eps: '0.2', steps: '5', randomStart: 'false' })).toEqual({ eps: 0.2, steps: 5, stepSize: 0, randomStart: false });
    expect(() => resolveMethod('pgd-at', { epsilon: 0.1 })).toThrow(/Unknown parameter "epsilon".*eps, steps/);
    expect(() => resolveMethod('pgd_at', {})).toThrow(LabError);
    expect(params('group-dro', { groups: '0,1;2-4' }).groups).toBe('0,1;2-4');
    expect(() => resolveMethod('group-dro', { groups: 'a;b' })).toThrow(/wrong form/);
    expect(() => resolveMethod('group-dro', { groups: '0,1;1,2' })).toThrow(/two groups/);
  });
});

describe('adversarial training inputs', () => {
  for (const name of ['pgd-at', 'fgsm-rs', 'mart', 'awp', 'trades', 'dafa']) {
    it(`${name}: prepare returns points inside the eps-ball and the pixel range, and they raise the loss`, async () => {
      const model = Model.init('mlp', SMALL, K, 2);
      const { x, y } = batch(6, 3);
      const eps = 0.1;
      const p = params(name, { eps });
      const out = await METHODS[name].prepare!(model, x, y, p, ctxFor());
      const paired = out.shape[0] === 2 * x.shape[0];
      const adv = paired ? tf.slice(out, [x.shape[0], 0, 0, 0], [x.shape[0], -1, -1, -1]) : out;
      if (paired) expect(maxAbs(tf.sub(tf.slice(out, [0, 0, 0, 0], [x.shape[0], -1, -1, -1]), x))).toBe(0);
      expect(maxAbs(tf.sub(adv, x))).toBeLessThanOrEqual(eps + 1e-6);
      expect(tf.min(adv).dataSync()[0]).toBeGreaterThanOrEqual(0);
      expect(tf.max(adv).dataSync()[0]).toBeLessThanOrEqual(1);
      expect(maxAbs(tf.sub(adv, x))).toBeGreaterThan(eps / 2);
      const lossOf = (t: tf.Tensor) => tf.tidy(() => tf.mean(ce(model.forward(t as tf.Tensor4D), y)).dataSync()[0]);
      if (name !== 'trades') expect(lossOf(adv)).toBeGreaterThan(lossOf(x));
      tf.dispose([x, y, out, adv]);
      model.dispose();
    });
  }

  it('avmixup: with γ = 1 and plain labels the mixed points stay in the ball', async () => {
    const model = Model.init('mlp', SMALL, K, 2);
    const { x, y } = batch(6, 3);
    const p = params('avmixup', { eps: 0.2, gamma: 1 });
    const out = await METHODS.avmixup.prepare!(model, x, y, p, ctxFor());
    expect(maxAbs(tf.sub(out, x))).toBeLessThanOrEqual(0.2 + 1e-6);
    tf.dispose([x, y, out]);
    model.dispose();
  });

  it('vat: the perturbation has L2 norm eps per image (away from the pixel bounds)', async () => {
    const model = Model.init('mlp', SMALL, K, 2);
    const x = tf.fill([3, 4, 4, 1], 0.5) as tf.Tensor4D;
    const y = tf.tensor1d([0, 1, 2], 'int32');
    const out = await METHODS.vat.prepare!(model, x, y, params('vat', { eps: 0.3 }), ctxFor());
    const norms = tf.tidy(() => tf.sqrt(tf.sum(tf.square(tf.reshape(tf.sub(tf.slice(out, [3, 0, 0, 0], [3, -1, -1, -1]), x), [3, -1])), 1)).arraySync() as number[]);
    for (const n of norms) expect(n).toBeCloseTo(0.3, 4);
    tf.dispose([x, y, out]);
    model.dispose();
  });
});

/** A "model" with one variable w and the loss ½·Σ a_i (w_i − c_i)², for exact optimizer steps. */
function quadratic(w0: number[], a: number[], c: number[]) {
  const w = tf.variable(tf.tensor1d(w0), true);
  const model = { params: new Map([['w', w]]), variables: () => [w], discardBufferUpdates() {}, commitBufferUpdates() {} } as unknown as Model;
  const loss = () => tf.mul(0.5, tf.sum(tf.mul(tf.tensor1d(a), tf.square(tf.sub(w, tf.tensor1d(c)))))) as tf.Scalar;
  const grad = (v: number[]) => v.map((wi, i) => a[i] * (wi - c[i]));
  return { w, model, loss, grad };
}

describe('flat-minimum methods', () => {
  const a = [2, 0.5];
  const c = [1, -1];
  const w0 = [0.3, 0.8];
  const lr = 0.1;

  async function step(base: TrainMethod, raw: Record<string, unknown>) {
    const q = quadratic(w0, a, c);
    const method: TrainMethod = { ...base, prepare: undefined, loss: () => ({ loss: q.loss(), logits: tf.zeros([1, K]) as tf.Tensor2D }) };
    const opt = makeOptimizer({ name: 'sgd', lr, momentum: 0, weightDecay: 0, beta1: 0.9, beta2: 0.999 }, q.model.params as never);
    const x = tf.zeros([1, 4, 4, 1]) as tf.Tensor4D;
    const y = tf.tensor1d([0], 'int32');
    await trainStep({ model: q.model, method, params: params(base.entry.name, raw), x, y, ctx: ctxFor(), optimizer: opt, lr });
    const out = Array.from(q.w.dataSync());
    tf.dispose([q.w, x, y]);
    opt.dispose();
    return { out, grad: q.grad };
  }

  it('SAM: w ← w − lr·∇L(w + ρ·g/‖g‖)', async () => {
    const rho = 0.05;
    const { out, grad } = await step(METHODS.sam, { rho });
    const g0 = grad(w0);
    const n = Math.hypot(...g0);
    const g1 = grad(w0.map((w, i) => w + (rho * g0[i]) / n));
    const want = w0.map((w, i) => w - lr * g1[i]);
    out.forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
    // And it differs from a plain gradient step.
    expect(Math.abs(out[0] - (w0[0] - lr * g0[0]))).toBeGreaterThan(1e-4);
  });

  it('ASAM: ε = ρ·T²g/‖Tg‖ with T = |w| + η', async () => {
    const rho = 0.5;
    const eta = 0.01;
    const { out, grad } = await step(METHODS.asam, { rho, eta });
    const g0 = grad(w0);
    const T = w0.map((w) => Math.abs(w) + eta);
    const n = Math.hypot(...g0.map((g, i) => T[i] * g));
    const g1 = grad(w0.map((w, i) => w + (rho * T[i] * T[i] * g0[i]) / n));
    const want = w0.map((w, i) => w - lr * g1[i]);
    out.forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
  });

  it('AWP perturbs each weight matrix by γ·‖w‖ and puts the weights back exactly', async () => {
    const model = Model.init('mlp', SMALL, K, 4);
    const { x, y } = batch(4, 1);
    const before = model.variables().map((v) => Float32Array.from(v.dataSync() as Float32Array));
    const p = params('awp', { gamma: 0.02 });
    const lossAt = () => METHODS.awp.loss(model, x, y, p, ctxFor()).loss;
    const restore = METHODS.awp.perturbWeights!(model, lossAt, p, ctxFor())!;
    model.variables().forEach((v, i) => {
      const d = tf.tidy(() => tf.norm(tf.sub(v, tf.tensor(before[i], v.shape))).dataSync()[0]);
      const wn = Math.hypot(...before[i]);
      if (v.rank >= 2) expect(d / wn).toBeCloseTo(0.02, 3);
      else expect(d).toBe(0);
    });
    restore();
    model.variables().forEach((v, i) => expect(Array.from(v.dataSync())).toEqual(Array.from(before[i])));
    tf.dispose([x, y]);
    model.dispose();
  });
});

describe('certified training losses', () => {
  function lossOf(name: string, raw: Record<string, unknown>, ctx: Partial<MethodStepContext> = {}, seed = 5) {
    const model = Model.init('mlp', SMALL, K, seed);
    const { x, y } = batch(5, 2);
    const p = params(name, raw);
    return tf.tidy(() => {
      const method = METHODS[name];
      const xs = method.prepare ? null : x;
      const out = method.loss(model, xs ?? x, y, p, ctxFor(ctx));
      const value = out.loss.dataSync()[0];
      const clean = tf.mean(ce(model.forward(x), y)).dataSync()[0];
      const lb = computeBounds(BoundGraph.fromModel(model), inputBox(x, p.eps as number), marginSpec(y, K), { method: 'ibp' }).lower;
      const worst = tf.mean(ce(tf.neg(lb) as tf.Tensor2D, y)).dataSync()[0];
      const lbC = computeBounds(BoundGraph.fromModel(model), inputBox(x, p.eps as number), marginSpec(y, K), { method: 'crown-ibp', intersectIbp: false }).lower;
      const worstC = tf.mean(ce(tf.neg(lbC) as tf.Tensor2D, y)).dataSync()[0];
      model.dispose();
      return { value, clean, worst, worstC };
    });
  }

  it('IBP: κ = 1 during the warm-up gives the clean CE; after the ramp κ·CE + (1 − κ)·CE(−lb)', () => {
    const warm = lossOf('ibp', { eps: 0.1, warmupEpochs: 1, rampEpochs: 1 }, { step: 0 });
    expect(warm.value).toBeCloseTo(warm.clean, 5);
    const done = lossOf('ibp', { eps: 0.1, warmupEpochs: 0, rampEpochs: 1, kappaEnd: 0.25 }, { step: 15 });
    expect(done.value).toBeCloseTo(0.25 * done.clean + 0.75 * done.worst, 4);
    expect(done.worst).toBeGreaterThan(done.clean);
  });

  it('IBP ramp: eps grows linearly after the warm-up', () => {
    const m = METHODS.ibp;
    const model = Model.init('mlp', SMALL, K, 1);
    const { x, y } = batch(2, 1);
    const p = params('ibp', { eps: 0.2, warmupEpochs: 1, rampEpochs: 2 });
    const epsAt = (step: number) => tf.tidy(() => m.loss(model, x, y, p, ctxFor({ step, stepsPerEpoch: 10 })).metrics!.eps.dataSync()[0]);
    expect(epsAt(5)).toBe(0);
    expect(epsAt(20)).toBeCloseTo(0.1, 6);
    expect(epsAt(40)).toBeCloseTo(0.2, 6);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('CROWN-IBP: β = 0 is the IBP loss; β = 1 uses the CROWN-IBP bound (tighter, so a smaller worst-case loss)', () => {
    const ibpLike = lossOf('crown-ibp', { eps: 0.1, rampEpochs: 1, kappaEnd: 0, betaStart: 0, betaEnd: 0 }, { step: 15 });
    expect(ibpLike.value).toBeCloseTo(ibpLike.worst, 4);
    const crown = lossOf('crown-ibp', { eps: 0.1, rampEpochs: 1, kappaEnd: 0, betaStart: 1, betaEnd: 1 }, { step: 15 });
    expect(crown.value).toBeCloseTo(crown.worstC, 4);
    expect(crown.worstC).toBeLessThan(crown.worst);
  });

  it('CC-IBP: α = 1 is the IBP worst-case loss, α = 0 (losses) the adversarial CE', async () => {
    const model = Model.init('mlp', SMALL, K, 5);
    const { x, y } = batch(5, 2);
    const ctx = ctxFor({ step: 15 });
    for (const [alpha, combine] of [
      [1, 'logits'],
      [0, 'losses'],
      [0, 'logits'],
    ] as const) {
      const p = params('cc-ibp', { eps: 0.1, rampEpochs: 1, alpha, combine });
      const pair = await METHODS['cc-ibp'].prepare!(model, x, y, p, ctx);
      tf.tidy(() => {
        const value = METHODS['cc-ibp'].loss(model, pair, y, p, ctx).loss.dataSync()[0];
        const adv = tf.slice(pair, [5, 0, 0, 0], [5, -1, -1, -1]) as tf.Tensor4D;
        const advCe = tf.mean(ce(model.forward(adv), y)).dataSync()[0];
        const lb = computeBounds(BoundGraph.fromModel(model), inputBox(x, 0.1), marginSpec(y, K), { method: 'ibp' }).lower;
        const worst = tf.mean(ce(tf.neg(lb) as tf.Tensor2D, y)).dataSync()[0];
        expect(value).toBeCloseTo(alpha === 1 ? worst : advCe, 4);
      });
      pair.dispose();
    }
    tf.dispose([x, y]);
    model.dispose();
  });
});

describe('other methods', () => {
  it('Group DRO: exponentiated-gradient weights and the weighted loss', () => {
    expect(parseGroups('', 3)).toEqual({ groupOf: Int32Array.from([0, 1, 2]), count: 3 });
    expect(parseGroups('0,2;3-4', 6)).toEqual({ groupOf: Int32Array.from([0, 2, 0, 1, 1, 2]), count: 3 });
    const q = updateGroupWeights([0.5, 0.5], [1, 2], [1, 1], 0.5);
    const e1 = Math.exp(0.5);
    const e2 = Math.exp(1);
    expect(q[0]).toBeCloseTo(e1 / (e1 + e2), 10);
    expect(updateGroupWeights([0.5, 0.5], [1, 2], [1, 0], 0.5)[0]).toBeCloseTo(e1 / (e1 + 1), 10);

    const model = Model.init('mlp', SMALL, K, 3);
    const { x, y } = batch(6, 4);
    const ctx = ctxFor();
    const p = params('group-dro', { eta: 1 });
    tf.tidy(() => {
      const value = METHODS['group-dro'].loss(model, x, y, p, ctx).loss.dataSync()[0];
      const per = ce(model.forward(x), y).dataSync();
      const gl = [0, 1, 2].map((g) => (per[g] + per[g + 3]) / 2);
      const qq = updateGroupWeights([1 / 3, 1 / 3, 1 / 3], gl, [2, 2, 2], 1);
      (ctx.state.q as number[]).forEach((v, g) => expect(v).toBeCloseTo(qq[g], 6));
      expect(value).toBeCloseTo(qq.reduce((s, w, g) => s + w * gl[g], 0), 5);
      expect(Math.max(...qq)).toBe(qq[gl.indexOf(Math.max(...gl))]);
    });
    tf.dispose([x, y]);
    model.dispose();
  });

  it('mixup with α = 0 and VAT with α = 0 are standard training', async () => {
    const model = Model.init('mlp', SMALL, K, 3);
    const { x, y } = batch(6, 4);
    const clean = tf.tidy(() => tf.mean(ce(model.forward(x), y)).dataSync()[0]);
    for (const name of ['mixup', 'vat']) {
      const p = params(name, { alpha: 0 });
      const ctx = ctxFor();
      const prepared = await METHODS[name].prepare!(model, x, y, p, ctx);
      const v = tf.tidy(() => METHODS[name].loss(model, prepared, y, p, ctx).loss.dataSync()[0]);
      expect(v).toBeCloseTo(clean, 5);
      prepared.dispose();
    }
    tf.dispose([x, y]);
    model.dispose();
  });

  it('DAFA class weights: 1 + λ·Σ_j (P[i][j] − P[j][i]), clipped', () => {
    const P = [
      [0.7, 0.3, 0],
      [0.1, 0.9, 0],
      [0, 0, 1],
    ];
    const w = dafaWeights(P, 2);
    expect(w[0]).toBeCloseTo(1 + 2 * (0.3 - 0.1), 10);
    expect(w[1]).toBeCloseTo(1 + 2 * (0.1 - 0.3), 10);
    expect(w[2]).toBe(1);
    expect(dafaWeights(P, 100)[1]).toBe(0.2);
  });

  it('Beta draws have the right mean; the LR warm-up is linear', () => {
    const r = new Rng(3);
    let s = 0;
    for (let i = 0; i < 4000; i++) s += betaDraw(r, 2, 5);
    expect(s / 4000).toBeCloseTo(2 / 7, 1.5);
    expect(learningRate({ name: 'constant' }, 0.1, 0, 10, 100, 0.5)).toBeCloseTo(0.02, 10);
    expect(learningRate({ name: 'constant' }, 0.1, 4, 10, 100, 0.5)).toBeCloseTo(0.1, 10);
    expect(learningRate({ name: 'constant' }, 0.1, 9, 10, 100, 0.5)).toBeCloseTo(0.1, 10);
  });
});

describe('one training step of every method', () => {
  it('is finite, changes the weights, and keeps the method state JSON-serializable (mlp, wasm)', async () => {
    for (const m of listMethods()) {
      const model = Model.init('mlp', SMALL, K, 6);
      const { x, y } = batch(6, 7);
      const before = Float32Array.from(model.params.get('fc1.weight')!.dataSync() as Float32Array);
      const opt = makeOptimizer({ name: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 0, beta1: 0.9, beta2: 0.999 }, model.params);
      const ctx = ctxFor({ epoch: 2, step: 15 });
      const p = params(m.name, m.name === 'dafa' ? { warmupEpochs: 1 } : {});
      // Methods that train on the clean batch (standard training and the noisy-label losses) count
      // their running accuracy on the model's own predictions before the step: count those here.
      const onCleanBatch = m.name === 'erm' || m.family === 'noisy';
      const expectedCorrect = onCleanBatch
        ? tf.tidy(() => model.forward(x).argMax(1).equal(y).sum().dataSync()[0])
        : null;
      const n0 = tf.memory().numTensors;
      const r = await trainStep({ model, method: METHODS[m.name], params: p, x, y, ctx, optimizer: opt, lr: 0.05 });
      expect(Number.isFinite(r.loss), m.name).toBe(true);
      expect(Number.isInteger(r.correct) && r.correct >= 0 && r.correct <= 6, `${m.name}: correct ${r.correct} of 6`).toBe(true);
      if (expectedCorrect !== null) expect(r.correct, m.name).toBe(expectedCorrect);
      for (const v of Object.values(r.metrics)) expect(Number.isFinite(v), m.name).toBe(true);
      const after = model.params.get('fc1.weight')!.dataSync();
      expect(after.some((v, i) => v !== before[i]), m.name).toBe(true);
      expect(JSON.parse(JSON.stringify(ctx.state))).toEqual(ctx.state);
      // No tensors leak beyond the optimizer's momentum buffers.
      expect(tf.memory().numTensors - n0, m.name).toBeLessThanOrEqual(model.variables().length);
      opt.dispose();
      tf.dispose([x, y]);
      model.dispose();
    }
  });

  it('gives the same update on wasm and on cpu for the convolutional model', async () => {
    const shape = { height: 12, width: 12, channels: 1 };
    const run = async (backend: 'wasm' | 'cpu', name: string, raw: Record<string, unknown>) => {
      expect(await tf.setBackend(backend)).toBe(true);
      (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
      const model = Model.init('mnist-cnn', shape, K, 8);
      const { x, y } = batch(4, 9, shape);
      const opt = makeOptimizer({ name: 'sgd', lr: 0.1, momentum: 0, weightDecay: 0, beta1: 0.9, beta2: 0.999 }, model.params);
      const r = await trainStep({ model, method: METHODS[name], params: params(name, raw), x, y, ctx: ctxFor({ step: 15 }), optimizer: opt, lr: 0.1 });
      const w = model.variables().map((v) => Float32Array.from(v.dataSync() as Float32Array));
      opt.dispose();
      tf.dispose([x, y]);
      model.dispose();
      return { loss: r.loss, w };
    };
    for (const [name, raw] of [
      ['pgd-at', { steps: 2 }],
      ['trades', { steps: 2 }],
      ['ibp', { rampEpochs: 1, kappaEnd: 0 }],
      ['crown-ibp', { rampEpochs: 1, kappaEnd: 0, betaEnd: 1 }],
      ['sam', {}],
    ] as const) {
      const a = await run('wasm', name, raw);
      const b = await run('cpu', name, raw);
      expect(a.loss, name).toBeCloseTo(b.loss, 3);
      a.w.forEach((arr, i) => {
        let d = 0;
        for (let j = 0; j < arr.length; j++) d = Math.max(d, Math.abs(arr[j] - b.w[i][j]));
        expect(d, `${name} param ${i}`).toBeLessThan(1e-3);
      });
    }
    await tf.setBackend('wasm');
  });
});
