/**
 * Memory stays flat: 200 training steps (the trainer's step, ERM on two threads and PGD-AT) and
 * 200 attack steps (PGD through the attack registry, and the training-time adversary) leave the
 * engine's tensor count, bytes and backend buffers where they started, on the calling thread and
 * in the data-parallel worker.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { initEngine, memory, tf } from '../../src/core/engine/backend';
import { parallelInfo, parallelMemory, stopParallel } from '../../src/core/engine/parallel';
import { Rng } from '../../src/core/engine/random';
import { Model } from '../../src/core/models/model';
import { getAttack } from '../../src/core/attacks/registry';
import { linfAdversary } from '../../src/core/training/adversary';
import { erm } from '../../src/core/training/methods/erm';
import { pgdAt } from '../../src/core/training/methods/pgd-at';
import { makeOptimizer } from '../../src/core/training/optim';
import { trainStep } from '../../src/core/training/step';

const INPUT = { height: 28, width: 28, channels: 1 };
const B = 32;
const saved = process.env.ROBUSTLAB_THREADS;
const savedMode = process.env.ROBUSTLAB_PARALLEL;

function level() {
  const m = memory();
  const ids = (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
  return { ...m, ids };
}

function data(seed: number) {
  const rng = new Rng(seed);
  const x = tf.tensor4d(rng.fillUniform(new Float32Array(B * 784), 0, 1), [B, 28, 28, 1]);
  const y = tf.tensor1d(Int32Array.from({ length: B }, () => rng.int(10)), 'int32');
  return { x, y };
}

beforeAll(async () => {
  process.env.ROBUSTLAB_THREADS = '2';
  process.env.ROBUSTLAB_PARALLEL = 'always'; // the worker's memory is checked too
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

test('200 training steps return the tensor count and bytes to the starting level', async () => {
  const model = Model.init('mlp', INPUT, 10, 0);
  const opt = makeOptimizer({ name: 'adam', lr: 1e-3, momentum: 0, weightDecay: 0, beta1: 0.9, beta2: 0.999 } as never, model.params);
  const { x, y } = data(1);
  const ctx = (step: number) => ({ rng: new Rng(0).fork(step), epoch: 1, epochs: 1, step, stepsPerEpoch: 200, totalSteps: 200, numClasses: 10, state: {} });
  // Warm up: the optimizer's state, the workers' copy of the weights.
  await trainStep({ model, method: erm, params: {}, x, y, ctx: ctx(0), optimizer: opt, lr: 1e-3 });
  expect(parallelInfo().workers).toBe(1);
  const start = level();
  const workersStart = parallelMemory();
  for (let s = 1; s <= 190; s++) await trainStep({ model, method: erm, params: {}, x, y, ctx: ctx(s), optimizer: opt, lr: 1e-3 });
  // PGD-AT: the adversary's input gradients, then the training loss.
  const p = { eps: 0.1, steps: 2, stepSize: 0, randomStart: true };
  for (let s = 191; s <= 200; s++) await trainStep({ model, method: pgdAt, params: p, x, y, ctx: ctx(s), optimizer: opt, lr: 1e-3 });
  expect(level()).toEqual(start);
  expect(parallelMemory()).toEqual(workersStart);
  tf.dispose([x, y]);
  opt.dispose();
  model.dispose();
});

test('200 attack steps return the tensor count and bytes to the starting level', async () => {
  const model = Model.init('mnist-cnn', INPUT, 10, 0);
  const { x, y } = data(2);
  const pgd = getAttack('pgd')!;
  const run = async (steps: number) => {
    // A tiny eps: points are rarely broken, so the attack takes every step.
    const r = await pgd.run(model, x, y, { eps: 1e-4, steps, stepSize: 0, restarts: 1, randomStart: true, targeted: false, target: 'least-likely' }, { rng: new Rng(3), tick: async () => undefined });
    r.xAdv.dispose();
  };
  await run(2);
  const start = level();
  const workersStart = parallelMemory();
  await run(150);
  const adv = linfAdversary(model, x, y, { eps: 0.05, steps: 50, stepSize: 0, start: 'uniform', rng: new Rng(4) });
  adv.dispose();
  expect(level()).toEqual(start);
  expect(parallelMemory()).toEqual(workersStart);
  tf.dispose([x, y]);
  model.dispose();
});
