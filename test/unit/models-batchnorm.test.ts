/**
 * The batch-norm architectures (cnn-bn, resnet) against PyTorch 1.13 (scripts/make-torch-fixture.py):
 * eval-mode logits, a training-mode forward, its running-statistics update and its gradients;
 * PyTorch initialisation; buffers kept apart from the trainable variables, saved and loaded
 * (num_batches_tracked as I64); the pending-update contract; and a tiny end-to-end training run.
 * Gradients against the cpu backend and float64 finite differences are in engine-gradients.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { initEngine, tf } from '../../src/core/engine/backend';
import { crossEntropy } from '../../src/core/engine/ops';
import { Rng } from '../../src/core/engine/random';
import { getArchitecture, listArchitectures } from '../../src/core/models/registry';
import { Model, type TorchTensor } from '../../src/core/models/model';
import { decodeSafetensors, encodeSafetensors, modelFromSafetensors, modelToSafetensors } from '../../src/core/models/safetensors';
import { convTorch } from '../../src/core/models/blocks';
import type { InputShape } from '../../src/core/models/architecture';
import { BoundGraph } from '../../src/core/certify/graph';
import { Lab } from '../../src/core/service';
import { loadStoredModel } from '../../src/core/store/model-files';
import { trainStep } from '../../src/core/training/step';
import { resolveMethod } from '../../src/core/training/methods/registry';
import { makeOptimizer } from '../../src/core/training/optim';
import { LabError } from '../../src/shared/errors';
import { nchwToNhwc } from '../fixtures/reference-nets';
import { tmpDir } from '../helpers/tmp';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url)));
const io = decodeSafetensors(fixture('torch-bn-io.safetensors')).tensors;

const MNIST: InputShape = { height: 28, width: 28, channels: 1 };
const CIFAR: InputShape = { height: 32, width: 32, channels: 3 };

const CASES: { key: string; arch: string; input: InputShape; classes: number; passInput: boolean; grads: boolean }[] = [
  { key: 'cnn-bn', arch: 'cnn-bn', input: MNIST, classes: 10, passInput: false, grads: false },
  { key: 'cnn-bn-rgb', arch: 'cnn-bn', input: { height: 15, width: 18, channels: 3 }, classes: 5, passInput: true, grads: true },
  { key: 'resnet', arch: 'resnet', input: MNIST, classes: 10, passInput: false, grads: false },
  { key: 'resnet-rgb', arch: 'resnet', input: { height: 15, width: 20, channels: 3 }, classes: 5, passInput: true, grads: true },
];

function labError(fn: () => unknown): LabError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(LabError);
    return err as LabError;
  }
  throw new Error('expected a LabError');
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function argmaxRows(v: ArrayLike<number>, k: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < v.length / k; r++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (v[r * k + j] > v[r * k + best]) best = j;
    out.push(best);
  }
  return out;
}

/** A fixture input (NCHW) as an NHWC tensor. */
function images(t: TorchTensor): tf.Tensor4D {
  const [n, c, h, w] = t.shape;
  return tf.tensor4d(nchwToNhwc(t.data, n, c, h, w), [n, h, w, c]);
}

function load(c: (typeof CASES)[number]): Model {
  return modelFromSafetensors(fixture(`torch-${c.key}.safetensors`), c.arch, c.passInput ? { input: c.input } : {});
}

beforeAll(async () => {
  await initEngine({ force: 'cpu' }); // started quietly for the padding check below
  await initEngine({ force: 'wasm' });
});

