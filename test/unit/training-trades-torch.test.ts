/**
 * One TRADES step against PyTorch with the same start noise (test/fixtures/torch-trades-step.safetensors,
 * written by `/usr/bin/python3 scripts/torch-crosscheck.py trades-fixture`, which follows the
 * reference code github.com/yaodongyu/TRADES): the start x + 0.001·N(0, 1) is not clipped before
 * the first step, every step is projected onto the eps-ball and [0, 1]. The images have rows at
 * exactly 0 and 1, where clipping the start first would change the first gradient. Checked on
 * wasm (the default backend) and cpu: the adversarial images after one and three steps, the loss,
 * and the weights after one SGD step.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, tf } from '../../src/core/engine/backend';
import { Rng } from '../../src/core/engine/random';
import { Model, type TorchTensor } from '../../src/core/models/model';
import { decodeSafetensors } from '../../src/core/models/safetensors';
import { METHODS, resolveMethod } from '../../src/core/training/methods/registry';
import { linfAdversary } from '../../src/core/training/adversary';
import { klFromLogits } from '../../src/core/training/losses/common';
import { makeOptimizer } from '../../src/core/training/optim';
import { trainStep } from '../../src/core/training/step';

const fx = decodeSafetensors(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'torch-trades-step.safetensors'))).tensors;
const N = 6;
const SIDE = 8;
const K = 3;
const NAMES = ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias', 'fc3.weight', 'fc3.bias'];

/** An Rng whose normal draws are the fixture's noise (already scaled by 0.001) for TRADES' start. */
class FixtureRng extends Rng {
  used = 0;
  constructor() {
    super(0);
  }
  override fillNormal(out: Float32Array, mean = 0, std = 1): Float32Array {
    expect([mean, std]).toEqual([0, 0.001]);
    out.set(fx['draw0'].data);
    this.used++;
    return out;
  }
}

function model(): Model {
  const w: Record<string, TorchTensor> = {};
  for (const n of NAMES) w[n] = fx[n];
  return Model.fromTorchTensors('mlp', w, { height: SIDE, width: SIDE, channels: 1 }, K);
}

function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return d / Math.max(s, 1e-30);
}

beforeAll(async () => {
  await initEngine({ force: 'cpu' });
  await initEngine({ force: 'wasm' });
});

describe('TRADES against PyTorch (same noise)', () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    it(`${backend}: the adversarial images after 1 and 3 steps, the loss and the one-step SGD update`, async () => {
      await initEngine({ force: backend });
      const m = model();
      const x = tf.tensor4d(fx['x'].data, [N, SIDE, SIDE, 1]);
      const y = tf.tensor1d(Int32Array.from(fx['y'].data), 'int32');
      const clean = tf.tidy(() => m.forward(x, { training: false }));
      for (const [steps, key] of [
        [1, 'x_adv_step1'],
        [3, 'x_adv'],
      ] as const) {
        const rng = new FixtureRng();
        const adv = linfAdversary(m, x, y, { eps: 0.1, steps, stepSize: 0.03, start: 'small-normal', rng, objective: (z) => tf.sum(klFromLogits(clean, z)) as tf.Scalar });
        expect(rng.used).toBe(1);
        const a = adv.dataSync();
        adv.dispose();
        // Signed steps: each pixel is x0 + noise ± k·0.03, projected. The same signs give the same
        // image up to float32 rounding; a single flipped sign would differ by 0.03.
        let worst = 0;
        for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - fx[key].data[i]));
        expect(worst, `${key}`).toBeLessThan(1e-6);
      }
      clean.dispose();
      const opt = makeOptimizer({ name: 'sgd', lr: 0.1, momentum: 0, weightDecay: 0, beta1: 0.9, beta2: 0.999 }, m.params);
      const ctx = { rng: new FixtureRng(), epoch: 1, epochs: 1, step: 0, stepsPerEpoch: 1, totalSteps: 1, numClasses: K, state: {} };
      const r = await trainStep({ model: m, method: METHODS.trades, params: resolveMethod('trades', { beta: 6, eps: 0.1, steps: 3, stepSize: 0.03 }).params, x, y, ctx, optimizer: opt, lr: 0.1 });
      expect(Math.abs(r.loss - fx['loss'].data[0]) / fx['loss'].data[0]).toBeLessThan(1e-5);
      for (const n of NAMES) {
        const after = m.toTorchTensors()[n].data;
        const before = fx[n].data;
        const delta = after.map((v, i) => v - before[i]);
        const want = fx[`after.${n}`].data.map((v, i) => v - before[i]);
        expect(maxRel(delta, want), `update of ${n}`).toBeLessThan(1e-4);
      }
      opt.dispose();
      tf.dispose([x, y]);
      m.dispose();
    });
  }

  it('the start is not clipped: with eps = 0 the result is x, with no step it is clip(x + noise, 0, 1)', async () => {
    await initEngine({ force: 'wasm' });
    const m = model();
    const x = tf.tensor4d(fx['x'].data, [N, SIDE, SIDE, 1]);
    const y = tf.tensor1d(Int32Array.from(fx['y'].data), 'int32');
    const zero = linfAdversary(m, x, y, { eps: 0, steps: 3, stepSize: 0.03, start: 'small-normal', rng: new FixtureRng() });
    expect(Array.from(zero.dataSync())).toEqual(Array.from(x.dataSync()));
    const none = linfAdversary(m, x, y, { eps: 0.1, steps: 0, stepSize: 0.03, start: 'small-normal', rng: new FixtureRng() });
    const got = none.dataSync();
    const x0 = fx['x'].data;
    const noise = fx['draw0'].data;
    for (let i = 0; i < got.length; i++) expect(got[i]).toBe(Math.fround(Math.min(1, Math.max(0, Math.fround(x0[i] + noise[i])))));
    tf.dispose([zero, none, x, y]);
    m.dispose();
  });
});
