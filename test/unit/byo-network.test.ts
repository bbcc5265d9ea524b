/**
 * Layer-list architectures against PyTorch (fixtures: scripts/byo_reference.py, PyTorch 1.13):
 * a conv-bn-relu ×4 + linear nn.Sequential trained briefly on synthetic CIFAR-format data gives
 * the same logits (1e-4), argmax, PGD outcome per image and IBP logit bounds in the lab; a second
 * network with every other layer kind (residual sub-list, GELU, Tanh, AvgPool, BatchNorm1d,
 * Dropout, no-bias stride-2 conv) gives PyTorch's logits. Stored architectures resolve by name.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { initEngine, tf } from '../../src/core/engine/backend';
import { Rng } from '../../src/core/engine/random';
import { readCifarDir } from '../../src/core/data/cifar';
import { parseLayerList, pytorchSnippet, summarize } from '../../src/core/models/layer-list';
import { modelFromSafetensors } from '../../src/core/models/safetensors';
import { getArchitecture, listArchitectures } from '../../src/core/models/registry';
import { proposeArchitectures } from '../../src/core/models/byo';
import { attachArchitectureStore, insertArchitecture } from '../../src/core/store/architecture-store';
import { LabStore } from '../../src/core/store/store';
import { resolveAttack } from '../../src/core/attacks/registry';
import { pgd } from '../../src/core/attacks/pgd';
import { BoundGraph, computeBounds, identitySpec, inputBox } from '../../src/core/certify';
import { LabError } from '../../src/shared/errors';
import { tmpDir } from '../helpers/tmp';

const FIX = fileURLToPath(new URL('../fixtures/byo/', import.meta.url));
const fix = (p: string) => path.join(FIX, p);
const json = (p: string) => JSON.parse(fs.readFileSync(fix(p), 'utf8'));

let tmp: { dir: string; cleanup: () => void };
let store: LabStore;
beforeAll(async () => {
  await initEngine({ force: 'wasm' });
  tmp = tmpDir('robustlab-byo-net-');
  store = LabStore.open(tmp.dir);
  attachArchitectureStore(store);
  insertArchitecture(store, parseLayerList(json('seq-cnn.json')));
  insertArchitecture(store, parseLayerList(json('seq-res.json')));
});
afterAll(() => {
  store.close();
  tmp.cleanup();
});

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function argmaxRows(v: ArrayLike<number>, k: number): number[] {
  return Array.from({ length: v.length / k }, (_, r) => {
    let best = 0;
    for (let j = 1; j < k; j++) if (v[r * k + j]! > v[r * k + best]!) best = j;
    return best;
  });
}

describe('the layer-list JSON', () => {
  test('the issue\'s minimum form: PyTorch names and layouts, output shapes, parameters and FLOPs', () => {
    const spec = parseLayerList({
      name: 'tiny',
      input: [32, 32, 3],
      layers: [
        { type: 'conv2d', in: 3, out: 8, kernel: 3, stride: 1, padding: 1 },
        { type: 'relu' },
        { type: 'maxpool', kernel: 2 },
        { type: 'flatten' },
        { type: 'linear', in: 2048, out: 10 },
      ],
    });
    const s = summarize(spec);
    expect(s.layers.map((r) => [r.path, r.type, r.outShape])).toEqual([
      ['0', 'conv2d', [8, 32, 32]],
      ['1', 'relu', [8, 32, 32]],
      ['2', 'maxpool', [8, 16, 16]],
      ['3', 'flatten', [2048]],
      ['4', 'linear', [10]],
    ]);
    // nn.Conv2d(3, 8, 3): 8·3·3·3 + 8; nn.Linear(2048, 10): 2048·10 + 10.
    expect(s.params).toBe(224 + 20490);
    // 2 FLOPs per multiply-add: conv 8·32·32 outputs × 27, linear 2048 × 10.
    expect(s.flops).toBe(2 * 8 * 32 * 32 * 27 + 2 * 2048 * 10);
    expect(s.numClasses).toBe(10);
    // The summary of the PyTorch fixture matches its state dict's size (1,024·10 + BN + convs).
    const cnn = summarize(parseLayerList(json('seq-cnn.json')));
    expect(cnn.params).toBe(3 * 8 * 9 + 8 + 16 + 8 * 16 * 9 + 16 + 32 + 2 * (16 * 16 * 9 + 16 + 32) + 10250);
  });

  test('bad layer lists are refused with the first problem, naming the layer', () => {
    const base = { name: 'x', input: [8, 8, 1] };
    const bad = (layers: unknown[], re: RegExp) => expect(() => parseLayerList({ ...base, layers })).toThrow(re);
    bad([{ type: 'conv2d', in: 3, out: 4, kernel: 3 }], /Layer 0 \(conv2d\) of architecture "x" takes 3 input channels, but the layer before gives 1; set "in" to 1/);
    bad([{ type: 'linear', in: 64, out: 2 }], /Layer 0 \(linear\).*needs a flat input.*add a \{"type": "flatten"\} layer before it/);
    bad([{ type: 'flatten' }, { type: 'linear', in: 60, out: 2 }], /Layer 1 \(linear\).*takes 60 inputs, but the layer before gives 64/);
    bad([{ type: 'residual', layers: [{ type: 'conv2d', in: 1, out: 2, kernel: 1 }] }, { type: 'flatten' }, { type: 'linear', in: 128, out: 2 }], /Layer 0 \(residual\).*must have the same shape/);
    bad([{ type: 'conv2d', in: 1, out: 2, kernel: 3 }], /ends with 2×6×6 \(C×H×W\); end it with a flatten and a linear layer/);
    bad([{ type: 'softmax' }], /not a valid layer list/);
    expect(() => parseLayerList('{oops')).toThrow(/not valid JSON/);
  });

  test('the generated PyTorch snippet names every layer as the state dict does', () => {
    const code = pytorchSnippet(parseLayerList(json('seq-res.json')));
    expect(code).toContain('class Residual(nn.Sequential):');
    expect(code).toContain('nn.Conv2d(3, 6, kernel_size=3, stride=2, padding=1, bias=False)');
    expect(code).toContain('nn.BatchNorm1d(12, eps=0.00001)');
    expect(code).toContain('nn.BatchNorm2d(6, eps=0.00001)');
    expect(code).toContain('model.load_state_dict(state)');
  });
});

describe('stored layer-list architectures against PyTorch', () => {
  test('resolvable by name like the built-ins, listed, certifiable only when every layer has a bound operator', () => {
    expect(getArchitecture('seq-cnn').name).toBe('seq-cnn');
    const list = listArchitectures();
    expect(list.find((a) => a.name === 'seq-cnn')?.certifiable).toBe(true);
    // Residual sub-lists, GELU, tanh and PyTorch's stride-2 padding all have bound operators.
    expect(list.find((a) => a.name === 'seq-res')?.certifiable).toBe(true);
    expect(getArchitecture('seq-res').certifyBlocker).toBeUndefined();
    expect(() => insertArchitecture(store, parseLayerList(json('seq-cnn.json')))).toThrow(/already exists/);
  });

  test('conv-bn-relu ×4 + linear: logits within 1e-4, same argmax, PGD and IBP agree with PyTorch', async () => {
    const ref = json('seq-cnn-reference.json');
    const model = modelFromSafetensors(fs.readFileSync(fix('seq-cnn.safetensors')), 'seq-cnn');
    // The test images come through the lab's CIFAR importer.
    const test_ = readCifarDir(fix('cifar10')).test!;
    const x = tf.tidy(() => tf.div(tf.tensor4d(test_.images, [64, 32, 32, 3], 'float32'), 255) as tf.Tensor4D);
    const y = tf.tensor1d(Int32Array.from(test_.labels), 'int32');
    try {
      const z = model.forward(x);
      const logits = Float32Array.from(z.dataSync());
      z.dispose();
      const want = (ref.logits as number[][]).flat();
      const diff = maxAbsDiff(logits, want);
      expect(diff).toBeLessThan(1e-4);
      expect(argmaxRows(logits, 10)).toEqual(argmaxRows(want, 10));

      // PGD (L∞, eps 4/255, 10 steps of 1/255, from the clean image) breaks the same images.
      const { params } = resolveAttack({ name: 'pgd', params: { eps: ref.pgd.eps, steps: ref.pgd.steps, stepSize: ref.pgd.alpha, restarts: 1, randomStart: false } as never }, 10);
      const r = await pgd.run(model, x, y, params, { rng: new Rng(1), tick: async () => {}, numClasses: 10 });
      r.xAdv.dispose();
      expect(Array.from(r.fooled)).toEqual(ref.pgd.fooled);

      // IBP bounds on the logits over the eps = 1/255 box of the first 16 images.
      const graph = BoundGraph.fromModel(model);
      const out = tf.tidy(() => {
        const xs = tf.slice(x, [0, 0, 0, 0], [16, 32, 32, 3]);
        const b = computeBounds(graph, inputBox(xs, ref.ibp.eps), identitySpec(16, 10), { method: 'ibp' });
        return { lower: b.lower.arraySync(), upper: (b.upper ?? b.ibp.upper).arraySync() };
      });
      const lo = out.lower.flat();
      const hi = out.upper.flat();
      const wantLo = (ref.ibp.lower as number[][]).flat();
      const wantHi = (ref.ibp.upper as number[][]).flat();
      const scale = Math.max(...wantHi.map(Math.abs), 1);
      expect(maxAbsDiff(lo, wantLo) / scale).toBeLessThan(1e-4);
      expect(maxAbsDiff(hi, wantHi) / scale).toBeLessThan(1e-4);
      // Sound: every bound contains the clean logit.
      for (let i = 0; i < 160; i++) expect(lo[i]! <= want[i]! + 1e-4 && want[i]! <= hi[i]! + 1e-4).toBe(true);
    } finally {
      tf.dispose([x, y]);
      model.dispose();
    }
  });

  test('residual sub-list, GELU, Tanh, AvgPool, BatchNorm1d, Dropout, no-bias stride-2 conv: PyTorch\'s logits, and sound bounds', () => {
    const ref = json('seq-res-reference.json');
    const model = modelFromSafetensors(fs.readFileSync(fix('seq-res.safetensors')), 'seq-res');
    try {
      expect([...model.params.keys(), ...(model.buffers?.keys() ?? [])].sort()).toEqual(
        (ref.state_dict_names as string[]).filter((n) => !n.endsWith('num_batches_tracked')).sort(),
      );
      const nchw = tf.tensor4d((ref.x_nchw as number[][][][]).flat(3), [4, 3, 16, 16]);
      const x = tf.transpose(nchw, [0, 2, 3, 1]) as tf.Tensor4D;
      const z = model.forward(x);
      expect(maxAbsDiff(z.dataSync(), (ref.logits as number[][]).flat())).toBeLessThan(1e-4);
      // The bound graph computes PyTorch's logits too, and its IBP and CROWN bounds at eps 2/255
      // hold every sampled image of the box (residual block, GELU, tanh, padded stride-2 conv).
      const g = BoundGraph.fromModel(model);
      expect(maxAbsDiff(g.forward(x).dataSync(), (ref.logits as number[][]).flat())).toBeLessThan(1e-4);
      const eps = 2 / 255;
      const bounds = (['ibp', 'crown'] as const).map((method) => computeBounds(g, inputBox(x, eps), identitySpec(4, 5), { method, upper: true, intersectIbp: false }));
      expect(tf.mean(tf.sub(bounds[1].upper!, bounds[1].lower)).dataSync()[0]).toBeLessThan(tf.mean(tf.sub(bounds[0].upper!, bounds[0].lower)).dataSync()[0]);
      const rng = new Rng(9);
      for (let s = 0; s < 40; s++) {
        const noise = tf.tensor(rng.fillUniform(new Float32Array(x.size), -1, 1), x.shape);
        const zs = g.forward(tf.clipByValue(tf.add(x, tf.mul(s % 2 ? tf.sign(noise) : noise, eps)), 0, 1));
        for (const b of bounds) {
          expect(tf.min(tf.sub(zs, b.lower)).dataSync()[0]).toBeGreaterThanOrEqual(-1e-5);
          expect(tf.min(tf.sub(b.upper!, zs)).dataSync()[0]).toBeGreaterThanOrEqual(-1e-5);
        }
      }
      tf.dispose([nchw, x, z]);
    } finally {
      model.dispose();
    }
  });

  test('a dropped safetensors file: the matching architecture is proposed, others say their first mismatch', () => {
    insertArchitecture(store, parseLayerList({ ...json('seq-cnn.json'), name: 'seq-cnn-12', layers: [...json('seq-cnn.json').layers.slice(0, -1), { type: 'linear', in: 1024, out: 12 }] }));
    const p = proposeArchitectures(fix('seq-cnn.safetensors'));
    expect(p.matches.map((m) => m.name)).toEqual(['seq-cnn']);
    expect(p.matches[0]).toEqual({ name: 'seq-cnn', input: [32, 32, 3], numClasses: 10 });
    expect(p.mismatches.find((m) => m.name === 'seq-cnn-12')?.reason).toBe('15.weight: expected 12×1024, file has 10×1024');
    expect(p.mismatches.find((m) => m.name === 'mlp')?.reason).toMatch(/fc1\.weight/);
    expect(() => getArchitecture('nope')).toThrow(LabError);
  });
});