describe('PyTorch batch-norm models on wasm', () => {
  for (const c of CASES) {
    describe(c.key, () => {
      test('eval-mode logits match PyTorch within 1e-4 and the file exports back bit for bit, I64 included', () => {
        expect(tf.getBackend()).toBe('wasm');
        const buf = fixture(`torch-${c.key}.safetensors`);
        const original = decodeSafetensors(buf).tensors;
        expect(original['bn.num_batches_tracked'] ?? original['bn1.num_batches_tracked']).toMatchObject({ dtype: 'I64', shape: [] });
        const model = load(c);
        expect(model.input).toEqual(c.input); // inferred from the shapes where not passed
        expect(model.numClasses).toBe(c.classes);
        const x = images(io[`${c.key}.input`]);
        const logits = model.forward(x);
        const expected = io[`${c.key}.logits`];
        expect(logits.shape).toEqual(expected.shape);
        expect(maxAbsDiff(logits.dataSync(), expected.data)).toBeLessThan(1e-4);
        const predicted = argmaxRows(expected.data, c.classes);
        expect(new Set(predicted).size).toBeGreaterThan(2);
        expect(argmaxRows(logits.dataSync(), c.classes)).toEqual(predicted);
        expect(model.hasPendingBufferUpdates).toBe(false); // eval mode records nothing

        const again = decodeSafetensors(modelToSafetensors(model)).tensors;
        expect(Object.keys(again)).toEqual(Object.keys(original)); // PyTorch's state_dict order
        for (const k of Object.keys(original)) {
          expect(again[k].shape, k).toEqual(original[k].shape);
          expect(again[k].dtype, k).toBe(original[k].dtype);
          expect(again[k].data, k).toEqual(original[k].data);
          if (original[k].dtype === 'I64') expect(again[k].int64).toEqual(original[k].int64);
        }
        tf.dispose([x, logits]);
        model.dispose();
      });

      test('a training-mode forward matches PyTorch, and committing it updates the running statistics as PyTorch does', () => {
        const model = load(c);
        const before = model.toTorchTensors();
        const x = images(io[`${c.key}.train_input`]);
        const logits = model.forward(x, { training: true });
        expect(maxAbsDiff(logits.dataSync(), io[`${c.key}.train_logits`].data)).toBeLessThan(1e-4);
        // Nothing changes until the commit.
        expect(model.hasPendingBufferUpdates).toBe(true);
        expect(model.toTorchTensors()).toEqual(before);
        const layers = model.bufferDefs().filter((d) => d.name.endsWith('.running_mean')).length;
        expect(model.commitBufferUpdates()).toBe(layers);
        expect(model.hasPendingBufferUpdates).toBe(false);
        const after = model.toTorchTensors();
        let checked = 0;
        for (const def of model.bufferDefs()) {
          const torch = io[`${c.key}.after.${def.name}`];
          expect(torch, def.name).toBeDefined();
          if (def.dtype === 'int64') {
            expect(after[def.name].int64![0]).toBe(torch.int64![0]);
            expect(after[def.name].data[0]).toBe(before[def.name].data[0] + 1);
          } else {
            expect(maxAbsDiff(after[def.name].data, torch.data), def.name).toBeLessThan(1e-5 * (1 + maxAbs(torch.data)));
            expect(maxAbsDiff(after[def.name].data, before[def.name].data), def.name).toBeGreaterThan(1e-4);
          }
          checked++;
        }
        expect(checked).toBe(3 * layers);
        // The parameters did not move.
        for (const d of model.paramDefs()) expect(after[d.name].data).toEqual(before[d.name].data);
        tf.dispose([x, logits]);
        model.dispose();
      });

      if (c.grads) {
        test('training-mode gradients of the cross-entropy match PyTorch', () => {
          const model = load(c);
          const x = images(io[`${c.key}.train_input`]);
          const y = tf.tensor1d(Array.from(io[`${c.key}.train_labels`].data), 'int32');
          const { value, grads } = tf.variableGrads(
            () => crossEntropy(model.forward(x, { training: true }), y) as tf.Scalar,
            model.variables(),
          );
          // variableGrads saw the trainable parameters only: no buffer has a gradient.
          expect(Object.keys(grads).length).toBe(model.paramDefs().length);
          for (const def of model.paramDefs()) {
            const v = model.params.get(def.name)!;
            const g = tf.tidy(() => tf.reshape(grads[v.name], def.kind === 'conv2d.weight' ? [...v.shape] : [-1]));
            const torchLayout = tf.tidy(() =>
              def.kind === 'conv2d.weight' ? tf.transpose(g, [3, 2, 0, 1]) : def.kind === 'linear.weight' ? tf.transpose(tf.reshape(g, v.shape), [1, 0]) : g,
            );
            const expected = io[`${c.key}.grad.${def.name}`];
            const scale = maxAbs(expected.data);
            expect(scale, def.name).toBeGreaterThan(0);
            expect(maxAbsDiff(torchLayout.dataSync(), expected.data), def.name).toBeLessThan(1e-4 * scale + 1e-7);
            tf.dispose([g, torchLayout]);
          }
          model.commitBufferUpdates();
          tf.dispose([x, y, value, ...Object.values(grads)]);
          model.dispose();
        });
      }
    });
  }

  test('cnn-bn: the layer-graph view (bound propagation) computes the eval-mode network', () => {
    const c = CASES[0];
    const model = load(c);
    const x = images(io[`${c.key}.input`]);
    const a = model.forward(x);
    const b = BoundGraph.fromModel(model).forward(x);
    expect(maxAbsDiff(b.dataSync(), a.dataSync())).toBeLessThan(1e-4);
    tf.dispose([x, a, b]);
    model.dispose();
  });

  test('a stride-2 convolution padded by 1 pads like PyTorch (not like tfjs "same") on even and odd sides', async () => {
    const rng = new Rng(3);
    const x = tf.tensor4d(rng.fillUniform(new Float32Array(2 * 6 * 7 * 2), -1, 1), [2, 6, 7, 2]);
    const w = tf.tensor4d(rng.fillUniform(new Float32Array(3 * 3 * 2 * 3), -1, 1), [3, 3, 2, 3]);
    const y = convTorch(x, w, null, 2, 1);
    expect(y.shape).toEqual([2, 3, 4, 3]); // floor((6 + 2 - 3) / 2) + 1, floor((7 + 2 - 3) / 2) + 1
    // Output (0, 0) sees input rows and columns −1..1: the top-left 2×2 of the image.
    const x00 = x.slice([0, 0, 0, 0], [1, 2, 2, 2]);
    const w11 = w.slice([1, 1, 0, 0], [2, 2, 2, 3]);
    const direct = tf.sum(tf.mul(tf.reshape(x00, [2, 2, 2, 1]), w11), [0, 1, 2]);
    expect(maxAbsDiff(y.slice([0, 0, 0, 0], [1, 1, 1, 3]).dataSync(), direct.dataSync())).toBeLessThan(1e-5);
    const same = tf.conv2d(x, w, 2, 'same');
    expect(maxAbsDiff(same.dataSync(), y.dataSync())).toBeGreaterThan(1e-3); // the even side differs
    // And the cpu backend computes the same numbers.
    const onWasm = y.dataSync().slice();
    const xs = x.dataSync().slice();
    const ws = w.dataSync().slice();
    tf.dispose([x, w, y, x00, w11, direct, same]);
    await tf.setBackend('cpu');
    const xc = tf.tensor4d(xs, [2, 6, 7, 2]);
    const wc = tf.tensor4d(ws, [3, 3, 2, 3]);
    const yc = convTorch(xc, wc, null, 2, 1);
    expect(maxAbsDiff(yc.dataSync(), onWasm)).toBeLessThan(1e-5);
    tf.dispose([xc, wc, yc]);
    await tf.setBackend('wasm');
  });
});

