/**
 * Cross-checks of the engine against PyTorch (and the MNIST-C code), to re-run after engine
 * changes:  npx tsx scripts/torch-crosscheck.ts [--only steps,attack,glass] [--limit N] [--json] [--keep]
 * (--keep leaves the folder exchanged with PyTorch in the temporary directory.)
 *
 * - steps:  one SGD step (lr 0.1, momentum 0) of erm, label-smoothing, sam, pgd-at, fgsm-rs, trades
 *           mart, awp, avmixup and cc-ibp on the mlp,
 *           on wasm and cpu, from the same weights, images and random draws as PyTorch; prints the
 *           largest difference of the update relative to its size. Row "wasm, tfjs Sign" runs with
 *           tfjs-backend-wasm's own Sign kernel (which rounds |x| < 1.19e-7 to 0) for comparison.
 * - attack: an mlp trained here (Fashion-MNIST when /usr/share/datasets/fashion-mnist is there,
 *           else the built-in digits), its last layer ×1, ×4, ×8, ×16; PGD-40 (eps 0.05, step
 *           2.5·eps/40, no random start) robust accuracy on the first N test images (--limit,
 *           default 1000) on wasm, on wasm with the tfjs Sign, on cpu, and in PyTorch.
 * - glass:  mnistc/glass_blur on the first 200 test images: share of 8-bit pixels changed and the
 *           horizontal/vertical gradient ratio, for the lab (one-axis blur), the lab's two-axis
 *           blur (the ImageNet-C behaviour it had before) and the MNIST-C code's computation.
 *
 * The PyTorch side is scripts/torch-crosscheck.py, run with /usr/bin/python3 (Debian's
 * python3-torch; PYTHON=... to change). Without torch the lab's figures are still printed and the
 * PyTorch columns say why they are missing.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { initEngine, tf } from '../src/core/engine/backend';
import { originalKernel } from '../src/core/engine/kernels';
import { Rng } from '../src/core/engine/random';
import { crossEntropy } from '../src/core/engine/ops';
import { Model, type TorchTensor } from '../src/core/models/model';
import { decodeSafetensors, encodeSafetensors } from '../src/core/models/safetensors';
import { METHODS, resolveMethod } from '../src/core/training/methods/registry';
import { makeOptimizer } from '../src/core/training/optim';
import { linfAdversary } from '../src/core/training/adversary';
import { rampFraction } from '../src/core/training/methods/common-params';
import { klFromLogits } from '../src/core/training/losses/common';
import { trainStep } from '../src/core/training/step';
import { resolveAttack } from '../src/core/attacks/registry';
import { getCorruption } from '../src/core/corruptions/registry';
import { GLASS_BLUR, glassBlurImage } from '../src/core/corruptions/blur';
import { imageToBytes, makeImage, type FloatImage } from '../src/core/corruptions/image';
import type { ImageCorruption } from '../src/core/corruptions/types';
import { loadBuiltin } from '../src/core/data/builtin';

const ROOT = path.join(path.dirname(new URL(import.meta.url).pathname), '..');
const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';
const FASHION = '/usr/share/datasets/fashion-mnist';
const NAMES = ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias', 'fc3.weight', 'fc3.bias'];

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const only = new Set(arg('only', 'steps,attack,glass').split(','));
const jsonOnly = process.argv.includes('--json');
const say = (s: string) => {
  if (!jsonOnly) process.stdout.write(`${s}\n`);
};

// ------------------------------------------------------------------------------------------ data

interface Split {
  images: Uint8Array; // N×28×28
  labels: Uint8Array;
  count: number;
}

/** An IDX pair (gzip) read directly: magic, dimensions, bytes. */
function readIdx(images: string, labels: string): Split {
  const im = zlib.gunzipSync(fs.readFileSync(images));
  const lb = zlib.gunzipSync(fs.readFileSync(labels));
  const count = im.readUInt32BE(4);
  return { images: new Uint8Array(im.buffer, im.byteOffset + 16, count * 784), labels: new Uint8Array(lb.buffer, lb.byteOffset + 8, count), count };
}

