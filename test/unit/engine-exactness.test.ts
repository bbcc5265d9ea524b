/**
 * Kernels with an epsilon of their own: every element-wise and reduction kernel that attacks,
 * training and the masking checks depend on, on the wasm backend against tfjs's cpu backend (the
 * reference: plain JavaScript comparisons), at magnitudes 1e-30 … 1e30, float32 denormals, ±0,
 * ±Infinity and NaN. tfjs-backend-wasm 4.22 had four: Sign returned 0 for |x| < 1.19e-7,
 * ClipByValue turned NaN into its lower bound, Softmax flushed results below 1.2e-38 to 0 (and
 * so did Sigmoid, which the lab's losses do not use). All four are replaced in
 * engine/wasm-kernels.ts. A few kernels differ only by float32
 * rounding (a unit in the last place); they are checked with a relative tolerance that still
 * fails on any flush to zero.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { initEngine, tf } from '../../src/core/engine/backend';
import { originalKernel } from '../../src/core/engine/kernels';

/** Every decade from 1e-30 to 1e30 with both signs, denormals, ±0, ±Infinity and NaN. */
const VALUES: number[] = (() => {
  const v: number[] = [0, -0, 1.4e-45, -1.4e-45, 1e-40, -1e-40, 1e-38, -1e-38, Infinity, -Infinity, NaN, 1.19e-7, -1.19e-7, 0.5, -0.5];
  for (let e = -30; e <= 30; e++) v.push(10 ** e, -(10 ** e));
  return v.map(Math.fround);
})();

const VALUES_T = () => tf.tensor1d(VALUES);

async function onBoth(fn: () => tf.Tensor): Promise<{ wasm: Float32Array; cpu: Float32Array }> {
  const out: Record<string, Float32Array> = {};
  for (const b of ['wasm', 'cpu'] as const) {
    expect(await tf.setBackend(b)).toBe(true);
    out[b] = tf.tidy(() => tf.cast(fn(), 'float32')).dataSync() as Float32Array;
  }
  await tf.setBackend('wasm');
  return { wasm: out.wasm, cpu: out.cpu };
}

/** The same number: NaN equals NaN; +0 equals −0 only when `zeros` says the sign of zero does not matter. */
function same(a: number, b: number, zeros: 'signed' | 'any'): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  return zeros === 'signed' ? Object.is(a, b) : a === b;
}

function expectExact(r: { wasm: Float32Array; cpu: Float32Array }, label: string, zeros: 'signed' | 'any' = 'any'): void {
  expect(r.wasm.length).toBe(r.cpu.length);
  const bad: string[] = [];
  r.cpu.forEach((c, i) => {
    if (!same(r.wasm[i], c, zeros)) bad.push(`[${i}] wasm ${r.wasm[i]} cpu ${c}`);
  });
  expect(bad, label).toEqual([]);
}

/** Equal up to `rel` relative error, with zero only where the other is zero (no flushes), NaN with NaN. */
function expectClose(r: { wasm: Float32Array; cpu: Float32Array }, label: string, rel = 2e-7): void {
  const bad: string[] = [];
  r.cpu.forEach((c, i) => {
    const w = r.wasm[i];
    if (Number.isNaN(c) || Number.isNaN(w) || !Number.isFinite(c) || !Number.isFinite(w) || c === 0 || w === 0) {
      if (!same(w, c, 'any')) bad.push(`[${i}] wasm ${w} cpu ${c}`);
    } else if (Math.abs(w - c) > rel * Math.abs(c)) bad.push(`[${i}] wasm ${w} cpu ${c}`);
  });
  expect(bad, label).toEqual([]);
}

beforeAll(async () => {
  await initEngine({ force: 'cpu' });
  await initEngine({ force: 'wasm' });
});

describe('sign is exact on wasm', () => {
  test('±1 for every nonzero value down to the smallest denormal, 0 for ±0 and NaN, as on cpu', async () => {
    const r = await onBoth(() => tf.sign(VALUES_T()));
    expectExact(r, 'sign');
    VALUES.forEach((v, i) => {
      if (v > 0) expect(r.wasm[i], `sign(${v})`).toBe(1);
      if (v < 0) expect(r.wasm[i], `sign(${v})`).toBe(-1);
      if (v === 0 || Number.isNaN(v)) expect(r.wasm[i], `sign(${v})`).toBe(0);
    });
  });

  test('the tfjs wasm kernel it replaced did round tiny values to zero (this test would catch a regression)', async () => {
    const orig = originalKernel('Sign', 'wasm');
    expect(orig, 'the original wasm Sign kernel was replaced').toBeTruthy();
    await tf.setBackend('wasm');
    const x = tf.tensor1d([1e-9, -1e-9, 1, -1]);
    const info = orig!.kernelFunc({ inputs: { x }, backend: tf.backend(), attrs: {} }) as tf.TensorInfo;
    const t = tf.engine().makeTensorFromTensorInfo(info);
    expect(Array.from(t.dataSync())).toEqual([0, 0, 1, -1]);
    tf.dispose([x, t]);
  });

  test('the signed steps of an attack move pixels whose gradient is 1e-9 (int32 input too)', async () => {
    const r = await onBoth(() => tf.sign(tf.mul(tf.tensor1d([1, -1, 0, 3]), 1e-9)));
    expect(Array.from(r.wasm)).toEqual([1, -1, 0, 1]);
    const ri = await onBoth(() => tf.sign(tf.tensor1d([5, -7, 0], 'int32')));
    expectExact(ri, 'int32 sign');
  });
});

