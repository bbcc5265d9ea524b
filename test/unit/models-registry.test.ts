import { beforeAll, describe, expect, test } from 'vitest';
import { initEngine, tf } from '../../src/core/engine/backend';
import { Rng } from '../../src/core/engine/random';
import { ARCHITECTURES, getArchitecture, listArchitectures } from '../../src/core/models/registry';
import { Model } from '../../src/core/models/model';
import { tfjsShape, tfjsToTorch, torchToTfjs } from '../../src/core/models/layout';
import { LabError } from '../../src/shared/errors';

const MNIST = { height: 28, width: 28, channels: 1 };
const CIFAR = { height: 32, width: 32, channels: 3 };

function labError(fn: () => unknown): LabError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(LabError);
    return err as LabError;
  }
  throw new Error('expected a LabError');
}

beforeAll(async () => {
  await initEngine({ force: 'wasm' });
});

describe('architecture registry', () => {
  test('lists every architecture with a plain-language title and description', () => {
    const list = listArchitectures();
    expect(list.map((a) => a.name).sort()).toEqual(['cnn-bn', 'mlp', 'mnist-cnn', 'resnet']);
    for (const a of list) {
      expect(a.title.length).toBeGreaterThan(5);
      expect(a.description.length).toBeGreaterThan(40);
      expect(Object.keys(a).sort()).toEqual(['certifiable', 'description', 'name', 'title']);
    }
    expect(getArchitecture('mlp')).toBe(ARCHITECTURES.mlp);
  });

  test('an unknown name is bad input that lists the known ones', () => {
    const err = labError(() => getArchitecture('vgg'));
    expect(err.code).toBe('bad_input');
    expect(err.message).toBe('Unknown architecture "vgg". Known: mlp, mnist-cnn, cnn-bn, resnet.');
    expect(labError(() => getArchitecture('toString')).code).toBe('bad_input');
  });

  test('mnist-cnn parameters follow PyTorch names and shapes', () => {
    const defs = getArchitecture('mnist-cnn').params(MNIST, 10);
    expect(defs.map((d) => [d.name, d.torchShape, d.kind, d.fanIn])).toEqual([
      ['conv1.weight', [32, 1, 3, 3], 'conv2d.weight', 9],
      ['conv1.bias', [32], 'bias', 9],
      ['conv2.weight', [64, 32, 3, 3], 'conv2d.weight', 288],
      ['conv2.bias', [64], 'bias', 288],
      ['fc1.weight', [128, 1600], 'linear.weight', 1600],
      ['fc1.bias', [128], 'bias', 1600],
      ['fc2.weight', [10, 128], 'linear.weight', 128],
      ['fc2.bias', [10], 'bias', 128],
    ]);
    const cifar = getArchitecture('mnist-cnn').params(CIFAR, 100);
    expect(cifar[0].torchShape).toEqual([32, 3, 3, 3]);
    expect(cifar[4].torchShape).toEqual([128, 64 * 6 * 6]);
    expect(cifar[6].torchShape).toEqual([100, 128]);
    // Odd and non-square sizes: 16x21 → conv 14x19 → pool 7x9 → conv 5x7 → pool 2x3
    expect(getArchitecture('mnist-cnn').params({ height: 16, width: 21, channels: 1 }, 2)[4].torchShape).toEqual([128, 64 * 2 * 3]);
  });

  test('mlp parameters follow PyTorch names and shapes', () => {
    const defs = getArchitecture('mlp').params(CIFAR, 10);
    expect(defs.map((d) => [d.name, d.torchShape])).toEqual([
      ['fc1.weight', [256, 3072]],
      ['fc1.bias', [256]],
      ['fc2.weight', [256, 256]],
      ['fc2.bias', [256]],
      ['fc3.weight', [10, 256]],
      ['fc3.bias', [10]],
    ]);
  });

  test('inputs that do not fit are refused with a sentence saying what to do', () => {
    const small = labError(() => getArchitecture('mnist-cnn').params({ height: 8, width: 28, channels: 1 }, 10));
    expect(small.code).toBe('shape_mismatch');
    expect(small.message).toMatch(/at least 10×10 pixels.*8×28×1.*Choose the mlp architecture/);
    expect(getArchitecture('mnist-cnn').params({ height: 10, width: 10, channels: 1 }, 10)[4].torchShape).toEqual([128, 64]);
    expect(labError(() => getArchitecture('mlp').params(MNIST, 1)).code).toBe('bad_input');
    expect(labError(() => getArchitecture('mlp').params({ height: 0, width: 28, channels: 1 }, 10)).code).toBe('bad_input');
    expect(labError(() => getArchitecture('mlp').params({ height: 2.5, width: 28, channels: 1 }, 10)).code).toBe('bad_input');
  });

  test('input size and classes are inferred from PyTorch shapes where the weights fix them', () => {
    const cnn = getArchitecture('mnist-cnn');
    const shapesOf = (arch: string, input: typeof MNIST, k: number) =>
      Object.fromEntries(getArchitecture(arch).params(input, k).map((d) => [d.name, d.torchShape]));
    expect(cnn.inferFromTorchShapes(shapesOf('mnist-cnn', MNIST, 10))).toEqual({ input: MNIST, numClasses: 10 });
    expect(cnn.inferFromTorchShapes(shapesOf('mnist-cnn', CIFAR, 100))).toEqual({ input: CIFAR, numClasses: 100 });
    // 16x21 gives a 2x3 feature map: not square, so the input size stays unknown
    expect(cnn.inferFromTorchShapes(shapesOf('mnist-cnn', { height: 16, width: 21, channels: 1 }, 3))).toEqual({ numClasses: 3 });
    const mlp = getArchitecture('mlp');
    expect(mlp.inferFromTorchShapes(shapesOf('mlp', MNIST, 10))).toEqual({ input: MNIST, numClasses: 10 });
    expect(mlp.inferFromTorchShapes(shapesOf('mlp', CIFAR, 10))).toEqual({ input: CIFAR, numClasses: 10 });
    const err = labError(() => cnn.inferFromTorchShapes({ 'conv1.weight': [32, 1, 3, 3] }));
    expect(err.code).toBe('shape_mismatch');
    expect(err.message).toContain('"fc1.weight"');
  });
});