function loadData(): { name: string; train: Split; test: Split } {
  if (fs.existsSync(path.join(FASHION, 't10k-images-idx3-ubyte.gz'))) {
    return {
      name: 'Fashion-MNIST',
      train: readIdx(path.join(FASHION, 'train-images-idx3-ubyte.gz'), path.join(FASHION, 'train-labels-idx1-ubyte.gz')),
      test: readIdx(path.join(FASHION, 't10k-images-idx3-ubyte.gz'), path.join(FASHION, 't10k-labels-idx1-ubyte.gz')),
    };
  }
  const b = loadBuiltin('mnist-digits');
  const conv = (s: { images: Uint8Array; labels: Uint8Array; count: number }): Split => ({ images: s.images, labels: s.labels, count: s.count });
  return { name: 'mnist-digits (built-in; Fashion-MNIST not installed)', train: conv(b.train), test: conv(b.test) };
}

function floats(s: Split, from: number, n: number): Float32Array {
  return Float32Array.from(s.images.subarray(from * 784, (from + n) * 784), (v) => v / 255);
}

// ------------------------------------------------------------------------------ python exchange

interface Case {
  id: string;
  kind: 'step' | 'attack' | 'glass';
  method?: string;
  params: Record<string, unknown>;
  float64?: boolean;
}

