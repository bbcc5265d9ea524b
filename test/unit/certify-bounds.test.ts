/**
 * Bound propagation (src/core/certify): a 2-layer network worked by hand, eps = 0 equals the
 * forward pass, the bounds contain the outputs of random and PGD points in the box, CROWN is
 * never looser than IBP, every operator (conv, max/avg pool, batch norm, flatten) is sound, and
 * the bounds are differentiable in the weights on wasm exactly as on cpu.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, tf } from '../../src/core/engine/backend';
import { Rng } from '../../src/core/engine/random';
import { Model } from '../../src/core/models/model';
import { pgd } from '../../src/core/attacks/pgd';
import { BoundGraph, certifyBatch, computeBounds, identitySpec, inputBox, marginSpec, minMargin } from '../../src/core/certify';
import type { LayerOp } from '../../src/core/models/architecture';

const INPUT = { height: 28, width: 28, channels: 1 };

beforeAll(async () => {
  await initEngine({ force: 'wasm' });
});

function images(n: number, seed: number, h = 28, w = 28, c = 1): tf.Tensor4D {
  return tf.tensor4d(new Rng(seed).fillUniform(new Float32Array(n * h * w * c), 0, 1), [n, h, w, c]);
}

function arr2(t: tf.Tensor): number[][] {
  return t.arraySync() as number[][];
}

describe('a 2-layer network worked by hand', () => {
  // x ∈ [0.25, 0.75]² (x = (0.5, 0.5), eps = 0.25);  h1 = x1 + x2 − 0.5 ∈ [0, 1], h2 = x1 − x2 ∈ [−0.5, 0.5];
  // a = relu(h); z1 = a1 − a2, z2 = a2.
  const params = () => ({
    w1: tf.tensor2d([[1, 1], [1, -1]]), // tfjs layout [in, out]: column j is neuron j
    b1: tf.tensor1d([-0.5, 0]),
    w2: tf.tensor2d([[1, 0], [-1, 1]]),
  });
  const layers: LayerOp[] = [{ op: 'flatten-chw' }, { op: 'linear', weight: 'w1', bias: 'b1' }, { op: 'relu' }, { op: 'linear', weight: 'w2' }];

  it('IBP gives z1 ∈ [−0.5, 1], z2 ∈ [0, 0.5] and margin z1 − z2 ≥ −1', () => {
    tf.tidy(() => {
      const g = BoundGraph.fromLayers(layers, params(), { height: 1, width: 2, channels: 1 });
      const box = inputBox(tf.tensor4d([0.5, 0.5], [1, 1, 2, 1]), 0.25);
      const b = computeBounds(g, box, identitySpec(1, 2), { method: 'ibp' });
      expect(arr2(b.lower)[0]).toEqual([-0.5, 0]);
      expect(arr2(b.upper!)[0]).toEqual([1, 0.5]);
      // Margin spec for label 0 merges the last layer: a1 − 2·a2 ≥ 0 − 2·0.5.
      const m = computeBounds(g, box, marginSpec(tf.tensor1d([0], 'int32'), 2), { method: 'ibp' });
      expect(arr2(m.lower)[0]).toEqual([0, -1]);
    });
  });

  it('CROWN gives z1 ≥ −0.25 and margin ≥ −0.5 (relaxation a2 ≤ 0.5·h2 + 0.25, a2 ≥ 0)', () => {
    tf.tidy(() => {
      const g = BoundGraph.fromLayers(layers, params(), { height: 1, width: 2, channels: 1 });
      const box = inputBox(tf.tensor4d([0.5, 0.5], [1, 1, 2, 1]), 0.25);
      const b = computeBounds(g, box, identitySpec(1, 2), { method: 'crown', upper: true, intersectIbp: false });
      // z1 ≥ h1 − (0.5·h2 + 0.25) = 0.5·x1 + 1.5·x2 − 0.75 ≥ −0.25 at x = (0.25, 0.25)
      expect(arr2(b.lower)[0][0]).toBeCloseTo(-0.25, 6);
      expect(arr2(b.lower)[0][1]).toBeCloseTo(0, 6);
      expect(arr2(b.upper!)[0][0]).toBeCloseTo(1, 6);
      expect(arr2(b.upper!)[0][1]).toBeCloseTo(0.5, 6);
      // a1 − 2·a2 ≥ h1 − h2 − 0.5 = 2·x2 − 1 ≥ −0.5
      const m = computeBounds(g, box, marginSpec(tf.tensor1d([0], 'int32'), 2), { method: 'crown', intersectIbp: false });
      expect(arr2(m.lower)[0][1]).toBeCloseTo(-0.5, 6);
    });
  });
});

describe('real architectures', () => {
  for (const arch of ['mlp', 'mnist-cnn']) {
    it(`${arch}: at eps = 0 IBP and CROWN bounds equal the forward pass`, () => {
      const model = Model.init(arch, INPUT, 10, 7);
      tf.tidy(() => {
        const x = images(3, 1);
        const z = model.forward(x);
        const g = BoundGraph.fromModel(model);
        expect(tf.max(tf.abs(tf.sub(g.forward(x), z))).dataSync()[0]).toBeLessThan(1e-5);
        for (const method of ['ibp', 'crown'] as const) {
          const b = computeBounds(g, inputBox(x, 0), identitySpec(3, 10), { method, upper: true });
          expect(tf.max(tf.abs(tf.sub(b.lower, z))).dataSync()[0]).toBeLessThan(1e-4);
          expect(tf.max(tf.abs(tf.sub(b.upper!, z))).dataSync()[0]).toBeLessThan(1e-4);
        }
      });
      model.dispose();
    });
  }

  it('the bounds contain the logits and margins of random and PGD points in the box', async () => {
    for (const arch of ['mlp', 'mnist-cnn']) {
      const model = Model.init(arch, INPUT, 10, 3);
      const eps = arch === 'mlp' ? 0.03 : 0.01;
      const n = 2;
      const x = images(n, 5);
      const y = tf.tensor1d([1, 7], 'int32');
      const g = BoundGraph.fromModel(model);
      const bounds = tf.tidy(() => {
        const out: tf.Tensor[] = [];
        for (const method of ['ibp', 'crown'] as const) {
          const b = computeBounds(g, inputBox(x, eps), identitySpec(n, 10), { method, upper: true, intersectIbp: false });
          const m = computeBounds(g, inputBox(x, eps), marginSpec(y, 10), { method, intersectIbp: false });
          out.push(b.lower, b.upper!, m.lower);
        }
        return out;
      });
      const rng = new Rng(11);
      const points: tf.Tensor4D[] = [];
      for (let r = 0; r < 5; r++) {
        points.push(tf.tidy(() => tf.clipByValue(tf.add(x, tf.tensor(rng.fillUniform(new Float32Array(x.size), -eps, eps), x.shape)), 0, 1) as tf.Tensor4D));
      }
      // Corners of the box are where linear bounds are tight.
      points.push(tf.tidy(() => tf.clipByValue(tf.add(x, tf.mul(tf.sign(tf.tensor(rng.fillUniform(new Float32Array(x.size), -1, 1), x.shape)), eps)), 0, 1) as tf.Tensor4D));
      const attack = await pgd.run(model, x, y, { eps, steps: 10, stepSize: 0, restarts: 1, randomStart: true }, { rng: new Rng(2), tick: async () => {} });
      points.push(attack.xAdv);
      for (const p of points) {
        tf.tidy(() => {
          // Inside the box.
          expect(tf.max(tf.sub(tf.abs(tf.sub(p, x)), eps)).dataSync()[0]).toBeLessThanOrEqual(1e-6);
          const z = model.forward(p);
          const margins = tf.sub(tf.sum(tf.mul(z, tf.oneHot(y, 10).toFloat()), -1, true), z);
          for (let k = 0; k < 2; k++) {
            const [lo, hi, mlo] = bounds.slice(k * 3, k * 3 + 3);
            expect(tf.min(tf.sub(z, lo)).dataSync()[0]).toBeGreaterThanOrEqual(-1e-4);
            expect(tf.min(tf.sub(hi, z)).dataSync()[0]).toBeGreaterThanOrEqual(-1e-4);
            expect(tf.min(tf.sub(margins, mlo)).dataSync()[0]).toBeGreaterThanOrEqual(-1e-4);
          }
        });
        p.dispose();
      }
      tf.dispose([x, y, ...bounds]);
      model.dispose();
    }
  });

  it('CROWN is never looser than IBP on an MLP, and much tighter on average', () => {
    const model = Model.init('mlp', INPUT, 10, 9);
    tf.tidy(() => {
      const x = images(6, 8);
      const y = tf.tensor1d([0, 1, 2, 3, 4, 5], 'int32');
      const g = BoundGraph.fromModel(model);
      for (const eps of [0.005, 0.02, 0.1]) {
        const box = inputBox(x, eps);
        const ibp = computeBounds(g, box, marginSpec(y, 10), { method: 'ibp' }).lower;
        const crown = computeBounds(g, box, marginSpec(y, 10), { method: 'crown' }).lower;
        const raw = computeBounds(g, box, marginSpec(y, 10), { method: 'crown', intersectIbp: false }).lower;
        expect(tf.min(tf.sub(crown, ibp)).dataSync()[0]).toBeGreaterThanOrEqual(0);
        expect(tf.mean(tf.sub(raw, ibp)).dataSync()[0]).toBeGreaterThan(0);
        const gap = tf.mean(tf.sub(minMargin(raw, y, 10), minMargin(ibp, y, 10))).dataSync()[0];
        expect(gap).toBeGreaterThan(0);
      }
    });
    model.dispose();
  });
});

describe('operators on a small custom network', () => {
  // conv(2→3, 3×3, stride 1) → batchnorm → relu → maxpool 2 → conv(3→2, 1×1) → relu → avgpool 2 → flatten → linear(→4)
  function net(seed: number) {
    const r = new Rng(seed);
    const u = (n: number, a = 1) => r.fillUniform(new Float32Array(n), -a, a);
    const params: Record<string, tf.Tensor> = {
      c1: tf.tensor4d(u(3 * 3 * 2 * 3, 0.5), [3, 3, 2, 3]),
      c1b: tf.tensor1d(u(3, 0.1)),
      bnw: tf.tensor1d([1.2, -0.7, 0.9]),
      bnb: tf.tensor1d([0.1, 0, -0.1]),
      bnm: tf.tensor1d([0.05, -0.02, 0.1]),
      bnv: tf.tensor1d([0.5, 1.5, 0.8]),
      c2: tf.tensor4d(u(3 * 2, 0.8), [1, 1, 3, 2]),
      fc: tf.tensor2d(u(2 * 2 * 2 * 4), [8, 4]),
      fcb: tf.tensor1d(u(4, 0.1)),
    };
    const layers: LayerOp[] = [
      { op: 'conv2d', weight: 'c1', bias: 'c1b', stride: 1, pad: 'same' },
      { op: 'batchnorm', weight: 'bnw', bias: 'bnb', runningMean: 'bnm', runningVar: 'bnv', eps: 1e-5 },
      { op: 'relu' },
      { op: 'maxpool', size: 2, stride: 2 },
      { op: 'conv2d', weight: 'c2', stride: 1, pad: 'valid' },
      { op: 'relu' },
      { op: 'avgpool', size: 2, stride: 2 },
      { op: 'flatten-chw' },
      { op: 'linear', weight: 'fc', bias: 'fcb' },
    ];
    return { params, g: BoundGraph.fromLayers(layers, params, { height: 8, width: 8, channels: 2 }) };
  }

  it('the forward pass matches a direct computation and the bounds contain sampled outputs', () => {
    const { params, g } = net(4);
    tf.tidy(() => {
      const x = images(2, 6, 8, 8, 2);
      const p = params;
      const bn = (t: tf.Tensor) => tf.add(tf.mul(tf.div(tf.sub(t, p.bnm), tf.sqrt(tf.add(p.bnv, 1e-5))), p.bnw), p.bnb);
      let h: tf.Tensor = tf.relu(bn(tf.add(tf.conv2d(x, p.c1 as tf.Tensor4D, 1, 'same'), p.c1b)));
      h = tf.maxPool(h as tf.Tensor4D, 2, 2, 'valid');
      h = tf.relu(tf.conv2d(h as tf.Tensor4D, p.c2 as tf.Tensor4D, 1, 'valid'));
      h = tf.avgPool(h as tf.Tensor4D, 2, 2, 'valid');
      const flat = tf.reshape(tf.transpose(h, [0, 3, 1, 2]), [2, 8]);
      const direct = tf.add(tf.matMul(flat, p.fc as tf.Tensor2D), p.fcb);
      expect(tf.max(tf.abs(tf.sub(g.forward(x), direct))).dataSync()[0]).toBeLessThan(1e-5);
      const eps = 0.05;
      const boundsBy = (['ibp', 'crown'] as const).map((method) => computeBounds(g, inputBox(x, eps), identitySpec(2, 4), { method, upper: true, intersectIbp: false }));
      // CROWN is strictly tighter than IBP here on average.
      expect(tf.mean(tf.sub(boundsBy[1].upper!, boundsBy[1].lower)).dataSync()[0]).toBeLessThan(tf.mean(tf.sub(boundsBy[0].upper!, boundsBy[0].lower)).dataSync()[0]);
      const rng = new Rng(1);
      for (let s = 0; s < 30; s++) {
        const noise = tf.tensor(rng.fillUniform(new Float32Array(x.size), -1, 1), x.shape);
        const pt = tf.clipByValue(tf.add(x, tf.mul(s % 2 ? tf.sign(noise) : noise, eps)), 0, 1);
        const z = g.forward(pt);
        for (const b of boundsBy) {
          expect(tf.min(tf.sub(z, b.lower)).dataSync()[0]).toBeGreaterThanOrEqual(-1e-5);
          expect(tf.min(tf.sub(b.upper!, z)).dataSync()[0]).toBeGreaterThanOrEqual(-1e-5);
        }
      }
    });
    tf.dispose(Object.values(params));
  });
});

describe('gradients of the bounds', () => {
  it('IBP and CROWN-IBP margin losses have the same weight gradients on wasm and cpu', async () => {
    const run = async (backend: 'wasm' | 'cpu') => {
      expect(await tf.setBackend(backend)).toBe(true);
      (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
      // 12×12 inputs keep the cpu backend's convolutions quick.
      const model = Model.init('mnist-cnn', { height: 12, width: 12, channels: 1 }, 10, 2);
      const x = images(2, 3, 12, 12);
      const y = tf.tensor1d([3, 8], 'int32');
      // The loss value, then every parameter's gradient in model.variables() order.
      const vals: Float32Array[] = [];
      for (const method of ['ibp', 'crown-ibp'] as const) {
        const vars = model.variables();
        const { grads, value } = tf.variableGrads(() => {
          const b = computeBounds(BoundGraph.fromModel(model), inputBox(x, 0.02), marginSpec(y, 10), { method, intersectIbp: false });
          return tf.mean(tf.logSumExp(tf.neg(b.lower), -1)) as tf.Scalar;
        }, vars);
        vals.push(Float32Array.from(value.dataSync() as Float32Array));
        for (const v of vars) vals.push(Float32Array.from(grads[v.name].dataSync() as Float32Array));
        tf.dispose([value, ...Object.values(grads)]);
      }
      tf.dispose([x, y]);
      model.dispose();
      return { vals };
    };
    const wasm = await run('wasm');
    const cpu = await run('cpu');
    await tf.setBackend('wasm');
    expect(wasm.vals.length).toBe(cpu.vals.length);
    let nonZero = 0;
    for (let i = 0; i < wasm.vals.length; i++) {
      const a = wasm.vals[i];
      const b = cpu.vals[i];
      expect(a.length).toBe(b.length);
      let scale = 0;
      let diff = 0;
      for (let j = 0; j < a.length; j++) {
        expect(Number.isFinite(a[j])).toBe(true);
        scale = Math.max(scale, Math.abs(b[j]));
        diff = Math.max(diff, Math.abs(a[j] - b[j]));
      }
      if (scale > 0) nonZero++;
      expect(diff).toBeLessThanOrEqual(1e-3 * Math.max(1, scale));
    }
    expect(nonZero).toBeGreaterThan(8);
    expect(wasm.vals.length).toBe(2 * 9);
  });
});

describe('certifyBatch', () => {
  it('certifies everything a constant-margin model predicts at any eps and nothing of a random model at a large eps', async () => {
    const model = Model.init('mlp', INPUT, 10, 1);
    // Zero weights and a bias favouring class 2: margins are exactly b_2 − b_k whatever the input.
    for (const [name, v] of model.params) {
      if (name === 'fc3.bias') v.assign(tf.tensor1d([0, 0, 1, 0, 0, 0, 0, 0, 0, 0]));
      else if (name.startsWith('fc3')) v.assign(tf.zerosLike(v));
    }
    const x = images(4, 2);
    const y = tf.tensor1d([2, 2, 3, 2], 'int32');
    for (const method of ['ibp', 'crown'] as const) {
      const r = await certifyBatch(model, x, y, 0.3, method);
      expect(Array.from(r.certified)).toEqual([1, 1, 0, 1]);
      expect(r.margin[0]).toBeCloseTo(1, 5);
      expect(r.margin[2]).toBeCloseTo(-1, 5);
    }
    const rand = Model.init('mlp', INPUT, 10, 4);
    const r = await certifyBatch(rand, x, y, 0.3, 'ibp');
    expect(Array.from(r.certified)).toEqual([0, 0, 0, 0]);
    tf.dispose([x, y]);
    model.dispose();
    rand.dispose();
  });
});
