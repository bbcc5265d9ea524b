/**
 * Gradients on the wasm backend (which lacks Conv2DBackpropFilter and UnsortedSegmentSum; the
 * engine supplies them) against the cpu backend with tfjs's own reference kernels (the engine's
 * faster cpu Conv2DBackpropFilter is swapped out for these comparisons, and checked on its own),
 * and against float64 central finite differences of an independent plain-JavaScript
 * implementation of each network. Networks run in training mode (batch norm with the batch's
 * statistics, as the trainer differentiates them).
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { initEngine, tf } from '../../src/core/engine/backend';
import { conv2d, crossEntropy, linear } from '../../src/core/engine/ops';
import { originalKernel } from '../../src/core/engine/kernels';
import { Rng } from '../../src/core/engine/random';
import { ARCHITECTURES } from '../../src/core/models/registry';
import { Model } from '../../src/core/models/model';
import { tfjsToTorch } from '../../src/core/models/layout';
import type { InputShape } from '../../src/core/models/architecture';
import {
  REFERENCE_ARCHITECTURES,
  crossEntropy64,
  forward64,
  nhwcToNchw,
  type Params64,
} from '../fixtures/reference-nets';

const INPUT: InputShape = { height: 28, width: 28, channels: 1 };
const N = 3;
const CLASSES = 10;
const LABELS = [3, 7, 1];
const X = new Rng(123).fillUniform(new Float32Array(N * 28 * 28), 0, 1);
/**
 * The batch-norm networks are checked on a small 13×12 image (odd height, even width: both ways
 * a stride-2 convolution pads), which keeps the float64 finite differences quick.
 */
const SMALL: InputShape = { height: 13, width: 12, channels: 1 };
const X_SMALL = new Rng(124).fillUniform(new Float32Array(N * 13 * 12), 0, 1);
const inputOf = (archName: string) => (ARCHITECTURES[archName].buffers ? SMALL : INPUT);
const imagesOf = (archName: string) => (ARCHITECTURES[archName].buffers ? X_SMALL : X);

type GradRun = {
  loss: number;
  logits: Float32Array;
  /** gradient w.r.t. the input, NHWC */
  dx: Float32Array;
  /** gradients w.r.t. the parameters, PyTorch layout, by name */
  dp: Record<string, Float32Array>;
  params: Params64;
};

type Where = 'wasm' | 'cpu' | 'cpu-original';

/** Runs fn with tfjs's own cpu Conv2DBackpropFilter in place of the engine's replacement. */
function withOriginalCpuKernels<T>(fn: () => T): T {
  const original = originalKernel('Conv2DBackpropFilter', 'cpu');
  const current = tf.getKernel('Conv2DBackpropFilter', 'cpu');
  expect(original).toBeDefined();
  expect(current).toBeDefined();
  expect(current).not.toBe(original);
  tf.unregisterKernel('Conv2DBackpropFilter', 'cpu');
  tf.registerKernel(original!);
  try {
    return fn();
  } finally {
    tf.unregisterKernel('Conv2DBackpropFilter', 'cpu');
    tf.registerKernel(current!);
  }
}

async function on<T>(where: Where, fn: () => T): Promise<T> {
  expect(await tf.setBackend(where === 'wasm' ? 'wasm' : 'cpu')).toBe(true);
  return where === 'cpu-original' ? withOriginalCpuKernels(fn) : fn();
}

async function gradsOn(where: Where, archName: string): Promise<GradRun> {
  return on(where, () => gradsHere(archName));
}