function runPython(cases: Case[], tensors: Record<string, TorchTensor>): { results?: Record<string, Record<string, number>>; tensors?: Record<string, TorchTensor>; skipped?: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'robustlab-crosscheck-'));
  try {
    fs.writeFileSync(path.join(dir, 'cases.json'), JSON.stringify(cases));
    fs.writeFileSync(path.join(dir, 'inputs.safetensors'), encodeSafetensors(tensors));
    const r = spawnSync(PYTHON, [path.join(ROOT, 'scripts', 'torch-crosscheck.py'), 'check', dir], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.error) return { skipped: `${PYTHON} could not be run (${r.error.message})` };
    if (r.status !== 0) return { skipped: `the PyTorch side failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-1)[0]}` };
    const out = JSON.parse(fs.readFileSync(path.join(dir, 'torch.json'), 'utf8'));
    if (out.skipped) return { skipped: out.skipped };
    const file = path.join(dir, 'torch.safetensors');
    return { results: out.results, tensors: fs.existsSync(file) ? decodeSafetensors(fs.readFileSync(file)).tensors : {} };
  } finally {
    if (process.argv.includes('--keep')) say(`  (exchange folder kept: ${dir})`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------------------- engine variants

type Variant = 'wasm' | 'wasm, tfjs Sign' | 'cpu';

/** Runs fn on a backend; "wasm, tfjs Sign" puts tfjs-backend-wasm's own Sign kernel back meanwhile. */
async function onVariant<T>(v: Variant, fn: () => Promise<T>): Promise<T> {
  await initEngine({ force: v === 'cpu' ? 'cpu' : 'wasm' });
  if (v !== 'wasm, tfjs Sign') return fn();
  const exact = getKernel('Sign', 'wasm') as KernelConfig;
  const orig = originalKernel('Sign', 'wasm');
  if (!orig) throw new Error('the original wasm Sign kernel was not recorded');
  unregisterKernel('Sign', 'wasm');
  registerKernel(orig);
  try {
    return await fn();
  } finally {
    unregisterKernel('Sign', 'wasm');
    registerKernel(exact);
  }
}

/** Records every uniform and normal draw, in order, for PyTorch to reuse. */
class RecordingRng extends Rng {
  readonly draws: Float32Array[] = [];
  override fillUniform(out: Float32Array, lo: number, hi: number): Float32Array {
    super.fillUniform(out, lo, hi);
    this.draws.push(Float32Array.from(out));
    return out;
  }
  override fillNormal(out: Float32Array, mean = 0, std = 1): Float32Array {
    super.fillNormal(out, mean, std);
    this.draws.push(Float32Array.from(out));
    return out;
  }
}

const t32 = (shape: number[], data: ArrayLike<number>): TorchTensor => ({ shape, data: Float32Array.from(data) });

// ------------------------------------------------------------------------------------ sections

async function steps(data: ReturnType<typeof loadData>) {
  const n = 32;
  const x = floats(data.train, 0, n);
  const y = Int32Array.from(data.train.labels.subarray(0, n));
  const methods: [string, Record<string, unknown>][] = [
    ['erm', {}],
    ['label-smoothing', { smoothing: 0.1 }],
    ['sam', { rho: 0.05 }],
    ['pgd-at', { eps: 0.1, steps: 5, stepSize: 0.025, randomStart: true }],
    ['fgsm-rs', { eps: 0.1 }],
    ['trades', { eps: 0.1, steps: 5, stepSize: 0.025, beta: 6 }],
    ['mart', { eps: 0.1, steps: 5, stepSize: 0.025, randomStart: true, lambda: 5 }],
    ['awp', { eps: 0.1, steps: 5, stepSize: 0.025, randomStart: true, gamma: 0.01 }],
    ['avmixup', { eps: 0.1, steps: 5, stepSize: 0.025, randomStart: true }],
    ['cc-ibp', { eps: 0.05, warmupEpochs: 0, rampEpochs: 1, alpha: 0.5, combine: 'logits', attackSteps: 1 }],
    ['dafa', { eps: 0.1, steps: 5, stepSize: 0.025, randomStart: true, lambda: 1, warmupEpochs: 1 }],
  ];
  // DAFA past its warm-up: class weights as dafaWeights would set them (each in [0.2, 5]), so
  // class-wise radii and loss weights both differ from PGD-AT's.
  const dafaClassWeights = [0.5, 1.5, 1, 2, 0.8, 1.2, 3, 0.2, 1, 5];
  const variants: Variant[] = ['wasm', 'wasm, tfjs Sign', 'cpu'];
  const init = Model.init('mlp', { height: 28, width: 28, channels: 1 }, 10, 0);
  const w0 = init.toTorchTensors();
  init.dispose();
  const cases: Case[] = [];
  const tensors: Record<string, TorchTensor> = {};
  const lab: Record<string, Record<string, TorchTensor>> = {};
  for (const [method, raw] of methods) {
    const params = resolveMethod(method, raw).params;
    for (const v of variants) {
      const id = `${method}|${v}`;
      const rng = new RecordingRng(11);
      lab[id] = await onVariant(v, async () => {
        const m = Model.fromTorchTensors('mlp', w0, { height: 28, width: 28, channels: 1 }, 10);
        const xt = tf.tensor4d(x, [n, 28, 28, 1]);
        const yt = tf.tensor1d(y, 'int32');
        const opt = makeOptimizer({ name: 'sgd', lr: 0.1, momentum: 0, weightDecay: 0, beta1: 0.9, beta2: 0.999 }, m.params);
        // Step 1 of 2 (one step per epoch): past the ramp of the certified methods, so eps is full.
        const ctx = { rng, epoch: 2, epochs: 2, step: 1, stepsPerEpoch: 1, totalSteps: 2, numClasses: 10, state: method === 'dafa' ? { weights: [...dafaClassWeights] } : {} };
        await trainStep({ model: m, method: METHODS[method], params, x: xt, y: yt, ctx, optimizer: opt, lr: 0.1 });
        const after = m.toTorchTensors();
        opt.dispose();
        tf.dispose([xt, yt]);
        m.dispose();
        return after;
      });
      // PyTorch reproduces the exact-sign run from the draws of the wasm run (the draws do not
      // depend on the backend).
      if (v === 'wasm') {
        const effEps = method === 'cc-ibp' ? (params.eps as number) * rampFraction(params, { rng, epoch: 2, epochs: 2, step: 1, stepsPerEpoch: 1, totalSteps: 2, numClasses: 10, state: {} }) : undefined;
        cases.push({ id: method, kind: 'step', method, params: { ...params, lr: 0.1, effEps, ...(method === 'dafa' ? { classWeights: dafaClassWeights } : {}) }, float64: true });
        for (const k of NAMES) tensors[`${method}.${k}`] = w0[k];
        tensors[`${method}.x`] = t32([n, 1, 28, 28], x);
        tensors[`${method}.y`] = t32([n], y);
        rng.draws.forEach((d, i) => (tensors[`${method}.draw${i}`] = t32([n, 1, 28, 28], d)));
        // AVmixup's per-image weights come from a forked stream (the same in prepare and loss).
        if (method === 'avmixup') tensors[`${method}.draw${rng.draws.length}`] = t32([n], new Rng(11).fork('avmixup').fillUniform(new Float32Array(n), 0, 1));
      }
    }
  }
  const py = runPython(cases, tensors);
  const rows: Record<string, unknown>[] = [];
  say(`\nOne SGD step on the mlp (${data.name}, ${n} images): largest |Δlab − Δtorch| / largest |Δtorch| over all weights`);
  say('  (TRADES\' first step starts 0.001 from the clean image, where the KL gradient is a difference of nearly equal');
  say('  probabilities: float32 rounding flips the sign of some tiny entries, in PyTorch too; see the last column)');
  if (py.skipped) say(`  PyTorch skipped: ${py.skipped}`);
  say(`  ${'method'.padEnd(16)}${variants.map((v) => v.padStart(18)).join('')}${'torch f32 vs f64'.padStart(18)}`);
  for (const [method] of methods) {
    const row: Record<string, unknown> = { method };
    const cells: string[] = [];
    for (const v of variants) {
      let rel: number | null = null;
      if (py.tensors) {
        let d = 0;
        let s = 0;
        for (const k of NAMES) {
          const a = lab[`${method}|${v}`][k].data;
          const b = py.tensors[`${method}.after.${k}`].data;
          const b0 = w0[k].data;
          for (let i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
            s = Math.max(s, Math.abs(b[i] - b0[i]));
          }
        }
        rel = d / s;
      }
      row[v] = rel;
      cells.push((rel == null ? '—' : rel.toExponential(2)).padStart(18));
    }
    // The floor: PyTorch's float32 update against its own float64 one.
    let floor: number | null = null;
    if (py.tensors?.[`${method}.after64.fc1.weight`]) {
      let d = 0;
      let s = 0;
      for (const k of NAMES) {
        const a = py.tensors[`${method}.after.${k}`].data;
        const b = py.tensors[`${method}.after64.${k}`].data;
        const b0 = w0[k].data;
        for (let i = 0; i < a.length; i++) {
          d = Math.max(d, Math.abs(a[i] - b[i]));
          s = Math.max(s, Math.abs(b[i] - b0[i]));
        }
      }
      floor = d / s;
    }
    row['torch f32 vs f64'] = floor;
    cells.push((floor == null ? '—' : floor.toExponential(2)).padStart(18));
    rows.push(row);
    say(`  ${method.padEnd(16)}${cells.join('')}`);
  }
  // How many pixels TRADES' first step leaves where they started (from x + 0.001·N(0, 1)).
  const unmoved: Record<string, number> = {};
  for (const v of ['wasm', 'wasm, tfjs Sign'] as const) {
    unmoved[v] = await onVariant(v, async () => {
      const m = Model.fromTorchTensors('mlp', w0, { height: 28, width: 28, channels: 1 }, 10);
      const xt = tf.tensor4d(x, [n, 28, 28, 1]);
      const yt = tf.tensor1d(y, 'int32');
      const clean = tf.tidy(() => m.forward(xt, { training: false }));
      const rng = new RecordingRng(5);
      const adv = linfAdversary(m, xt, yt, { eps: 0.1, steps: 1, stepSize: 0.025, start: 'small-normal', rng, objective: (z) => tf.sum(klFromLogits(clean, z)) as tf.Scalar });
      const a = adv.dataSync();
      const start = rng.draws[0];
      let still = 0;
      let inside = 0;
      for (let i = 0; i < a.length; i++) {
        const s0 = Math.fround(x[i] + start[i]);
        if (s0 > 0 && s0 < 1) {
          inside++;
          if (a[i] === s0) still++;
        }
      }
      tf.dispose([adv, clean, xt, yt]);
      m.dispose();
      return still / inside;
    });
  }
  say(`  TRADES' first step leaves ${(100 * unmoved.wasm).toFixed(1)} % of pixels unmoved with the exact sign, ${(100 * unmoved['wasm, tfjs Sign']).toFixed(1)} % with the tfjs wasm Sign`);
  return { images: n, rows, tradesFirstStepUnmoved: unmoved, skipped: py.skipped ?? null };
}

function trainMlp(data: ReturnType<typeof loadData>, count: number, epochs: number): Record<string, TorchTensor> {
  const model = Model.init('mlp', { height: 28, width: 28, channels: 1 }, 10, 0);
  const opt = makeOptimizer({ name: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0, beta1: 0.9, beta2: 0.999 }, model.params);
  const names = new Map([...model.params].map(([k, v]) => [v.name, k]));
  const rng = new Rng(0).fork('shuffle');
  const B = 100;
  for (let e = 0; e < epochs; e++) {
    const perm = rng.permutation(count);
    for (let s = 0; s + B <= count; s += B) {
      const xb = new Float32Array(B * 784);
      const yb = new Int32Array(B);
      for (let i = 0; i < B; i++) {
        const j = perm[s + i];
        for (let q = 0; q < 784; q++) xb[i * 784 + q] = data.train.images[j * 784 + q] / 255;
        yb[i] = data.train.labels[j];
      }
      const xt = tf.tensor4d(xb, [B, 28, 28, 1]);
      const yt = tf.tensor1d(yb, 'int32');
      const { value, grads } = tf.variableGrads(() => crossEntropy(model.forward(xt, { training: true }), yt, 'mean') as tf.Scalar, model.variables());
      const byName: Record<string, tf.Tensor> = {};
      for (const [k, g] of Object.entries(grads)) byName[names.get(k) ?? k] = g;
      opt.step(byName, 0.1);
      tf.dispose([xt, yt, value, ...Object.values(grads)]);
    }
  }
  opt.dispose();
  const w = model.toTorchTensors();
  model.dispose();
  return w;
}

async function attack(data: ReturnType<typeof loadData>) {
  const limit = Math.min(Number(arg('limit', '1000')), data.test.count);
  const eps = 0.05;
  const steps = 40;
  const stepSize = (2.5 * eps) / steps;
  await initEngine({ force: 'wasm' });
  const t0 = Date.now();
  const w = trainMlp(data, Math.min(10000, data.train.count), 3);
  say(`\nPGD-${steps} at eps ${eps} (step ${stepSize}, no random start) on the first ${limit} ${data.name} test images; mlp trained here in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const x = floats(data.test, 0, limit);
  const y = Int32Array.from(data.test.labels.subarray(0, limit));
  const scales = [1, 4, 8, 16];
  const variants: Variant[] = ['wasm', 'wasm, tfjs Sign', 'cpu'];
  const cases: Case[] = [];
  const tensors: Record<string, TorchTensor> = {};
  const lab: Record<string, number> = {};
  for (const s of scales) {
    const ws: Record<string, TorchTensor> = {};
    for (const k of NAMES) ws[k] = k.startsWith('fc3.') ? t32(w[k].shape, Array.from(w[k].data, (v) => v * s)) : w[k];
    for (const v of variants) {
      lab[`${s}|${v}`] = await onVariant(v, async () => {
        const m = Model.fromTorchTensors('mlp', ws, { height: 28, width: 28, channels: 1 }, 10);
        const xt = tf.tensor4d(x, [limit, 28, 28, 1]);
        const yt = tf.tensor1d(y, 'int32');
        const { attack: a, params } = resolveAttack({ name: 'pgd', params: { eps, steps, stepSize, restarts: 1, randomStart: false } as never }, 10);
        const r = await a!.run(m, xt, yt, params, { rng: new Rng(1), tick: async () => {}, numClasses: 10 });
        r.xAdv.dispose();
        tf.dispose([xt, yt]);
        m.dispose();
        return r.fooled.reduce((acc, f) => acc + (f ? 0 : 1), 0);
      });
    }
    const id = `scale${s}`;
    cases.push({ id, kind: 'attack', params: { eps, steps, stepSize } });
    for (const k of NAMES) tensors[`${id}.${k}`] = ws[k];
    tensors[`${id}.x`] = t32([limit, 1, 28, 28], x);
    tensors[`${id}.y`] = t32([limit], y);
  }
  const py = runPython(cases, tensors);
  if (py.skipped) say(`  PyTorch skipped: ${py.skipped}`);
  const cols = [...variants, 'PyTorch'];
  say(`  ${'last layer'.padEnd(12)}${cols.map((c) => c.padStart(18)).join('')}   (robust accuracy)`);
  const rows: Record<string, unknown>[] = [];
  for (const s of scales) {
    const row: Record<string, unknown> = { scale: s };
    const cells = variants.map((v) => {
      row[v] = lab[`${s}|${v}`] / limit;
      return `${((100 * lab[`${s}|${v}`]) / limit).toFixed(1)} %`.padStart(18);
    });
    const tr = py.results?.[`scale${s}`];
    row.PyTorch = tr ? tr.robust / tr.count : null;
    cells.push((tr ? `${((100 * tr.robust) / tr.count).toFixed(1)} %` : '—').padStart(18));
    rows.push(row);
    say(`  ${`×${s}`.padEnd(12)}${cells.join('')}`);
  }
  return { dataset: data.name, images: limit, eps, steps, stepSize, rows, skipped: py.skipped ?? null };
}

function glassStats(images: FloatImage[], source: Uint8Array): { changed: number; hvRatio: number } {
  let changed = 0;
  let gx = 0;
  let gy = 0;
  const bytes = new Uint8Array(784);
  images.forEach((img, i) => {
    imageToBytes(img, bytes, 0);
    for (let p = 0; p < 784; p++) if (bytes[p] !== source[i * 784 + p]) changed++;
    for (let r = 0; r < 28; r++) for (let c = 0; c < 27; c++) gx += Math.abs(bytes[r * 28 + c + 1] - bytes[r * 28 + c]);
    for (let r = 0; r < 27; r++) for (let c = 0; c < 28; c++) gy += Math.abs(bytes[(r + 1) * 28 + c] - bytes[r * 28 + c]);
  });
  return { changed: changed / (images.length * 784), hvRatio: gx / gy };
}

async function glass(data: ReturnType<typeof loadData>) {
  const n = Math.min(200, data.test.count);
  const src = data.test.images.subarray(0, n * 784);
  const clean = Array.from({ length: n }, (_, i) => {
    const img = makeImage(28, 28, 1);
    for (let p = 0; p < 784; p++) img.data[p] = src[i * 784 + p] / 255;
    return img;
  });
  const c = getCorruption('mnistc/glass_blur') as ImageCorruption;
  const one = glassStats(
    clean.map((img, i) => c.apply({ ...img, data: new Float32Array(img.data) }, 1, {}, new Rng(i))),
    src,
  );
  const [sigma, delta, iterations] = GLASS_BLUR.large[0];
  const two = glassStats(
    clean.map((img, i) => glassBlurImage({ ...img, data: new Float32Array(img.data) }, sigma, delta, iterations, new Rng(i), 0.5, 'both')),
    src,
  );
  const py = runPython([{ id: 'glass', kind: 'glass', params: { seed: 0 } }], { 'glass.images': { shape: [n, 28, 28], data: Float32Array.from(src), dtype: 'U8', uint8: Uint8Array.from(src) } });
  const ref = py.results?.glass;
  say(`\nMNIST-C glass blur (severity 1) on the first ${n} ${data.name} test images`);
  if (py.skipped) say(`  reference skipped: ${py.skipped}`);
  say(`  ${''.padEnd(34)}${'pixels changed'.padStart(16)}${'H/V gradient'.padStart(14)}`);
  say(`  ${'lab, one-axis (mnistc/glass_blur)'.padEnd(34)}${`${(100 * one.changed).toFixed(1)} %`.padStart(16)}${one.hvRatio.toFixed(2).padStart(14)}`);
  say(`  ${'lab, two-axis (before)'.padEnd(34)}${`${(100 * two.changed).toFixed(1)} %`.padStart(16)}${two.hvRatio.toFixed(2).padStart(14)}`);
  if (ref) say(`  ${`MNIST-C code (${ref.skimage ? 'skimage' : 'NumPy filter'})`.padEnd(34)}${`${(100 * ref.changed).toFixed(1)} %`.padStart(16)}${ref.hv_ratio.toFixed(2).padStart(14)}`);
  return { images: n, lab: one, labTwoAxis: two, reference: ref ?? null, skipped: py.skipped ?? null };
}

async function main() {
  await initEngine({ force: 'cpu' });
  await initEngine({ force: 'wasm' });
  const data = loadData();
  const out: Record<string, unknown> = { dataset: data.name };
  if (only.has('steps')) out.steps = await steps(data);
  if (only.has('attack')) out.attack = await attack(data);
  if (only.has('glass')) out.glass = await glass(data);
  if (jsonOnly) process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
