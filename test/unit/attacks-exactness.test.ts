/**
 * Attacks must not report more robustness on the default (wasm) backend than there is. A small
 * MLP trained in-test on mnist-digits, with its last layer scaled ×1, ×4, ×8, ×16 (the same
 * predictions, an ever more saturated softmax, ever smaller input gradients), is attacked with
 * PGD (and FGSM, APGD-CE) on wasm and on cpu: the robust accuracies agree. With tfjs-backend-wasm's own Sign kernel
 * (which returns 0 for |x| < 1.19e-7) put back for a moment, the same attack on wasm reports
 * more robustness on the scaled models: the check above can fail. A model whose input gradients
 * are ~1e-9 still has every pixel with a nonzero gradient moved by a signed step, on L-inf and
 * on L2.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { initEngine, tf } from '../../src/core/engine/backend';
import { originalKernel } from '../../src/core/engine/kernels';
import { Rng } from '../../src/core/engine/random';
import { resolveAttack } from '../../src/core/attacks/registry';
import { lossFor } from '../../src/core/attacks/losses';
import { valueAndGrad } from '../../src/core/attacks/util';
import { Model, type TorchTensor } from '../../src/core/models/model';
import { testBatch, trainTinyMlp } from '../helpers/tiny-model';

const N = 100;
let weights: Record<string, TorchTensor>;
let xData: Float32Array;
let labels: Int32Array;

beforeAll(async () => {
  await initEngine({ force: 'cpu' });
  await initEngine({ force: 'wasm' });
  const model = await trainTinyMlp({ train: 600, epochs: 4 });
  weights = model.toTorchTensors();
  model.dispose();
  const b = testBatch(N);
  xData = Float32Array.from(b.x.dataSync());
  labels = b.labels.slice();
  b.dispose();
});
afterAll(async () => {
  await initEngine({ force: 'wasm' });
});

/** The trained MLP with its last layer (fc3 weight and bias) multiplied by s, on the current backend. */
function scaled(s: number): Model {
  const w: Record<string, TorchTensor> = {};
  for (const [k, t] of Object.entries(weights)) {
    w[k] = k.startsWith('fc3.') ? { ...t, data: Float32Array.from(t.data, (v) => v * s) } : t;
  }
  return Model.fromTorchTensors('mlp', w, { height: 28, width: 28, channels: 1 }, 10);
}

const PGD = { name: 'pgd', params: { eps: 0.05, steps: 10, stepSize: 0.0125, restarts: 1, randomStart: false } };

async function robustPgd(backend: 'wasm' | 'cpu', s: number, spec: { name: string; params: Record<string, unknown> } = PGD): Promise<number> {
  await initEngine({ force: backend });
  const model = scaled(s);
  const x = tf.tensor4d(xData, [N, 28, 28, 1]);
  const y = tf.tensor1d(labels, 'int32');
  try {
    const { attack, params } = resolveAttack({ name: spec.name, params: spec.params as never }, 10);
    const r = await attack!.run(model, x, y, params, { rng: new Rng(3), tick: async () => {}, numClasses: 10 });
    r.xAdv.dispose();
    return r.fooled.reduce((a, f) => a + (f ? 0 : 1), 0);
  } finally {
    tf.dispose([x, y]);
    model.dispose();
  }
}

/** Runs fn with tfjs-backend-wasm's original Sign kernel registered again, then restores the exact one. */
async function withOriginalWasmSign<T>(fn: () => Promise<T>): Promise<T> {
  const exact = getKernel('Sign', 'wasm') as KernelConfig;
  const orig = originalKernel('Sign', 'wasm')!;
  expect(orig).toBeTruthy();
  unregisterKernel('Sign', 'wasm');
  registerKernel(orig);
  try {
    return await fn();
  } finally {
    unregisterKernel('Sign', 'wasm');
    registerKernel(exact);
  }
}

