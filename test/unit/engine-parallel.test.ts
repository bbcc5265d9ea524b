/**
 * The data-parallel executor (engine/parallel) on wasm with two threads (one worker): every
 * sharded result against the one-thread computation of the whole batch, against float64 finite
 * differences of an independent implementation of each network, repeatability, weight updates
 * reaching the workers, the fallbacks, and no leaked tensors.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { initEngine, tf } from '../../src/core/engine/backend';
import {
  crossEntropyGrads,
  forwardEval,
  localParamGrads,
  localValueAndGrad,
  parallelInfo,
  shardBounds,
  shardedForward,
  shardedParamGrads,
  shardedValueAndGrad,
  shardLoss,
  stopParallel,
  valueAndInputGrad,
} from '../../src/core/engine/parallel';
import { crossEntropy } from '../../src/core/engine/ops';
import { Rng } from '../../src/core/engine/random';
import { Model } from '../../src/core/models/model';
import { ARCHITECTURES } from '../../src/core/models/registry';
import { tfjsToTorch } from '../../src/core/models/layout';
import { lossFor, type LossName } from '../../src/core/attacks/losses';
import { lossGradient, valueAndGrad } from '../../src/core/attacks/util';
import { erm } from '../../src/core/training/methods/erm';
import { makeOptimizer } from '../../src/core/training/optim';
import { trainStep } from '../../src/core/training/step';
import { crossEntropy64, forward64, nhwcToNchw, type Params64 } from '../fixtures/reference-nets';

const INPUT = { height: 28, width: 28, channels: 1 };
const N = 37; // shards of 18 and 19 rows
const K = 10;
const saved = process.env.ROBUSTLAB_THREADS;
const savedMode = process.env.ROBUSTLAB_PARALLEL;

function batch(seed: number, n = N): { x: tf.Tensor4D; labels: Int32Array; targets: Int32Array; data: Float32Array } {
  const rng = new Rng(seed);
  const data = rng.fillUniform(new Float32Array(n * 784), 0, 1);
  const labels = Int32Array.from({ length: n }, () => rng.int(K));
  const targets = Int32Array.from(labels, (l) => (l + 1 + rng.int(K - 1)) % K);
  return { x: tf.tensor4d(data, [n, 28, 28, 1]), labels, targets, data };
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** The whole batch on this thread (what ROBUSTLAB_THREADS=1 computes). */
function oneThreadParamGrads(model: Model, x: tf.Tensor4D, labels: Int32Array) {
  const y = tf.tensor1d(labels, 'int32');
  const names = [...model.params.keys()];
  const r = localParamGrads((rec, xi) => model.arch.forward(rec, xi, model.input, { training: true }), Object.fromEntries(model.params), names, x, y, x.shape[0]);
  y.dispose();
  return { loss: r.value, grads: names.map((n, i) => r.grads[i].dataSync().slice() as Float32Array), logits: r.logits };
}

beforeAll(async () => {
  process.env.ROBUSTLAB_THREADS = '2';
  // The shards run on the worker in these tests (auto could choose either; see the last tests).
  process.env.ROBUSTLAB_PARALLEL = 'always';
  await initEngine({ force: 'wasm' });
});