describe('layouts', () => {
  test('conv and linear weights convert between PyTorch and tfjs layouts and back', () => {
    // torch conv [out=2, in=3, kh=2, kw=2]: value = 1000*o + 100*i + 10*a + b
    const shape = [2, 3, 2, 2];
    const t = new Float32Array(24);
    for (let o = 0; o < 2; o++)
      for (let i = 0; i < 3; i++)
        for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) t[((o * 3 + i) * 2 + a) * 2 + b] = 1000 * o + 100 * i + 10 * a + b;
    const f = torchToTfjs('conv2d.weight', shape, t);
    expect(tfjsShape('conv2d.weight', shape)).toEqual([2, 2, 3, 2]);
    // tfjs [kh, kw, in, out]: element [a=1, b=0, i=2, o=1]
    expect(f[((1 * 2 + 0) * 3 + 2) * 2 + 1]).toBe(1000 + 200 + 10 + 0);
    expect(Array.from(tfjsToTorch('conv2d.weight', shape, f))).toEqual(Array.from(t));
    const lin = Float32Array.from([1, 2, 3, 4, 5, 6]); // torch [out=2, in=3]
    expect(Array.from(torchToTfjs('linear.weight', [2, 3], lin))).toEqual([1, 4, 2, 5, 3, 6]);
    expect(Array.from(tfjsToTorch('linear.weight', [2, 3], torchToTfjs('linear.weight', [2, 3], lin)))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(tfjsShape('linear.weight', [2, 3])).toEqual([3, 2]);
    expect(Array.from(torchToTfjs('bias', [3], Float32Array.from([7, 8, 9])))).toEqual([7, 8, 9]);
  });
});