function gradsHere(archName: string): GradRun {
  // Params are created on this backend: same seed, so same values on both backends.
  const input = inputOf(archName);
  const model = Model.init(archName, input, CLASSES, 5);
  try {
    const defs = model.paramDefs();
    const x = tf.tensor4d(imagesOf(archName), [N, input.height, input.width, 1]);
    const y = tf.tensor1d(LABELS, 'int32');
    const f = (...ts: tf.Tensor[]) => {
      const [xx, ...ps] = ts;
      // Buffers (batch norm running statistics) as they are, parameters as the gradient's inputs.
      const rec = { ...model.tensorsByName(), ...Object.fromEntries(defs.map((d, i) => [d.name, ps[i]])) };
      return crossEntropy(model.arch.forward(rec, xx as tf.Tensor4D, input, { training: true }), y) as tf.Scalar;
    };
    const { value, grads } = tf.valueAndGrads(f)([x, ...model.variables()]);
    const logits = model.forward(x, { training: true });
    model.discardBufferUpdates();
    const run: GradRun = {
      loss: value.dataSync()[0],
      logits: logits.dataSync() as Float32Array,
      dx: grads[0].dataSync() as Float32Array,
      dp: Object.fromEntries(
        defs.map((d, i) => [d.name, tfjsToTorch(d.kind, d.torchShape, grads[i + 1].dataSync() as Float32Array)]),
      ),
      params: Object.fromEntries(
        Object.entries(model.toTorchTensors()).map(([k, t]) => [k, { shape: t.shape, data: Float64Array.from(t.data) }]),
      ),
    };
    tf.dispose([x, y, value, logits, ...grads]);
    return run;
  } finally {
    model.dispose();
  }
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Indices to probe: the largest |g| entry plus random ones (seeded). */
function probeIndices(g: ArrayLike<number>, count: number, rng: Rng): number[] {
  let best = 0;
  for (let i = 1; i < g.length; i++) if (Math.abs(g[i]) > Math.abs(g[best])) best = i;
  const out = [best];
  while (out.length < count) out.push(rng.int(g.length));
  return out;
}

beforeAll(async () => {
  await initEngine({ force: 'cpu' }); // starts the cpu backend quietly, for the comparisons
  await initEngine({ force: 'wasm' });
});

test('every architecture has a float64 reference for these tests', () => {
  expect(Object.keys(ARCHITECTURES).sort()).toEqual([...REFERENCE_ARCHITECTURES].sort());
});

for (const archName of Object.keys(ARCHITECTURES)) {
  describe(`gradients of ${archName}`, () => {
    let wasm: GradRun;
    let cpu: GradRun;

    beforeAll(async () => {
      wasm = await gradsOn('wasm', archName);
      cpu = await gradsOn('cpu-original', archName);
      await tf.setBackend('wasm');
    });

    test('wasm and cpu (tfjs reference kernels) agree on loss, logits and every gradient', () => {
      expect(Math.abs(wasm.loss - cpu.loss)).toBeLessThan(1e-5);
      expect(maxAbsDiff(wasm.logits, cpu.logits)).toBeLessThan(1e-5);
      const scaleX = maxAbs(cpu.dx);
      expect(scaleX).toBeGreaterThan(0);
      expect(maxAbsDiff(wasm.dx, cpu.dx)).toBeLessThan(1e-4 * scaleX);
      for (const [name, g] of Object.entries(cpu.dp)) {
        const scale = maxAbs(g);
        expect(scale, `${name} gradient is all zero`).toBeGreaterThan(0);
        const diff = maxAbsDiff(wasm.dp[name], g);
        expect(diff, `${name}: wasm vs cpu gradient differs by ${diff} (scale ${scale})`).toBeLessThan(1e-4 * scale);
      }
    });

    test('forward matches the float64 reference and gradients match float64 finite differences', () => {
      const { height: H, width: W } = inputOf(archName);
      const xN = nhwcToNchw(imagesOf(archName), N, H, W, 1);
      const lossAt = (p: Params64, x: Float64Array) =>
        crossEntropy64(forward64(archName, p, x, N, 1, H, W, { training: true }), LABELS);
      // The forward pass itself, independent of tfjs.
      const ref = forward64(archName, wasm.params, xN, N, 1, H, W, { training: true });
      const refFlat = Float64Array.from(ref.flatMap((r) => [...r]));
      expect(maxAbsDiff(wasm.logits, refFlat)).toBeLessThan(1e-5);
      expect(Math.abs(lossAt(wasm.params, xN) - wasm.loss)).toBeLessThan(1e-5);

      const eps = 1e-5;
      const rng = new Rng(99);
      const check = (analytic: number, fd: number, scale: number, what: string) => {
        const tol = 2e-3 * Math.abs(fd) + 1e-4 * scale + 1e-8;
        expect(Math.abs(analytic - fd), `${what}: analytic ${analytic} vs finite difference ${fd}`).toBeLessThan(tol);
      };
      for (const [name, g] of Object.entries(wasm.dp)) {
        const p = wasm.params[name].data;
        const scale = maxAbs(g);
        for (const i of probeIndices(g, 3, rng)) {
          const keep = p[i];
          p[i] = keep + eps;
          const up = lossAt(wasm.params, xN);
          p[i] = keep - eps;
          const down = lossAt(wasm.params, xN);
          p[i] = keep;
          check(g[i], (up - down) / (2 * eps), scale, `${name}[${i}]`);
        }
      }
      const dxN = nhwcToNchw(wasm.dx, N, H, W, 1);
      const scaleX = maxAbs(dxN);
      for (const i of probeIndices(dxN, 5, rng)) {
        const keep = xN[i];
        xN[i] = keep + eps;
        const up = lossAt(wasm.params, xN);
        xN[i] = keep - eps;
        const down = lossAt(wasm.params, xN);
        xN[i] = keep;
        check(dxN[i], (up - down) / (2 * eps), scaleX, `input[${i}]`);
      }
    });
  });
}

describe('conv2d variants on wasm vs cpu', () => {
  const cases: { name: string; x: number[]; w: number[]; stride: number; pad: 'valid' | 'same' }[] = [
    { name: '3x3 stride 1 valid', x: [2, 7, 9, 3], w: [3, 3, 3, 4], stride: 1, pad: 'valid' },
    { name: '3x3 stride 1 same', x: [2, 7, 9, 3], w: [3, 3, 3, 4], stride: 1, pad: 'same' },
    { name: '3x3 stride 2 same', x: [2, 7, 9, 3], w: [3, 3, 3, 4], stride: 2, pad: 'same' },
    { name: '3x3 stride 2 valid', x: [2, 8, 9, 2], w: [3, 3, 2, 5], stride: 2, pad: 'valid' },
    { name: '5x4 stride 1 same (uneven padding)', x: [1, 8, 6, 2], w: [5, 4, 2, 3], stride: 1, pad: 'same' },
    { name: '2x2 stride 2 same', x: [2, 5, 5, 1], w: [2, 2, 1, 6], stride: 2, pad: 'same' },
    { name: '1x1 stride 1', x: [3, 4, 4, 5], w: [1, 1, 5, 2], stride: 1, pad: 'valid' },
  ];

  const run = (where: Where, c: (typeof cases)[number]) => on(where, () => runHere(c));

  function runHere(c: (typeof cases)[number]) {
    const rng = new Rng(c.x.concat(c.w).reduce((a, b) => a * 31 + b, 7));
    const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
    const x = tf.tensor4d(rng.fillUniform(new Float32Array(size(c.x)), -1, 1), c.x as [number, number, number, number]);
    const w = tf.tensor4d(rng.fillUniform(new Float32Array(size(c.w)), -1, 1), c.w as [number, number, number, number]);
    const b = tf.tensor1d(rng.fillUniform(new Float32Array(c.w[3]), -1, 1));
    const yShape = tf.tidy(() => conv2d(x, w, b, c.stride, c.pad).shape);
    const r = tf.tensor(rng.fillUniform(new Float32Array(size(yShape)), -1, 1), yShape);
    const [gx, gw, gb] = tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
      tf.sum(tf.mul(conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, bb as tf.Tensor1D, c.stride, c.pad), r)),
    )([x, w, b]);
    const out = {
      y: yShape,
      gx: gx.dataSync().slice(),
      gw: gw.dataSync().slice(),
      gb: gb.dataSync().slice(),
      gxShape: gx.shape,
      gwShape: gw.shape,
    };
    tf.dispose([x, w, b, r, gx, gw, gb]);
    return out;
  }

  for (const c of cases) {
    test(c.name, async () => {
      const e = await run('cpu-original', c);
      for (const where of ['wasm', 'cpu'] as const) {
        const a = await run(where, c);
        expect(a.y).toEqual(e.y);
        expect(a.gxShape).toEqual(c.x);
        expect(a.gwShape).toEqual(c.w);
        for (const k of ['gx', 'gw', 'gb'] as const) {
          expect(maxAbs(e[k])).toBeGreaterThan(0);
          expect(maxAbsDiff(a[k], e[k]), `${where} ${k}`).toBeLessThan(1e-5 * Math.max(1, maxAbs(e[k])));
        }
      }
      await tf.setBackend('wasm');
    });
  }

  test('conv2dTranspose (uses the replaced Conv2DBackpropInput) matches cpu for stride 1 and 2', async () => {
    const results: Record<string, Float32Array[]> = {};
    for (const backend of ['wasm', 'cpu'] as const) {
      await tf.setBackend(backend);
      const rng = new Rng(4);
      const dy = tf.tensor4d(rng.fillUniform(new Float32Array(2 * 5 * 5 * 4), -1, 1), [2, 5, 5, 4]);
      const w = tf.tensor4d(rng.fillUniform(new Float32Array(3 * 3 * 2 * 4), -1, 1), [3, 3, 2, 4]);
      const a = tf.conv2dTranspose(dy, w, [2, 7, 7, 2], 1, 'valid');
      const b = tf.conv2dTranspose(dy, w, [2, 5, 5, 2], 1, 'same');
      const c = tf.conv2dTranspose(dy, w, [2, 10, 10, 2], 2, 'same');
      results[backend] = [a, b, c].map((t) => t.dataSync().slice() as Float32Array);
      tf.dispose([dy, w, a, b, c]);
    }
    await tf.setBackend('wasm');
    results.cpu.forEach((e, i) => expect(maxAbsDiff(results.wasm[i], e)).toBeLessThan(1e-5));
  });
});