describe('cnn-bn and resnet definitions', () => {
  test('are listed with plain-language descriptions', () => {
    const list = listArchitectures();
    for (const name of ['cnn-bn', 'resnet']) {
      const a = list.find((x) => x.name === name)!;
      expect(a.title.length).toBeGreaterThan(5);
      expect(a.description.length).toBeGreaterThan(100);
    }
  });

  test('parameters and buffers follow PyTorch names and shapes; counts at 28×28×1 and 32×32×3', () => {
    const cnn = getArchitecture('cnn-bn');
    const defs = cnn.params(MNIST, 10);
    expect(defs.map((d) => [d.name, d.torchShape, d.kind])).toEqual([
      ['conv1.weight', [32, 1, 3, 3], 'conv2d.weight'],
      ['bn1.weight', [32], 'batchnorm.weight'],
      ['bn1.bias', [32], 'batchnorm.bias'],
      ['conv2.weight', [32, 32, 3, 3], 'conv2d.weight'],
      ['bn2.weight', [32], 'batchnorm.weight'],
      ['bn2.bias', [32], 'batchnorm.bias'],
      ['conv3.weight', [64, 32, 3, 3], 'conv2d.weight'],
      ['bn3.weight', [64], 'batchnorm.weight'],
      ['bn3.bias', [64], 'batchnorm.bias'],
      ['conv4.weight', [64, 64, 3, 3], 'conv2d.weight'],
      ['bn4.weight', [64], 'batchnorm.weight'],
      ['bn4.bias', [64], 'batchnorm.bias'],
      ['fc1.weight', [128, 64 * 6 * 6], 'linear.weight'],
      ['fc1.bias', [128], 'bias'],
      ['fc2.weight', [10, 128], 'linear.weight'],
      ['fc2.bias', [10], 'bias'],
    ]);
    expect(cnn.buffers!(MNIST, 10).slice(0, 3)).toEqual([
      { name: 'bn1.running_mean', torchShape: [32], dtype: 'float32', init: 0 },
      { name: 'bn1.running_var', torchShape: [32], dtype: 'float32', init: 1 },
      { name: 'bn1.num_batches_tracked', torchShape: [], dtype: 'int64', init: 0 },
    ]);
    const res = getArchitecture('resnet');
    const names = res.params(MNIST, 10).map((d) => d.name);
    expect(names).toEqual([
      'conv1.weight',
      ...['layer1.0'].flatMap((b) => [`${b}.bn1.weight`, `${b}.bn1.bias`, `${b}.conv1.weight`, `${b}.bn2.weight`, `${b}.bn2.bias`, `${b}.conv2.weight`]),
      ...['layer2.0', 'layer3.0'].flatMap((b) => [
        `${b}.bn1.weight`,
        `${b}.bn1.bias`,
        `${b}.conv1.weight`,
        `${b}.bn2.weight`,
        `${b}.bn2.bias`,
        `${b}.conv2.weight`,
        `${b}.shortcut.0.weight`,
      ]),
      'bn.weight',
      'bn.bias',
      'fc.weight',
      'fc.bias',
    ]);
    expect(res.params(MNIST, 10).find((d) => d.name === 'layer3.0.shortcut.0.weight')!.torchShape).toEqual([64, 32, 1, 1]);
    expect(res.buffers!(MNIST, 10).map((d) => d.name)).toContain('layer2.0.bn2.num_batches_tracked');
    const count = (arch: string, input: InputShape) => {
      const m = Model.init(arch, input, 10, 0);
      const r = [m.paramCount(), m.bufferDefs().length];
      m.dispose();
      return r;
    };
    // Equal to sum(p.numel() for p in model.parameters()) in PyTorch.
    expect(count('cnn-bn', MNIST)).toEqual([361514, 12]);
    expect(count('cnn-bn', CIFAR)).toEqual([468586, 12]);
    expect(count('resnet', MNIST)).toEqual([77562, 21]);
    expect(count('resnet', CIFAR)).toEqual([77850, 21]);
  });

  test('inputs too small are refused; input size and classes are inferred from PyTorch shapes', () => {
    expect(labError(() => getArchitecture('cnn-bn').params({ height: 6, width: 28, channels: 1 }, 10)).message).toMatch(/at least 7×7 pixels/);
    expect(labError(() => getArchitecture('resnet').params({ height: 3, width: 3, channels: 1 }, 10)).code).toBe('shape_mismatch');
    const shapesOf = (arch: string, input: InputShape, k: number) =>
      Object.fromEntries(getArchitecture(arch).params(input, k).map((d) => [d.name, d.torchShape]));
    for (const input of [MNIST, CIFAR]) {
      expect(getArchitecture('cnn-bn').inferFromTorchShapes(shapesOf('cnn-bn', input, 7))).toEqual({ input, numClasses: 7 });
      expect(getArchitecture('resnet').inferFromTorchShapes(shapesOf('resnet', input, 7))).toEqual({ input, numClasses: 7 });
    }
  });

  test('init is PyTorch’s: batch norm weight 1, bias 0, running mean 0, variance 1, no batches; convs and linears uniform ±1/√fanIn', () => {
    const small: InputShape = { height: 12, width: 12, channels: 1 };
    for (const arch of ['cnn-bn', 'resnet']) {
      const m = Model.init(arch, small, 10, 4);
      const t = m.toTorchTensors();
      for (const d of m.paramDefs()) {
        const v = t[d.name].data;
        if (d.kind === 'batchnorm.weight') expect(v.every((e) => e === 1)).toBe(true);
        else if (d.kind === 'batchnorm.bias') expect(v.every((e) => e === 0)).toBe(true);
        else {
          const bound = 1 / Math.sqrt(d.fanIn);
          expect(maxAbs(v)).toBeLessThanOrEqual(bound * (1 + 1e-6));
          if (v.length >= 1000) expect(maxAbs(v)).toBeGreaterThan(0.98 * bound);
        }
      }
      for (const b of m.bufferDefs()) {
        expect(t[b.name].data.every((e) => e === b.init)).toBe(true);
        if (b.dtype === 'int64') expect(t[b.name]).toMatchObject({ dtype: 'I64', shape: [] });
      }
      const again = Model.init(arch, small, 10, 4);
      expect(again.toTorchTensors()).toEqual(t); // deterministic
      again.dispose();
      m.dispose();
    }
  });
});