describe('Model', () => {
  test('init is deterministic, uses PyTorch default bounds and counts parameters', () => {
    const a = Model.init('mnist-cnn', MNIST, 10, 3);
    const b = Model.init('mnist-cnn', MNIST, 10, 3);
    const c = Model.init('mnist-cnn', MNIST, 10, 4);
    expect(a.paramCount()).toBe(225034);
    expect([...a.params.keys()]).toEqual(a.paramDefs().map((d) => d.name));
    expect(a.params.get('conv1.weight')!.shape).toEqual([3, 3, 1, 32]);
    expect(a.params.get('fc1.weight')!.shape).toEqual([1600, 128]);
    const ta = a.toTorchTensors();
    const tb = b.toTorchTensors();
    const tc = c.toTorchTensors();
    for (const def of a.paramDefs()) {
      expect(ta[def.name].shape).toEqual(def.torchShape);
      expect(ta[def.name].data).toEqual(tb[def.name].data);
      expect(ta[def.name].data).not.toEqual(tc[def.name].data);
      const bound = 1 / Math.sqrt(def.fanIn);
      const d = ta[def.name].data;
      let max = 0;
      let sum = 0;
      for (const v of d) {
        max = Math.max(max, Math.abs(v));
        sum += v;
      }
      expect(max).toBeLessThanOrEqual(bound * (1 + 1e-6));
      if (d.length >= 1000) {
        expect(max).toBeGreaterThan(0.99 * bound);
        expect(Math.abs(sum / d.length)).toBeLessThan(0.05 * bound);
      }
    }
    const mlp = Model.init('mlp', MNIST, 10, 0);
    expect(mlp.paramCount()).toBe(269322);
    for (const m of [a, b, c, mlp]) m.dispose();
  });

  test('forward gives logits [N, classes] and refuses images of the wrong size', () => {
    const m = Model.init('mnist-cnn', CIFAR, 7, 1);
    const x = tf.tensor4d(new Rng(1).fillUniform(new Float32Array(2 * 32 * 32 * 3), 0, 1), [2, 32, 32, 3]);
    const y = m.forward(x);
    expect(y.shape).toEqual([2, 7]);
    expect(Array.from(y.dataSync()).every(Number.isFinite)).toBe(true);
    const wrong = tf.zeros([2, 28, 28, 1]) as tf.Tensor4D;
    const err = labError(() => m.forward(wrong));
    expect(err.code).toBe('shape_mismatch');
    expect(err.message).toContain('takes 32×32×3 images');
    expect(err.message).toContain('given 28×28×1');
    tf.dispose([x, y, wrong]);
    m.dispose();
  });

  test('fromTorchTensors(toTorchTensors()) gives the same predictions', () => {
    for (const arch of Object.keys(ARCHITECTURES)) {
      const m = Model.init(arch, MNIST, 10, 8);
      const back = Model.fromTorchTensors(arch, m.toTorchTensors(), MNIST, 10);
      const x = tf.tensor4d(new Rng(2).fillUniform(new Float32Array(3 * 784), 0, 1), [3, 28, 28, 1]);
      const a = m.forward(x);
      const b = back.forward(x);
      expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
      tf.dispose([x, a, b]);
      m.dispose();
      back.dispose();
    }
  });

  test('fromTorchTensors names the tensor and both shapes when something does not fit', () => {
    const m = Model.init('mnist-cnn', MNIST, 10, 1);
    const good = m.toTorchTensors();
    m.dispose();
    const wrong = { ...good, 'fc1.weight': { shape: [128, 2304], data: new Float32Array(128 * 2304) } };
    const e1 = labError(() => Model.fromTorchTensors('mnist-cnn', wrong, MNIST, 10));
    expect(e1.code).toBe('shape_mismatch');
    expect(e1.message).toContain('"fc1.weight"');
    expect(e1.message).toContain('[128, 2304]');
    expect(e1.message).toContain('[128, 1600]');
    const { ['conv2.bias']: _dropped, ...missing } = good;
    const e2 = labError(() => Model.fromTorchTensors('mnist-cnn', missing, MNIST, 10));
    expect(e2.code).toBe('shape_mismatch');
    expect(e2.message).toContain('"conv2.bias"');
    expect(e2.message).toContain('[64]');
    const extra = { ...good, 'bn1.running_mean': { shape: [32], data: new Float32Array(32) } };
    const e3 = labError(() => Model.fromTorchTensors('mnist-cnn', extra, MNIST, 10));
    expect(e3.code).toBe('shape_mismatch');
    expect(e3.message).toContain('"bn1.running_mean" [32]');
    const e4 = labError(() => Model.fromTorchTensors('mnist-cnn', good, MNIST, 5));
    expect(e4.message).toContain('"fc2.weight" has shape [10, 128]');
    expect(e4.message).toContain('needs [5, 128]');
    const nan = { ...good, 'fc2.bias': { shape: [10], data: new Float32Array(10).fill(NaN) } };
    const e5 = labError(() => Model.fromTorchTensors('mnist-cnn', nan, MNIST, 10));
    expect(e5.code).toBe('bad_file');
    expect(e5.message).toContain('"fc2.bias"');
  });

  test('clone is independent and dispose frees every tensor', () => {
    const before = tf.memory().numTensors;
    const m = Model.init('mlp', { height: 4, width: 4, channels: 1 }, 3, 1);
    expect(tf.memory().numTensors).toBe(before + 6);
    const c = m.clone();
    const v = c.params.get('fc3.bias')!;
    const nines = tf.tensor1d([9, 9, 9]);
    v.assign(nines);
    nines.dispose();
    expect(Array.from(c.params.get('fc3.bias')!.dataSync())).toEqual([9, 9, 9]);
    expect(Array.from(m.params.get('fc3.bias')!.dataSync())).not.toEqual([9, 9, 9]);
    expect(c.toTorchTensors()['fc1.weight'].data).toEqual(m.toTorchTensors()['fc1.weight'].data);
    m.dispose();
    expect(c.toTorchTensors()['fc2.weight'].data.length).toBe(256 * 256); // the clone still works
    c.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(m.isDisposed).toBe(true);
    expect(() => m.forward(tf.zeros([1, 4, 4, 1]) as tf.Tensor4D)).toThrow(/disposed/);
  });

  test('variables() are the trainable parameters in order', () => {
    const m = Model.init('mnist-cnn', MNIST, 10, 1);
    const vars = m.variables();
    expect(vars).toHaveLength(8);
    expect(vars.every((v) => v.trainable)).toBe(true);
    expect(vars[4]).toBe(m.params.get('fc1.weight'));
    m.dispose();
  });
});