afterAll(async () => {
  await stopParallel();
  for (const [k, v] of [
    ['ROBUSTLAB_THREADS', saved],
    ['ROBUSTLAB_PARALLEL', savedMode],
  ] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

test('shards are contiguous and cover the batch', () => {
  expect(shardBounds(37, 2)).toEqual([0, 18, 37]);
  expect(shardBounds(128, 4)).toEqual([0, 32, 64, 96, 128]);
});

for (const archName of ['mlp', 'mnist-cnn']) {
  describe(`${archName} on two threads`, () => {
    let model: Model;
    let b: ReturnType<typeof batch>;
    beforeAll(() => {
      model = Model.init(archName, INPUT, K, 3);
      b = batch(11);
    });
    afterAll(() => {
      model.dispose();
      b.x.dispose();
    });

    test('the forward pass equals the one-thread forward pass', () => {
      const s = shardedForward(model, b.x);
      expect(s).not.toBeNull();
      expect(parallelInfo().workers).toBe(1);
      const one = model.forward(b.x);
      expect(maxDiff(s!.dataSync(), one.dataSync())).toBeLessThan(1e-6);
      tf.dispose([s!, one]);
    });

    for (const loss of ['ce', 'ce-targeted', 'dlr', 'margin'] as LossName[]) {
      test(`input gradient, logits and losses of "${loss}" equal the one-thread values`, () => {
        const t = loss.endsWith('targeted') ? b.targets : null;
        const s = shardedValueAndGrad(model, b.x, `attack:${loss}`, b.labels, t);
        expect(s).not.toBeNull();
        const one = localValueAndGrad((xi) => model.forward(xi), b.x, lossFor(loss, b.labels, t));
        const g1 = one.grad.dataSync();
        expect(maxAbs(g1)).toBeGreaterThan(0);
        expect(maxDiff(s!.grad.dataSync(), g1)).toBeLessThan(1e-5 * maxAbs(g1));
        expect(maxDiff(s!.z, one.z)).toBeLessThan(1e-5);
        expect(maxDiff(s!.loss, one.loss)).toBeLessThan(1e-5);
        tf.dispose([s!.grad, one.grad]);
      });
    }

    test('parameter gradients of the mean cross-entropy equal the one-thread gradients', () => {
      const s = shardedParamGrads(model, b.x, b.labels);
      expect(s).not.toBeNull();
      const one = oneThreadParamGrads(model, b.x, b.labels);
      expect(Math.abs(s!.loss - one.loss)).toBeLessThan(1e-5);
      expect(maxDiff(s!.logits.dataSync(), one.logits.dataSync())).toBeLessThan(1e-5);
      [...model.params.keys()].forEach((name, i) => {
        const scale = maxAbs(one.grads[i]);
        expect(scale, `${name} gradient is zero`).toBeGreaterThan(0);
        const d = maxDiff(s!.grads.get(name)!.dataSync(), one.grads[i]);
        expect(d, `${name}: ${d} (scale ${scale})`).toBeLessThan(1e-5 * scale);
      });
      tf.dispose([s!.logits, one.logits, ...s!.grads.values()]);
    });

    test('sharded gradients match float64 finite differences', () => {
      const params: Params64 = Object.fromEntries(
        Object.entries(model.toTorchTensors()).map(([k, t]) => [k, { shape: t.shape, data: Float64Array.from(t.data) }]),
      );
      const xN = nhwcToNchw(b.data, N, 28, 28, 1);
      const labels = Array.from(b.labels);
      const meanLoss = () => crossEntropy64(forward64(archName, params, xN, N, 1, 28, 28), labels);
      // Small steps: with 37 images a step of 1e-5 can already cross a ReLU or max-pool kink.
      const eps = 1e-6;
      const rng = new Rng(5);
      const check = (analytic: number, fd: number, scale: number, what: string) =>
        expect(Math.abs(analytic - fd), `${what}: ${analytic} vs ${fd}`).toBeLessThan(2e-3 * Math.abs(fd) + 1e-4 * scale + 1e-8);
      // Parameters (PyTorch layout), probing rows of both shards through the sum over the batch.
      const s = shardedParamGrads(model, b.x, b.labels)!;
      const defs = model.paramDefs();
      for (const name of ['fc1.weight', defs[0].name]) {
        const def = defs.find((d) => d.name === name)!;
        const g = tfjsToTorch(def.kind, def.torchShape, s.grads.get(name)!.dataSync() as Float32Array);
        const p = params[name].data;
        let best = 0;
        for (let i = 1; i < g.length; i++) if (Math.abs(g[i]) > Math.abs(g[best])) best = i;
        for (const i of [best, rng.int(g.length)]) {
          const keep = p[i];
          p[i] = keep + eps;
          const up = meanLoss();
          p[i] = keep - eps;
          const down = meanLoss();
          p[i] = keep;
          check(g[i], (up - down) / (2 * eps), maxAbs(g), `${name}[${i}]`);
        }
      }
      tf.dispose([s.logits, ...s.grads.values()]);
      // The input gradient of the summed cross-entropy, in the first and the second shard.
      const v = shardedValueAndGrad(model, b.x, 'ce', b.labels)!;
      const dx = nhwcToNchw(v.grad.dataSync(), N, 28, 28, 1);
      v.grad.dispose();
      const sumLoss = () => N * meanLoss();
      for (const row of [0, N - 1]) {
        let best = row * 784;
        for (let i = row * 784; i < (row + 1) * 784; i++) if (Math.abs(dx[i]) > Math.abs(dx[best])) best = i;
        const keep = xN[best];
        xN[best] = keep + eps;
        const up = sumLoss();
        xN[best] = keep - eps;
        const down = sumLoss();
        xN[best] = keep;
        check(dx[best], (up - down) / (2 * eps), maxAbs(dx), `input[${best}] (row ${row})`);
      }
    });

    test('the same inputs give bit-identical results every time', () => {
      const a = shardedParamGrads(model, b.x, b.labels)!;
      const c = shardedParamGrads(model, b.x, b.labels)!;
      expect(a.loss).toBe(c.loss);
      for (const name of model.params.keys()) expect(Array.from(a.grads.get(name)!.dataSync())).toEqual(Array.from(c.grads.get(name)!.dataSync()));
      const g1 = shardedValueAndGrad(model, b.x, 'ce', b.labels)!;
      const g2 = shardedValueAndGrad(model, b.x, 'ce', b.labels)!;
      expect(Array.from(g1.grad.dataSync())).toEqual(Array.from(g2.grad.dataSync()));
      tf.dispose([a.logits, c.logits, ...a.grads.values(), ...c.grads.values(), g1.grad, g2.grad]);
    });

    test('the workers see weight updates (an optimizer step replaces the weights)', () => {
      const before = shardedForward(model, b.x)!;
      const opt = makeOptimizer({ name: 'sgd', lr: 0.5, momentum: 0, weightDecay: 0, beta1: 0.9, beta2: 0.999 } as never, model.params);
      const r = crossEntropyGrads(model, b.x, b.labels);
      opt.step(Object.fromEntries(r.grads), 0.5);
      tf.dispose([r.logits, ...r.grads.values()]);
      opt.dispose();
      const after = shardedForward(model, b.x)!;
      const one = model.forward(b.x);
      expect(maxDiff(after.dataSync(), before.dataSync())).toBeGreaterThan(1e-3);
      expect(maxDiff(after.dataSync(), one.dataSync())).toBeLessThan(1e-6);
      tf.dispose([before, after, one]);
    });

    test('the attacks and the trainer take the parallel path with the same numbers', async () => {
      // attacks/util: a loss built by lossFor is computed by name on both threads.
      const tagged = valueAndGrad(model, b.x, lossFor('dlr', b.labels));
      const plain = localValueAndGrad((xi) => model.forward(xi), b.x, lossFor('dlr', b.labels));
      expect(maxDiff(tagged.grad.dataSync(), plain.grad.dataSync())).toBeLessThan(1e-5 * maxAbs(plain.grad.dataSync()));
      const y = tf.tensor1d(b.labels, 'int32');
      const lg = lossGradient(model, b.x, y);
      const ce = tf.grad((xi: tf.Tensor) => tf.sum(crossEntropy(model.forward(xi as tf.Tensor4D), y, 'none')) as tf.Scalar)(b.x);
      expect(maxDiff(lg.grad.dataSync(), ce.dataSync())).toBeLessThan(1e-5 * maxAbs(ce.dataSync()));
      // training/step: ERM on two threads vs one, from the same weights.
      const twin = model.clone();
      const steps: number[][] = [];
      for (const threads of ['2', '1']) {
        process.env.ROBUSTLAB_THREADS = threads;
        const m = threads === '2' ? model.clone() : twin;
        const opt = makeOptimizer({ name: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0, beta1: 0.9, beta2: 0.999 } as never, m.params);
        const losses: number[] = [];
        for (let i = 0; i < 3; i++) {
          const r = await trainStep({ model: m, method: erm, params: {}, x: b.x, y, ctx: { rng: new Rng(0), epoch: 1, epochs: 1, step: i, stepsPerEpoch: 3, totalSteps: 3, numClasses: K, state: {} }, optimizer: opt, lr: 0.1 });
          losses.push(r.loss);
        }
        steps.push(losses);
        opt.dispose();
        m.dispose();
      }
      process.env.ROBUSTLAB_THREADS = '2';
      steps[0].forEach((l, i) => expect(Math.abs(l - steps[1][i])).toBeLessThan(1e-5));
      expect(steps[0][2]).toBeLessThan(steps[0][0]);
      tf.dispose([tagged.grad, plain.grad, y, lg.grad, ce]);
    });

    test('no tensors are left behind', () => {
      const before = tf.memory().numTensors;
      const bytes = tf.memory().numBytes;
      for (let i = 0; i < 3; i++) {
        tf.dispose(forwardEval(model, b.x));
        tf.dispose(shardedValueAndGrad(model, b.x, 'attack:ce', b.labels)!.grad);
        const r = crossEntropyGrads(model, b.x, b.labels);
        tf.dispose([r.logits, ...r.grads.values()]);
      }
      expect(tf.memory().numTensors).toBe(before);
      expect(tf.memory().numBytes).toBe(bytes);
    });
  });
}

describe('parallel and sequential execution of the same shards', () => {
  test('give bit-identical numbers (so the auto mode may switch between them at any time)', () => {
    for (const archName of ['mlp', 'mnist-cnn']) {
      const model = Model.init(archName, INPUT, K, 7);
      const b = batch(8);
      const run = (mode: string) => {
        process.env.ROBUSTLAB_PARALLEL = mode;
        const f = shardedForward(model, b.x)!;
        const v = shardedValueAndGrad(model, b.x, 'attack:dlr', b.labels)!;
        const p = shardedParamGrads(model, b.x, b.labels)!;
        const out = {
          f: Array.from(f.dataSync()),
          g: Array.from(v.grad.dataSync()),
          z: Array.from(v.z),
          loss: p.loss,
          grads: [...p.grads.values()].map((t) => Array.from(t.dataSync())),
        };
        tf.dispose([f, v.grad, p.logits, ...p.grads.values()]);
        return out;
      };
      const par = run('always');
      const seq = run('never');
      const auto = [run('auto'), run('auto'), run('auto')];
      process.env.ROBUSTLAB_PARALLEL = 'always';
      expect(seq).toEqual(par);
      for (const a of auto) expect(a).toEqual(par);
      tf.dispose(b.x);
      model.dispose();
    }
  });
});

describe('when the executor steps aside', () => {
  test('one thread, small batches, and training with batch norm run on this thread', () => {
    const model = Model.init('mlp', INPUT, K, 1);
    const small = batch(2, 15); // 7 rows per shard < MIN_SHARD_ROWS
    expect(shardedForward(model, small.x)).toBeNull();
    const b = batch(3);
    process.env.ROBUSTLAB_THREADS = '1';
    expect(shardedForward(model, b.x)).toBeNull();
    expect(shardedParamGrads(model, b.x, b.labels)).toBeNull();
    // The entry points still answer, on this thread.
    const f = forwardEval(model, b.x);
    expect(f.shape).toEqual([N, K]);
    process.env.ROBUSTLAB_THREADS = '2';
    tf.dispose([f, small.x, b.x]);
    model.dispose();
  });

  test('a wrapped model (a plain object with its own forward) runs its own forward on this thread', () => {
    const model = Model.init('mlp', INPUT, K, 2);
    const b = batch(5);
    const wrapped = { ...model, arch: model.arch, params: model.params, input: model.input, archName: model.archName, numClasses: K, forward: (x: tf.Tensor4D) => tf.mul(model.forward(x), 2) as tf.Tensor2D };
    const sub = Object.assign(Object.create(model) as Model, { forward: wrapped.forward });
    for (const m of [wrapped, sub]) {
      expect(shardedForward(m as never, b.x)).toBeNull();
      const f = forwardEval(m as never, b.x);
      const twice = tf.mul(model.forward(b.x), 2);
      expect(maxDiff(f.dataSync(), twice.dataSync())).toBe(0);
      const g = valueAndInputGrad(m as never, b.x, 'ce', b.labels);
      expect(g.z.length).toBe(N * K);
      tf.dispose([f, twice, g.grad]);
    }
    tf.dispose(b.x);
    model.dispose();
  });

  test('batch norm: eval-mode results are sharded, training gradients are not', () => {
    expect(ARCHITECTURES['cnn-bn'], 'the batch-norm architecture this test is about').toBeDefined();
    const model = Model.init('cnn-bn', INPUT, K, 4);
    const b = batch(4);
    expect(shardedParamGrads(model, b.x, b.labels)).toBeNull();
    const s = shardedValueAndGrad(model, b.x, 'ce', b.labels);
    expect(s).not.toBeNull();
    const one = localValueAndGrad((xi) => model.forward(xi), b.x, shardLoss('ce')(b.labels, null));
    expect(maxDiff(s!.grad.dataSync(), one.grad.dataSync())).toBeLessThan(1e-5 * maxAbs(one.grad.dataSync()));
    tf.dispose([s!.grad, one.grad, b.x]);
    model.dispose();
  });
});