describe('buffers and the pending-update contract', () => {
  const input: InputShape = { height: 12, width: 12, channels: 1 };
  const batch = () => tf.tensor4d(new Rng(8).fillUniform(new Float32Array(4 * 144), 0, 1), [4, 12, 12, 1]);

  test('buffers are non-trainable variables kept apart from the parameters', () => {
    const m = Model.init('resnet', input, 3, 1);
    expect(m.variables()).toHaveLength(m.paramDefs().length);
    expect(m.variables().every((v) => v.trainable)).toBe(true);
    expect(m.buffers.size).toBe(14); // 7 layers × (running_mean, running_var)
    expect([...m.buffers.values()].every((v) => !v.trainable)).toBe(true);
    const trainableIds = new Set(m.variables().map((v) => v.name));
    expect([...m.buffers.values()].some((v) => trainableIds.has(v.name))).toBe(false);
    expect(Object.keys(m.tensorsByName()).length).toBe(m.paramDefs().length + 14);
    expect(Object.keys(m.toTorchTensors({ buffers: false }))).toEqual(m.paramDefs().map((d) => d.name));
    m.dispose();
  });

  test('forward inside variableGrads records once; the commit applies momentum 0.1 with the unbiased variance', () => {
    const m = Model.init('cnn-bn', input, 3, 2);
    const x = batch();
    const y = tf.tensor1d([0, 1, 2, 0], 'int32');
    // Batch statistics of bn1's input, computed by hand: conv1 of the batch.
    const conv = tf.tidy(() => convTorch(x, m.params.get('conv1.weight') as tf.Variable as unknown as tf.Tensor4D, null, 1, 1));
    const n = 4 * 12 * 12;
    const mean = Array.from(tf.tidy(() => tf.mean(conv, [0, 1, 2])).dataSync());
    const unbiased = Array.from(tf.tidy(() => tf.mul(tf.mean(tf.square(tf.sub(conv, tf.mean(conv, [0, 1, 2]))), [0, 1, 2]), n / (n - 1))).dataSync());
    const { value, grads } = tf.variableGrads(() => crossEntropy(m.forward(x, { training: true }), y) as tf.Scalar, m.variables());
    expect(Object.values(grads).every((g) => Number.isFinite(maxAbs(g.dataSync())))).toBe(true);
    // A second training-mode forward in the same step (SAM-style) does not replace the first.
    const x2 = tf.mul(x, 3) as tf.Tensor4D;
    m.forward(x2, { training: true }).dispose();
    expect(m.commitBufferUpdates()).toBe(4);
    const t = m.toTorchTensors();
    const rm = t['bn1.running_mean'].data;
    const rv = t['bn1.running_var'].data;
    for (let k = 0; k < 32; k++) {
      expect(rm[k]).toBeCloseTo(0.1 * mean[k], 6);
      expect(rv[k]).toBeCloseTo(0.9 + 0.1 * unbiased[k], 6);
    }
    expect(t['bn1.num_batches_tracked'].int64![0]).toBe(1n);
    expect(m.commitBufferUpdates()).toBe(0); // nothing pending any more
    // discard drops a pending update
    m.forward(x, { training: true }).dispose();
    m.discardBufferUpdates();
    expect(m.commitBufferUpdates()).toBe(0);
    expect(m.toTorchTensors()['bn4.num_batches_tracked'].data[0]).toBe(1);
    tf.dispose([x, y, x2, conv, value, ...Object.values(grads)]);
    m.dispose();
  });

  test('eval mode uses the running statistics; training needs more than one value per channel', () => {
    const m = Model.init('cnn-bn', input, 3, 3);
    const x = batch();
    const a = m.forward(x);
    const one = tf.slice(x, [0, 0, 0, 0], [1, 12, 12, 1]) as tf.Tensor4D;
    const single = m.forward(one);
    // Eval mode: each image's logits do not depend on the rest of the batch.
    expect(maxAbsDiff(single.dataSync(), a.dataSync().slice(0, 3))).toBeLessThan(1e-5);
    const trainA = m.forward(x, { training: true });
    expect(maxAbsDiff(trainA.dataSync(), a.dataSync())).toBeGreaterThan(1e-3);
    m.discardBufferUpdates();
    // One image still has 12 × 12 values per channel in bn1, 2 × 2 in bn4: it trains.
    m.forward(one, { training: true }).dispose();
    expect(m.commitBufferUpdates()).toBe(4);
    // A 4×4 resnet ends in a 1×1 map: one image gives one value per channel, as PyTorch refuses too.
    const tiny = Model.init('resnet', { height: 4, width: 4, channels: 1 }, 3, 1);
    const x1 = tf.zeros([1, 4, 4, 1]) as tf.Tensor4D;
    const err = labError(() => tiny.forward(x1, { training: true }));
    expect(err.code).toBe('bad_input');
    expect(err.message).toMatch(/layer layer3\.0\.bn2.*batch size of at least 2/);
    expect(tiny.hasPendingBufferUpdates).toBe(false); // the layers before it recorded nothing that stays
    tiny.forward(x1).dispose(); // eval mode is fine
    tf.dispose([x, a, one, single, trainA, x1]);
    tiny.dispose();
    m.dispose();
  });

  test('clone copies buffers; dispose frees every tensor, pending ones included', () => {
    const before = tf.memory().numTensors;
    const m = Model.init('resnet', input, 3, 5);
    const x = batch();
    m.forward(x, { training: true }).dispose();
    m.commitBufferUpdates();
    const c = m.clone();
    expect(c.toTorchTensors()).toEqual(m.toTorchTensors());
    m.forward(x, { training: true }).dispose();
    m.commitBufferUpdates();
    expect(c.toTorchTensors()['bn.num_batches_tracked'].data[0]).toBe(1);
    expect(m.toTorchTensors()['bn.num_batches_tracked'].data[0]).toBe(2);
    expect(c.toTorchTensors()['bn.running_mean'].data).not.toEqual(m.toTorchTensors()['bn.running_mean'].data);
    m.forward(x, { training: true }).dispose(); // left pending
    m.dispose();
    c.dispose();
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  for (const name of ['erm', 'sam', 'pgd-at']) {
    test(`a ${name} training step moves the running statistics once and leaves no tensors behind`, async () => {
      const m = Model.init('cnn-bn', input, 3, 9);
      const { method, params } = resolveMethod(name, name === 'pgd-at' ? { eps: 0.1, steps: 2 } : {});
      const optimizer = makeOptimizer({ name: 'sgd', lr: 0.01, momentum: 0, weightDecay: 0 } as never, m.params);
      const x = batch();
      const y = tf.tensor1d([0, 1, 2, 0], 'int32');
      const ctx = { rng: new Rng(1), epoch: 1, epochs: 1, step: 0, stepsPerEpoch: 3, totalSteps: 3, numClasses: 3, state: {} };
      const before = m.toTorchTensors();
      await trainStep({ model: m, method, params, x, y, ctx, optimizer, lr: 0.01 });
      const tensors = tf.memory().numTensors;
      await trainStep({ model: m, method, params, x, y, ctx: { ...ctx, step: 1 }, optimizer, lr: 0.01 });
      expect(tf.memory().numTensors).toBe(tensors);
      expect(m.hasPendingBufferUpdates).toBe(false);
      const after = m.toTorchTensors();
      expect(after['bn3.num_batches_tracked'].data[0]).toBe(2);
      expect(maxAbsDiff(after['bn3.running_var'].data, before['bn3.running_var'].data)).toBeGreaterThan(1e-4);
      expect(maxAbsDiff(after['conv1.weight'].data, before['conv1.weight'].data)).toBeGreaterThan(0);
      optimizer.dispose();
      tf.dispose([x, y]);
      m.dispose();
    });
  }

  test('buffers survive a safetensors round trip and checkpoint arrays', () => {
    const m = Model.init('resnet', input, 3, 6);
    const x = batch();
    for (let i = 0; i < 3; i++) {
      m.forward(tf.mul(x, i + 1) as tf.Tensor4D, { training: true }).dispose();
      m.commitBufferUpdates();
    }
    const buf = modelToSafetensors(m);
    const header = JSON.parse(buf.subarray(8, 8 + Number(buf.readBigUInt64LE(0))).toString());
    expect(header['layer1.0.bn1.num_batches_tracked']).toMatchObject({ dtype: 'I64', shape: [] });
    expect(header['layer1.0.bn1.running_var'].dtype).toBe('F32');
    const back = modelFromSafetensors(buf, 'resnet');
    expect(back.toTorchTensors()).toEqual(m.toTorchTensors());
    const a = m.forward(x);
    const b = back.forward(x);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    // Checkpoint arrays (src/core/training/checkpoint.ts) carry the buffers too.
    const fresh = Model.init('resnet', input, 3, 7);
    fresh.loadBufferArrays(m.bufferArrays());
    for (const d of m.bufferDefs()) expect(fresh.toTorchTensors()[d.name].data).toEqual(m.toTorchTensors()[d.name].data);
    tf.dispose([x, a, b]);
    for (const mm of [m, back, fresh]) mm.dispose();
  });

  test('files: a missing num_batches_tracked counts 0; missing statistics and integer weights are refused', () => {
    const m = Model.init('cnn-bn', input, 3, 1);
    const t = m.toTorchTensors();
    m.dispose();
    const { ['bn2.num_batches_tracked']: _n, ...noCounter } = t;
    const ok = modelFromSafetensors(encodeSafetensors(noCounter), 'cnn-bn', { input, numClasses: 3 });
    expect(ok.toTorchTensors()['bn2.num_batches_tracked'].data[0]).toBe(0);
    ok.dispose();
    const { ['bn3.running_var']: _v, ...noVar } = t;
    const e1 = labError(() => modelFromSafetensors(encodeSafetensors(noVar), 'cnn-bn', { input, numClasses: 3 }));
    expect(e1.code).toBe('shape_mismatch');
    expect(e1.message).toContain('no tensor "bn3.running_var"');
    const intWeight = { ...t, 'fc2.bias': { shape: [3], data: Float32Array.of(1, 2, 3), dtype: 'I64' as const } };
    const e2 = labError(() => modelFromSafetensors(encodeSafetensors(intWeight), 'cnn-bn', { input, numClasses: 3 }));
    expect(e2.code).toBe('bad_file');
    expect(e2.message).toContain('"fc2.bias" is stored as integers');
    const negative = { ...t, 'bn1.num_batches_tracked': { shape: [], data: Float32Array.of(-1), dtype: 'I64' as const } };
    expect(labError(() => modelFromSafetensors(encodeSafetensors(negative), 'cnn-bn', { input, numClasses: 3 })).code).toBe('bad_file');
    // A batch-norm file given to an architecture without batch norm names the extra buffer.
    const e3 = labError(() => Model.fromTorchTensors('mnist-cnn', t, MNIST, 3));
    expect(e3.code).toBe('shape_mismatch');
  });

  test('I64 tensors decode and encode exactly, beyond float32 and negative', () => {
    const big = BigInt64Array.of(2n ** 40n + 1n, -7n, 0n);
    const buf = encodeSafetensors({ n: { shape: [3], data: Float32Array.from(big, (v) => Number(v)), dtype: 'I64', int64: big } });
    const { tensors } = decodeSafetensors(buf);
    expect(tensors.n.dtype).toBe('I64');
    expect(tensors.n.int64).toEqual(big);
    expect(Array.from(tensors.n.data)).toEqual([Math.fround(2 ** 40 + 1), -7, 0]);
    expect(buf.length % 8).toBe(0);
    // From floats only (no int64 array), the values are rounded integers.
    const fromFloats = decodeSafetensors(encodeSafetensors({ n: { shape: [], data: Float32Array.of(12), dtype: 'I64' } })).tensors.n;
    expect(fromFloats.int64).toEqual(BigInt64Array.of(12n));
  });
});

describe('end to end: the trainer with batch norm', () => {
  let lab: Lab;
  let cleanup: () => void;
  beforeAll(async () => {
    const t = tmpDir();
    cleanup = t.cleanup;
    lab = await Lab.open({ labDir: t.dir, mode: 'cli', backend: 'wasm' });
  });
  afterAll(async () => {
    await lab?.close();
    cleanup?.();
  });

  // 480 digits, one epoch of Adam. The resnet needs more steps before its running statistics
  // (which trail the batch statistics while the weights move fast) make eval mode accurate;
  // PyTorch behaves the same.
  const runs = [
    { arch: 'cnn-bn', batchSize: 16, steps: 30 },
    { arch: 'resnet', batchSize: 8, steps: 60 },
  ];
  for (const { arch, batchSize, steps } of runs) {
    test(`${arch}: the loss falls, eval-mode test accuracy is far above chance, and the stored model has the trained statistics`, async () => {
      const run = await lab.call('submitTrain', {
        kind: 'train',
        dataset: 'mnist-digits',
        arch,
        epochs: 1,
        batchSize,
        optimizer: { name: 'adam', lr: 0.002 },
        seed: 1,
        limit: 480,
        testLimit: 200,
        logEvery: 10,
      });
      const done = await lab.waitForRun(run.id);
      expect(done.error ?? null).toBeNull();
      expect(done.status).toBe('finished');
      const detail = await lab.call('getRun', { runId: run.id });
      const losses = detail.metrics['train/loss'].map((p) => p.value);
      expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
      // The test accuracy is measured in eval mode (running statistics); chance is 10 %.
      expect(done.latestMetrics['test/accuracy']).toBeGreaterThan(0.4);
      expect(detail.model?.paramCount).toBe(arch === 'cnn-bn' ? 361514 : 77562);
      const { model } = loadStoredModel(lab.store, detail.model!.id);
      const t = model.toTorchTensors();
      for (const d of model.bufferDefs()) {
        if (d.dtype === 'int64') expect(t[d.name].int64![0], d.name).toBe(BigInt(steps));
        else expect(t[d.name].data.some((v) => v !== d.init), d.name).toBe(true);
      }
      model.dispose();
    });
  }
});
