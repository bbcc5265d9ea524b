/**
 * The engine's faster wasm kernels (engine/wasm-kernels) against tfjs's cpu reference kernels,
 * case by case, beyond the whole-network gradients of engine-gradients.test.ts: max-pool
 * gradients (windows that overlap, padding, ties), transposed matrix products, sums over leading
 * axes, and the buffer-sharing Identity and Cast.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { initEngine, tf } from '../../src/core/engine/backend';
import { Rng } from '../../src/core/engine/random';
import { ADAM } from '../../src/core/engine/wasm-kernels';
import { makeOptimizer } from '../../src/core/training/optim';

type Result = { shape: number[]; data: number[] };

async function onBoth(fn: () => tf.Tensor | tf.Tensor[]): Promise<{ wasm: Result[]; cpu: Result[] }> {
  const out: Record<string, Result[]> = {};
  for (const b of ['wasm', 'cpu'] as const) {
    expect(await tf.setBackend(b)).toBe(true);
    const r = tf.tidy(fn);
    const list = Array.isArray(r) ? r : [r];
    out[b] = list.map((t) => ({ shape: [...t.shape], data: Array.from(t.dataSync()) }));
    tf.dispose(list);
  }
  await tf.setBackend('wasm');
  return { wasm: out.wasm, cpu: out.cpu };
}

function expectClose(a: Result[], b: Result[], tol = 1e-5): void {
  expect(a.length).toBe(b.length);
  a.forEach((r, i) => {
    expect(r.shape).toEqual(b[i].shape);
    const scale = Math.max(1, ...b[i].data.map(Math.abs));
    let d = 0;
    r.data.forEach((v, j) => (d = Math.max(d, Math.abs(v - b[i].data[j]))));
    expect(d, `output ${i}`).toBeLessThan(tol * scale);
  });
}

function rand(shape: number[], seed: number, lo = -1, hi = 1): tf.Tensor {
  const n = shape.reduce((p, q) => p * q, 1);
  return tf.tensor(new Rng(seed).fillUniform(new Float32Array(n), lo, hi), shape);
}

beforeAll(async () => {
  await initEngine({ force: 'cpu' });
  await initEngine({ force: 'wasm' });
});

describe('MaxPoolGrad', () => {
  const cases: { name: string; x: [number, number, number, number]; size: number; stride: number; pad: 'valid' | 'same' }[] = [
    { name: '2×2 stride 2 (mnist-cnn; SIMD)', x: [3, 26, 26, 8], size: 2, stride: 2, pad: 'valid' },
    { name: '2×2 stride 2, odd sides (SIMD, uncovered edge)', x: [2, 11, 9, 4], size: 2, stride: 2, pad: 'valid' },
    { name: '2×2 stride 2, channels not a multiple of 4 (JavaScript)', x: [2, 6, 6, 5], size: 2, stride: 2, pad: 'valid' },
    { name: '3×3 stride 2 same (overlapping, padded)', x: [2, 9, 8, 3], size: 3, stride: 2, pad: 'same' },
    { name: '3×3 stride 1 valid', x: [1, 6, 7, 2], size: 3, stride: 1, pad: 'valid' },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const r = await onBoth(() => {
        const x = rand(c.x, 7);
        const y = tf.maxPool(x as tf.Tensor4D, c.size, c.stride, c.pad);
        const dy = rand(y.shape, 8);
        return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, c.size, c.stride, c.pad), dy)))(x);
      });
      expectClose(r.wasm, r.cpu);
    });
  }

  test('ties go to the first maximum of the window, as in PyTorch', async () => {
    const r = await onBoth(() => {
      // Windows {3, 3 / 3, 0} and {1, 5 / 5, 5}: the first maximum in row-major order wins.
      const x = tf.tensor4d([3, 3, 1, 5, 3, 0, 5, 5], [1, 2, 4, 1]);
      return tf.grad((t: tf.Tensor) => tf.sum(tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid')))(x);
    });
    expect(r.wasm[0].data).toEqual([1, 0, 0, 1, 0, 0, 0, 0]);
    expectClose(r.wasm, r.cpu);
  });
});

describe('ReLU gradient and convolution gradients', () => {
  test('the ReLU gradient (one kernel) equals dy · step(x), also for sizes that are not a multiple of 4', async () => {
    const r = await onBoth(() => {
      const x = rand([3, 7, 5, 4], 21);
      const x2 = rand([5, 3], 22);
      const f = (t: tf.Tensor) => tf.sum(tf.mul(tf.relu(t), rand(t.shape, 23)));
      return [tf.grad(f)(x), tf.grad(f)(x2), tf.grad((t: tf.Tensor) => tf.sum(tf.relu(t)))(tf.tensor1d([-1, 0, 2, -0]))];
    });
    expectClose(r.wasm, r.cpu, 1e-7);
    expect(r.wasm[2].data).toEqual([0, 0, 1, 0]);
  });

  test('second derivatives through ReLU still work', async () => {
    const r = await onBoth(() => {
      const x = rand([6], 24);
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.grad((u: tf.Tensor) => tf.sum(tf.square(tf.relu(u))))(t), t)));
      return g(x);
    });
    expectClose(r.wasm, r.cpu, 1e-6);
  });

  const convCases: { name: string; x: [number, number, number, number]; w: [number, number, number, number]; stride: number; pad: 'valid' | 'same' }[] = [
    { name: '3×3, one input channel, 32 outputs (SIMD)', x: [5, 28, 28, 1], w: [3, 3, 1, 32], stride: 1, pad: 'valid' },
    { name: '5×5, one input channel, 8 outputs (SIMD, specialised per size)', x: [2, 12, 11, 1], w: [5, 5, 1, 8], stride: 1, pad: 'valid' },
    { name: '2×4, one input channel, 16 outputs (SIMD)', x: [2, 9, 10, 1], w: [2, 4, 1, 16], stride: 1, pad: 'valid' },
    { name: 'one input channel, 12 outputs (GEMM)', x: [2, 9, 9, 1], w: [3, 3, 1, 12], stride: 1, pad: 'valid' },
    { name: 'one input channel, same padding (GEMM)', x: [2, 9, 9, 1], w: [3, 3, 1, 8], stride: 1, pad: 'same' },
    { name: '8 input channels, 3×2 filter, rows of 6 (SIMD im2col with a remainder)', x: [3, 6, 7, 8], w: [3, 2, 8, 5], stride: 1, pad: 'valid' },
    { name: '32 input channels as in mnist-cnn conv2 (SIMD im2col, rows of 11)', x: [2, 13, 13, 32], w: [3, 3, 32, 64], stride: 1, pad: 'valid' },
    { name: '4 input channels, stride 2 (JavaScript im2col, GEMM + col2im)', x: [2, 9, 8, 4], w: [3, 3, 4, 6], stride: 2, pad: 'same' },
  ];
  for (const c of convCases) {
    test(`filter and input gradients: ${c.name}`, async () => {
      const r = await onBoth(() => {
        const x = rand(c.x, 31);
        const w = rand(c.w, 32);
        const y = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.stride, c.pad);
        const dy = rand(y.shape, 33);
        return tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), dy)))([x, w]);
      });
      expectClose(r.wasm, r.cpu, 1e-5);
    });
  }
});

describe('BatchMatMul with transposes', () => {
  for (const [ta, tb] of [
    [true, false],
    [false, true],
    [true, true],
  ] as const) {
    test(`transposeA=${ta} transposeB=${tb}, rank 2 and rank 3 with batch 1`, async () => {
      const r = await onBoth(() => {
        const a = rand(ta ? [40, 30] : [30, 40], 1);
        const b = rand(tb ? [20, 40] : [40, 20], 2);
        const a3 = rand(ta ? [1, 17, 9] : [1, 9, 17], 3);
        const b3 = rand(tb ? [1, 5, 17] : [1, 17, 5], 4);
        const a4 = rand(ta ? [3, 17, 9] : [3, 9, 17], 5); // batched: the original kernel
        const b4 = rand(tb ? [3, 5, 17] : [3, 17, 5], 6);
        return [tf.matMul(a, b, ta, tb), tf.matMul(a3, b3, ta, tb), tf.matMul(a4, b4, ta, tb)];
      });
      expectClose(r.wasm, r.cpu);
    });
  }

  test('a small batch times a wide transposed weight (computed as (b · aᵀ)ᵀ), ranks 2 and 3', async () => {
    const r = await onBoth(() => {
      const a = rand([8, 16], 13);
      const b = rand([100, 16], 14);
      return [
        tf.matMul(a, b, false, true),
        tf.matMul(tf.reshape(a, [1, 8, 16]), b, false, true),
        tf.matMul(a, tf.reshape(b, [1, 100, 16]), false, true),
        tf.matMul(tf.reshape(a, [1, 8, 16]), tf.reshape(b, [1, 100, 16]), false, true),
      ];
    });
    expect(r.wasm.map((x) => x.shape)).toEqual([[8, 100], [1, 8, 100], [1, 8, 100], [1, 8, 100]]);
    expectClose(r.wasm, r.cpu);
  });

  test('gradients of a linear layer (the products the backward pass uses)', async () => {
    const r = await onBoth(() => {
      const x = rand([64, 100], 9);
      const w = rand([100, 30], 10);
      return tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D))))([x, w]);
    });
    expectClose(r.wasm, r.cpu, 1e-5);
  });
});

describe('Sum over leading axes', () => {
  test('bias-gradient shapes, keepDims, and the cases left to the original kernel', async () => {
    const r = await onBoth(() => {
      const x = rand([16, 13, 13, 8], 11);
      return [
        tf.sum(x, [0, 1, 2]),
        tf.sum(x, [2, 0, 1], true),
        tf.sum(x, 0),
        tf.sum(x, [0, 1]),
        tf.sum(x, [1, 2]), // not a leading prefix
        tf.sum(x), // every axis
        tf.sum(rand([5, 3], 12), 0), // small
        tf.sum(tf.cast(tf.greater(x, 0), 'int32'), [0, 1, 2]), // int32
      ];
    });
    expectClose(r.wasm, r.cpu, 1e-5);
  });
});

describe('Identity and Cast share buffers safely', () => {
  test('clones, same-dtype casts and real casts (bool = nonzero) keep their values after the source is disposed', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor1d([1.5, -2, 0, 3]);
    const c = tf.clone(x);
    const f = tf.cast(x, 'float32');
    const i = tf.cast(x, 'int32');
    const b = tf.cast(x, 'bool');
    const back = tf.cast(b, 'float32');
    x.dispose();
    expect(Array.from(c.dataSync())).toEqual([1.5, -2, 0, 3]);
    expect(Array.from(f.dataSync())).toEqual([1.5, -2, 0, 3]);
    expect(Array.from(i.dataSync())).toEqual([1, -2, 0, 3]);
    expect(Array.from(back.dataSync())).toEqual([1, 1, 0, 1]);
    expect(Array.from(b.dataSync())).toEqual([1, 1, 0, 1]);
    expect(i.dtype).toBe('int32');
    tf.dispose([c, f, i, b, back]);
  });

  test('a variable initialised from a tensor keeps its value when the tensor is disposed or the variable is assigned', async () => {
    await tf.setBackend('wasm');
    const t = tf.tensor1d([1, 2, 3]);
    const v = tf.variable(t);
    const snapshot = tf.clone(v);
    t.dispose();
    v.assign(tf.tensor1d([7, 8, 9]));
    expect(Array.from(snapshot.dataSync())).toEqual([1, 2, 3]);
    expect(Array.from(v.dataSync())).toEqual([7, 8, 9]);
    tf.dispose([v, snapshot]);
  });
});

describe('fused Adam', () => {
  for (const weightDecay of [0, 0.01]) {
    test(`equals the element-wise Adam bit for bit (weight decay ${weightDecay}; SIMD body and JavaScript tail)`, async () => {
      await tf.setBackend('wasm');
      const run = () => {
        const vars = new Map<string, tf.Variable>([
          ['w', tf.variable(rand([37, 13], 41), true)], // 481 values: SIMD for 480, JavaScript for 1
          ['b', tf.variable(rand([3], 42), true)], // JavaScript only
        ]);
        const opt = makeOptimizer({ name: 'adam', lr: 0.01, momentum: 0, weightDecay, beta1: 0.9, beta2: 0.999 } as never, vars);
        for (let step = 0; step < 4; step++) {
          const grads = { w: rand([37, 13], 50 + step), b: rand([3], 60 + step) };
          opt.step(grads, 0.01);
          tf.dispose(Object.values(grads));
        }
        const out = [...vars.values()].map((v) => Array.from(v.dataSync()));
        opt.dispose();
        tf.dispose([...vars.values()]);
        return out;
      };
      const fused = run();
      const kernel = tf.getKernel(ADAM, 'wasm')!;
      tf.unregisterKernel(ADAM, 'wasm');
      let plain: number[][];
      try {
        plain = run();
      } finally {
        tf.registerKernel(kernel);
      }
      expect(fused).toEqual(plain);
    });
  }
});