describe('element-wise kernels at extreme magnitudes, wasm against cpu', () => {
  const exact: Record<string, () => tf.Tensor> = {
    abs: () => tf.abs(VALUES_T()),
    neg: () => tf.neg(VALUES_T()),
    relu: () => tf.relu(VALUES_T()),
    step: () => tf.step(VALUES_T()),
    'greater than 0': () => tf.greater(VALUES_T(), 0),
    'less than 0': () => tf.less(VALUES_T(), 0),
    'equal to 0': () => tf.equal(VALUES_T(), 0),
    'maximum with 0': () => tf.maximum(VALUES_T(), 0),
    'minimum with 0': () => tf.minimum(VALUES_T(), 0),
    'clip to [-1e-20, 1e-20] (NaN stays NaN)': () => tf.clipByValue(VALUES_T(), -1e-20, 1e-20),
    'clip to [0, 1]': () => tf.clipByValue(VALUES_T(), 0, 1),
    'x · 1e-10 (no flush of denormal products)': () => tf.mul(VALUES_T(), 1e-10),
    square: () => tf.square(VALUES_T()),
    'sqrt |x|': () => tf.sqrt(tf.abs(VALUES_T())),
    '1 / x': () => tf.div(1, VALUES_T()),
    'x / x': () => tf.div(VALUES_T(), VALUES_T()),
    'x / reversed x': () => tf.div(VALUES_T(), tf.reverse(VALUES_T())),
    'log |x|': () => tf.log(tf.abs(VALUES_T())),
    'exp(−|x|)': () => tf.exp(tf.neg(tf.abs(VALUES_T()))),
    'sigmoid (the wasm kernel flushed sigmoid(−100) to 0)': () => tf.sigmoid(VALUES_T()),
    isNaN: () => tf.isNaN(VALUES_T()),
    'cast to bool': () => tf.cast(VALUES_T(), 'bool'),
    'ReLU gradient': () => tf.grad((z: tf.Tensor) => tf.sum(tf.relu(z)))(VALUES_T()),
    'abs gradient': () => tf.grad((z: tf.Tensor) => tf.sum(tf.abs(z)))(VALUES_T()),
    'sign gradient (zero)': () => tf.grad((z: tf.Tensor) => tf.sum(tf.sign(z)))(VALUES_T()),
  };
  for (const [name, fn] of Object.entries(exact)) {
    test(`${name}: bit for bit`, async () => expectExact(await onBoth(fn), name));
  }

  // These differ by float32 rounding only (the wasm build's own exp/sqrt approximations).
  const rounding: Record<string, () => tf.Tensor> = {
    'rsqrt |x|': () => tf.rsqrt(tf.abs(VALUES_T())),
    'leaky ReLU 0.1': () => tf.leakyRelu(VALUES_T(), 0.1),
  };
  for (const [name, fn] of Object.entries(rounding)) {
    test(`${name}: within float32 rounding, no flushes`, async () => expectClose(await onBoth(fn), name, 3e-7));
  }
});

describe('gradients at zero follow PyTorch', () => {
  test('d|x|/dx is sign(x): 0 at ±0 and NaN, ±1 for every nonzero value (tfjs gave −1 at 0)', async () => {
    // PyTorch 1.13: x = [0, -0, 1e-30, -1e-30, nan, 2, 1e-45]; x.abs().sum().backward()
    // gives x.grad = [0, 0, 1, -1, 0, 1, 1].
    const x = [0, -0, 1e-30, -1e-30, NaN, 2, 1.4e-45];
    const r = await onBoth(() => tf.grad((z: tf.Tensor) => tf.sum(tf.abs(z)))(tf.tensor1d(x)));
    expect(Array.from(r.wasm)).toEqual([0, 0, 1, -1, 0, 1, 1]);
    expectExact(r, 'abs gradient');
  });

  test('the ReLU gradient is 0 at ±0 and for denormal negatives, 1 for denormal positives (as PyTorch)', async () => {
    const r = await onBoth(() => tf.grad((z: tf.Tensor) => tf.sum(tf.relu(z)))(tf.tensor1d([0, -0, -1.4e-45, 1.4e-45, 1e-30])));
    expect(Array.from(r.wasm)).toEqual([0, 0, 0, 1, 1]);
    expectExact(r, 'relu gradient');
  });
});