describe('robust accuracy on wasm equals cpu for a saturated model', () => {
  const scales = [1, 4, 8, 16];
  const found: Record<number, { wasm: number; cpu: number }> = {};

  it('PGD-10 at eps 0.05: the same robust accuracy on wasm and cpu for the last layer ×1, ×4, ×8, ×16', async () => {
    for (const s of scales) found[s] = { wasm: await robustPgd('wasm', s), cpu: await robustPgd('cpu', s) };
    for (const s of scales) expect(found[s].wasm, `×${s}: wasm ${found[s].wasm} vs cpu ${found[s].cpu} robust of ${N}`).toBe(found[s].cpu);
    // Scaling the last layer does not change the predictions, so a correct attack finds about as
    // much on ×16 as on ×1 (the sign of the gradient is unchanged wherever it is not zero).
    expect(Math.abs(found[16].cpu - found[1].cpu)).toBeLessThanOrEqual(3);
  });

  it('FGSM and APGD-CE too: the same robust accuracy on wasm and cpu for the last layer ×1 and ×16', async () => {
    for (const spec of [
      { name: 'fgsm', params: { eps: 0.05 } },
      { name: 'apgd-ce', params: { eps: 0.05, steps: 10 } },
    ]) {
      for (const s of [1, 16]) {
        const w = await robustPgd('wasm', s, spec);
        const c = await robustPgd('cpu', s, spec);
        expect(w, `${spec.name} ×${s}: wasm ${w} vs cpu ${c}`).toBe(c);
      }
    }
  });

  it('with the wasm kernel that rounded tiny gradients to zero, the same attack overstates robustness', async () => {
    const inflated = await withOriginalWasmSign(() => robustPgd('wasm', 16));
    const cpu = found[16]?.cpu ?? (await robustPgd('cpu', 16));
    expect(inflated, `old kernel ×16: ${inflated} robust vs cpu ${cpu}`).toBeGreaterThan(cpu);
  });
});

describe('a model whose input gradients are ~1e-9', () => {
  it('one signed step (FGSM, L-inf) and one L2 step move every pixel whose gradient is not zero', async () => {
    await initEngine({ force: 'wasm' });
    const model = scaled(16);
    const x = tf.tensor4d(xData, [N, 28, 28, 1]);
    // The points with the smallest gradients: every entry below 1.19e-7, where the old kernel gave 0.
    const r = valueAndGrad(model, x, lossFor('ce', labels, labels));
    const g = Float32Array.from(r.grad.dataSync());
    r.grad.dispose();
    const tiny: number[] = [];
    for (let i = 0; i < N; i++) {
      let m = 0;
      for (let j = i * 784; j < (i + 1) * 784; j++) m = Math.max(m, Math.abs(g[j]));
      if (m > 0 && m < 1e-7) tiny.push(i);
    }
    expect(tiny.length, 'points with gradients below 1.19e-7').toBeGreaterThanOrEqual(5);
    const idx = tiny.slice(0, 5);
    const xs = tf.tensor4d(Float32Array.from(idx.flatMap((i) => Array.from(xData.subarray(i * 784, (i + 1) * 784)))), [5, 28, 28, 1]);
    const ys = tf.tensor1d(Int32Array.from(idx, (i) => labels[i]), 'int32');
    const eps = 0.01;
    for (const name of ['fgsm', 'pgd-l2'] as const) {
      const { attack, params } = resolveAttack({ name, params: (name === 'fgsm' ? { eps } : { eps: 1, steps: 1, stepSize: 0.5, randomStart: false }) as never }, 10);
      const out = await attack!.run(model, xs, ys, params, { rng: new Rng(1), tick: async () => {}, numClasses: 10 });
      const adv = out.xAdv.dataSync();
      out.xAdv.dispose();
      let moved = 0;
      let shouldMove = 0;
      idx.forEach((i, k) => {
        let maxG = 0;
        for (let j = 0; j < 784; j++) maxG = Math.max(maxG, Math.abs(g[i * 784 + j]));
        for (let j = 0; j < 784; j++) {
          const gj = g[i * 784 + j];
          const x0 = xData[i * 784 + j];
          const a = adv[k * 784 + j];
          if (name === 'fgsm') {
            // Exactly x + eps·sign(g), clipped to [0, 1].
            const want = Math.fround(Math.min(1, Math.max(0, Math.fround(x0 + eps * Math.sign(gj)))));
            if (gj === 0) expect(a).toBe(x0);
            else expect(Math.abs(a - want), `point ${i} pixel ${j}`).toBeLessThan(1e-6);
          }
          // Pixels with a gradient of at least 1 % of the point's largest, pushed inside [0, 1].
          if (Math.abs(gj) > 0.01 * maxG && (gj > 0 ? x0 < 1 : x0 > 0)) {
            shouldMove++;
            if (a !== x0) moved++;
          }
        }
      });
      expect(shouldMove, name).toBeGreaterThan(50);
      expect(moved, `${name}: pixels moved of those with a gradient`).toBe(shouldMove);
    }
    tf.dispose([x, xs, ys]);
    model.dispose();
  });
});