describe('other gradients on wasm', () => {
  test('gather gradient (UnsortedSegmentSum) matches cpu', async () => {
    const out: Record<string, number[]> = {};
    for (const backend of ['wasm', 'cpu'] as const) {
      await tf.setBackend(backend);
      const x = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8], [2, 4]);
      const idx = tf.tensor1d([3, 0, 3, 1], 'int32');
      const r = tf.tensor2d([1, 10, 100, 1000, 2, 20, 200, 2000], [2, 4]);
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, idx, 1), r)))(x);
      out[backend] = Array.from(g.dataSync());
      tf.dispose([x, idx, r, g]);
    }
    await tf.setBackend('wasm');
    expect(out.wasm).toEqual(out.cpu);
    expect(out.wasm).toEqual([10, 1000, 0, 101, 20, 2000, 0, 202]);
  });

  test('linear gives input and weight gradients', () => {
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const w = tf.tensor2d([1, 0, 0, 1, 1, 1], [3, 2]);
    const b = tf.tensor1d([0.5, -0.5]);
    const [gx, gw, gb] = tf.grads((a: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
      tf.sum(linear(a as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D)),
    )([x, w, b]);
    expect(Array.from(gx.dataSync())).toEqual([1, 1, 2, 1, 1, 2]);
    expect(Array.from(gw.dataSync())).toEqual([5, 5, 7, 7, 9, 9]);
    expect(Array.from(gb.dataSync())).toEqual([2, 2]);
    tf.dispose([x, w, b, gx, gw, gb]);
  });

  test('crossEntropy is stable for huge logits and its gradient is (softmax - onehot) / N', () => {
    const logits = tf.tensor2d([1000, 0, -1000, 3, 1, 2], [2, 3]);
    const labels = tf.tensor1d([1, 0], 'int32');
    const { value, grad } = tf.valueAndGrad((z: tf.Tensor) => crossEntropy(z as tf.Tensor2D, labels) as tf.Scalar)(logits);
    const l = value.dataSync()[0];
    // example 1: -log softmax = 1000; example 2: logsumexp(3,1,2) - 3
    const lse = Math.log(Math.exp(0) + Math.exp(-2) + Math.exp(-1));
    expect(l).toBeCloseTo((1000 + lse) / 2, 3);
    const g = Array.from(grad.dataSync());
    const sm = [Math.exp(0) / Math.exp(lse), Math.exp(-2) / Math.exp(lse), Math.exp(-1) / Math.exp(lse)];
    const expected = [0.5, -0.5, 0, (sm[0] - 1) / 2, sm[1] / 2, sm[2] / 2];
    g.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
    const none = crossEntropy(logits, labels, 'none');
    expect(none.shape).toEqual([2]);
    expect(none.dataSync()[0]).toBeCloseTo(1000, 3);
    expect(() => crossEntropy(logits, tf.tensor1d([1], 'int32'))).toThrow(/labels/);
    tf.dispose([logits, labels, value, grad, none]);
  });

  for (const backend of ['wasm', 'cpu'] as const) {
    test(`the supplied kernels leave no tensors or backend buffers behind (${backend})`, async () => {
      await tf.setBackend(backend);
      const be = tf.backend() as unknown as { numDataIds(): number };
      const model = Model.init('mnist-cnn', INPUT, CLASSES, 1);
      const x = tf.tensor4d(X, [N, 28, 28, 1]);
      const y = tf.tensor1d(LABELS, 'int32');
      const step = () =>
        tf.tidy(() => {
          const { grads } = tf.valueAndGrads((...ts: tf.Tensor[]) => {
            const rec = Object.fromEntries(model.paramDefs().map((d, i) => [d.name, ts[i + 1]]));
            return crossEntropy(model.arch.forward(rec, ts[0] as tf.Tensor4D, INPUT), y) as tf.Scalar;
          })([x, ...model.variables()]);
          return tf.addN(grads.map((g) => tf.sum(g)));
        }).dispose();
      step();
      const tensors = tf.memory().numTensors;
      const ids = be.numDataIds();
      for (let i = 0; i < 2; i++) step();
      expect(tf.memory().numTensors).toBe(tensors);
      expect(be.numDataIds()).toBe(ids);
      tf.dispose([x, y]);
      model.dispose();
      await tf.setBackend('wasm');
    });
  }
});