describe('softmax, log-softmax and their gradients on saturated logits', () => {
  const rows = [
    [0, 0, 0, 0],
    [1e30, 0, -1e30, 5],
    [1e-30, 0, -1e-30, 1.4e-45],
    [100, 0, -100, 50],
    [20, 0, 0, 0],
    [90, 0, 0, 0],
    [102, 0, -0, 0],
    [110, 0, 0, 0],
    [-1e30, -1e30, -1e30, -1e30],
    [1e-9, -1e-9, 0, 3e-9],
  ];
  const labels = [0, 1, 2, 3, 0, 1, 2, 1, 1, 3];
  const z = () => tf.tensor2d(rows);
  const onehot = () => tf.oneHot(tf.tensor1d(labels, 'int32'), 4);

  test('softmax: bit for bit, with the denormal probabilities kept (the wasm kernel flushed them to 0)', async () => {
    const r = await onBoth(() => tf.softmax(z()));
    expectExact(r, 'softmax');
    // Row [90, 0, 0, 0]: e^-90 = 8.2e-40 is a float32 denormal, not zero.
    expect(r.wasm[5 * 4 + 1]).toBeGreaterThan(0);
  });

  test('log-softmax: bit for bit', async () => expectExact(await onBoth(() => tf.logSoftmax(z())), 'logSoftmax'));

  test('gradients of cross-entropy (through log-softmax) and of a softmax probability: bit for bit', async () => {
    expectExact(await onBoth(() => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.logSoftmax(x as tf.Tensor2D), onehot())))(z())), 'log-softmax gradient');
    const r = await onBoth(() => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.softmax(x as tf.Tensor2D), onehot())))(z()));
    expectExact(r, 'softmax gradient');
    // The gradient of p_1 at row [90, 0, 0, 0] is p_1 (1 - p_1) ≈ 8.2e-40: tiny, not zero.
    expect(Math.abs(r.wasm[5 * 4 + 1])).toBeGreaterThan(0);
  });

  test('max, argmax, sum and mean over rows: bit for bit', async () => {
    expectExact(await onBoth(() => tf.max(z(), 1)), 'max');
    expectExact(await onBoth(() => tf.argMax(z(), 1)), 'argMax');
    expectExact(await onBoth(() => tf.sum(tf.abs(tf.tensor2d(rows.slice(2))), 1)), 'sum');
    expectExact(await onBoth(() => tf.mean(tf.tensor2d(rows.slice(2)), 1)), 'mean');
  });
});

describe('max-pool ties and tiny differences', () => {
  // 4×4, one channel; windows 2×2 stride 2: a tie of 2e-30, a tie of ±0 with a denormal,
  // a tie of 1e30, and values one ulp apart.
  const x = [1e-30, 2e-30, 2e-30, 0, -0, 0, 1.4e-45, 0, 5, 1, 1e30, 1e30, 1, 5, Math.fround(1 + 2 ** -23), 1];
  const w = [1, 2, 3, 4];
  test('forward and gradient: bit for bit; the gradient goes to the first maximum of each window', async () => {
    const fwd = await onBoth(() => tf.maxPool(tf.tensor4d(x, [1, 4, 4, 1]), 2, 2, 'valid'));
    expectExact(fwd, 'maxPool');
    const r = await onBoth(() =>
      tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid'), tf.tensor4d(w, [1, 2, 2, 1]))))(tf.tensor4d(x, [1, 4, 4, 1])),
    );
    expectExact(r, 'maxPool gradient');
    // Window 0 = (1e-30, 2e-30 | -0, 0): the first 2e-30 (index 1). Window 1 = (2e-30, 0 | 1.4e-45, 0): index 2.
    // Window 2 = (5, 1 | 1, 5): index 8. Window 3 = (1e30, 1e30 | 1+ulp, 1): index 10.
    const expected = new Array(16).fill(0);
    expected[1] = 1;
    expected[2] = 2;
    expected[8] = 3;
    expected[10] = 4;
    expect(Array.from(r.wasm)).toEqual(expected);
  });
  // Not compared: NaN inside a max-pool window (XNNPACK returns -Infinity, the cpu kernel skips
  // the NaN, PyTorch returns NaN). No image or activation in the lab holds NaN; a NaN loss is
  // reported by the trainer before it reaches a pooling layer.
});
