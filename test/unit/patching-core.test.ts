/**
 * Weight signatures through the facade on a real lab folder: exactness (no projection, no
 * compression, all layers: base + s = robust model, patch-then-remove = target, identical
 * predictions on the whole test set), projection + compression, batch-norm re-estimation against
 * a closed form, and every refusal (other base, other architecture, shapes, α, layers), each
 * leaving the store unchanged. Models are synthetic (a base and seeded perturbations of it), so
 * nothing here trains.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { initEngine, tf } from '../../src/core/engine/backend';
import { Lab } from '../../src/core/service';
import { Model, type TorchTensor } from '../../src/core/models/model';
import { decodeSafetensors } from '../../src/core/models/safetensors';
import { readSplit } from '../../src/core/data/dataset';
import { saveModel } from '../../src/core/store/model-files';
import { patchTensors, predict, reestimateBatchNorm } from '../../src/core/patching/apply';
import { decodeSignature } from '../../src/core/patching/signature';
import { dot, norm, subtract } from '../../src/core/patching/math';
import { LabError } from '../../src/shared/errors';
import { tmpDir } from '../helpers/tmp';

const INPUT = { height: 28, width: 28, channels: 1 };

function perturbed(m: Model, seed: number, scale: number, only?: string[]): Record<string, TorchTensor> {
  const t = m.toTorchTensors();
  let s = seed >>> 0;
  for (const [name, v] of Object.entries(t)) {
    if (v.dtype || (only && !only.some((p) => name.startsWith(p)))) continue;
    const data = Float32Array.from(v.data);
    for (let i = 0; i < data.length; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      data[i] += ((s / 2 ** 32) * 2 - 1) * scale;
    }
    t[name] = { shape: v.shape, data };
  }
  return t;
}

describe('weight signatures on a lab', () => {
  let lab: Lab;
  let cleanup: () => void;
  const ids: Record<string, string> = {};

  const tensorsOf = (id: string) => decodeSafetensors(lab.store.readArtifact(lab.store.getModel(id).artifact)).tensors;
  const loadModel = (id: string) => {
    const r = lab.store.getModel(id);
    return Model.fromTorchTensors(r.arch, tensorsOf(id), INPUT, r.numClasses);
  };
  const counts = () => ({ models: lab.store.listModels().length, signatures: lab.store.listSignatures().length });

  async function refused(call: Promise<unknown>, code: string, pattern: RegExp) {
    const before = counts();
    const err = await call.then(
      () => null,
      (e) => e,
    );
    expect(err).toBeInstanceOf(LabError);
    expect((err as LabError).code).toBe(code);
    expect((err as LabError).message).toMatch(pattern);
    expect(counts()).toEqual(before);
  }

  beforeAll(async () => {
    const t = tmpDir();
    cleanup = t.cleanup;
    lab = await Lab.open({ labDir: t.dir, mode: 'cli', backend: 'wasm' });
    // A command-line lab starts the engine at its first computing call; these tests build models first.
    await initEngine({ force: 'wasm' });
    const digits = lab.store.getDataset('mnist-digits');
    const base = Model.init('mnist-cnn', INPUT, 10, 1);
    const save = (m: Model, name: string, parentId: string | null) => saveModel(lab.store, m, { name, source: 'trained', datasetId: digits.id, runId: null, parentId }).id;
    ids.base = save(base, 'base', null);
    const clean = Model.fromTorchTensors('mnist-cnn', perturbed(base, 7, 0.01), INPUT, 10);
    ids.clean = save(clean, 'clean', ids.base);
    const robust = Model.fromTorchTensors('mnist-cnn', perturbed(base, 8, 0.02), INPUT, 10);
    ids.robust = save(robust, 'robust', ids.base);
    const stranger = Model.init('mnist-cnn', INPUT, 10, 99);
    ids.stranger = save(stranger, 'stranger', null);
    const mlp = Model.init('mlp', INPUT, 10, 3);
    ids.mlp = save(mlp, 'an-mlp', null);
    const five = Model.init('mnist-cnn', INPUT, 5, 4);
    ids.five = save(five, 'five-classes', ids.base);
    for (const m of [base, clean, robust, stranger, mlp, five]) m.dispose();
  });
  afterAll(async () => {
    await lab?.close();
    cleanup?.();
  });

  test('exactness: no projection, no compression, all layers — base + s = robust, patch-then-remove = target, same predictions', async () => {
    const sig = await lab.call('extractSignature', { name: 'exact', model: 'robust', base: 'base', layers: 'all', projection: false });
    expect(sig.layers).toEqual(['conv1', 'conv2', 'fc1', 'fc2']);
    expect(sig.sizeBytes).toBeGreaterThan(4 * 225_034);

    const test = readSplit(lab.labDir, lab.store.getDataset('mnist-digits').files as never, 'test');
    const check = async (patchedId: string, wantId: string) => {
      const got = tensorsOf(patchedId);
      const want = tensorsOf(wantId);
      let maxTheta = 0;
      let maxDiff = 0;
      for (const [k, v] of Object.entries(want)) {
        for (let i = 0; i < v.data.length; i++) {
          maxTheta = Math.max(maxTheta, Math.abs(v.data[i]));
          maxDiff = Math.max(maxDiff, Math.abs(v.data[i] - got[k].data[i]));
        }
      }
      expect(maxDiff).toBeLessThanOrEqual(1e-6 * maxTheta);
      const a = loadModel(patchedId);
      const b = loadModel(wantId);
      try {
        expect(Array.from(predict(a, test, test.count))).toEqual(Array.from(predict(b, test, test.count)));
      } finally {
        a.dispose();
        b.dispose();
      }
    };
    const onBase = await lab.call('patchModel', { target: 'base', signatures: [{ signature: 'exact', alpha: 1 }], name: 'base+exact' });
    expect(onBase.source).toBe('patched');
    await check(onBase.id, ids.robust);

    const onClean = await lab.call('patchModel', { target: 'clean', signatures: [{ signature: 'exact', alpha: 1 }], name: 'clean+exact' });
    const removed = await lab.call('patchModel', { target: onClean.id, signatures: [{ signature: 'exact', alpha: -1 }], name: 'clean+exact-exact' });
    await check(removed.id, ids.clean);
    const lineage = await lab.call('patchLineage', { model: removed.id });
    expect(lineage).toMatchObject({ targetId: onClean.id, bn: 'keep', terms: [{ signatureName: 'exact', alpha: -1 }] });
  });

  test('projection removes the clean direction; linear:16 is 4 bits per value; K = 2 layers', async () => {
    const sig = await lab.call('extractSignature', {
      name: 'proj-q16',
      model: 'robust',
      clean: 'clean',
      layers: 2,
      compression: { quantize: { scheme: 'linear', levels: 16 } },
    });
    expect(sig.baseModelId).toBe(ids.base);
    expect(sig.layers).toEqual(['conv1', 'conv2']);
    const values = 32 * 9 + 32 + 64 * 32 * 9 + 64;
    expect(sig.tensors.map((t) => t.encoding)).toEqual(['quantized', 'quantized', 'quantized', 'quantized']);
    // 4-bit codes plus 16-entry codebooks and the header: about 8× smaller than float32
    expect(sig.sizeBytes).toBeLessThan((4 * values) / 6);
    expect(sig.sizeBytes).toBeGreaterThan(values / 2);
    const { dense, meta } = decodeSignature(lab.store.readArtifact(lab.store.getSignature('proj-q16').artifact));
    expect(meta.projection).toBe(true);
    const base = tensorsOf(ids.base);
    const clean = tensorsOf(ids.clean);
    const robust = tensorsOf(ids.robust);
    for (const t of sig.tensors) {
      const a = subtract(clean[t.name].data, base[t.name].data);
      const d = subtract(robust[t.name].data, base[t.name].data);
      const s = Float32Array.from(d, (v, i) => v - (dot(d, a) / dot(a, a)) * a[i]);
      expect(Math.abs(dot(s, a)) / (norm(s) * norm(a))).toBeLessThan(1e-6);
      // the stored, quantized signature is within the 16-level bound of s
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of s) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      const q = dense[t.name].data;
      for (let i = 0; i < s.length; i++) expect(Math.abs(q[i] - s[i])).toBeLessThanOrEqual(((hi - lo) / 30) * (1 + 1e-5));
      expect(t.reconstructionError).toBeGreaterThan(0);
      expect(t.reconstructionError).toBeLessThan(0.2);
    }
    expect(sig.effect?.count).toBe(256);
    const est = await lab.call('estimatePatch', { target: 'clean', signatures: [{ signature: 'proj-q16', alpha: 0.5 }] });
    expect(est.rows.map((r) => r.datasetName)).toEqual(['mnist-digits']);
    expect(est.count).toBe(256);
  });

  test('low rank: each weight matrix keeps r singular values; biases stay full', async () => {
    const sig = await lab.call('extractSignature', { name: 'rank2', model: 'robust', clean: 'clean', layers: 2, compression: { rank: 2 } });
    expect(sig.tensors.map((t) => t.encoding)).toEqual(['lowrank', 'full', 'lowrank', 'full']);
    expect(sig.sizeBytes).toBeLessThan(4 * (2 * (32 + 9) + 32 + 2 * (64 + 288) + 64) + 2000);
  });

  test('refusals, each leaving the store unchanged', async () => {
    await refused(lab.call('patchModel', { target: 'stranger', signatures: [{ signature: 'exact', alpha: 1 }], name: 'x1' }), 'bad_input', /was not fine-tuned from it/);
    await refused(lab.call('patchModel', { target: 'an-mlp', signatures: [{ signature: 'exact', alpha: 1 }], name: 'x2' }), 'shape_mismatch', /architecture/);
    await refused(lab.call('patchModel', { target: 'five-classes', signatures: [{ signature: 'exact', alpha: 1 }], name: 'x3' }), 'shape_mismatch', /10 classes/);
    await refused(lab.call('patchModel', { target: 'clean', signatures: [{ signature: 'exact', alpha: 5.5 }], name: 'x4' }), 'bad_input', /between −5 and 5/);
    await refused(lab.call('estimatePatch', { target: 'clean', signatures: [{ signature: 'exact', alpha: -6 }] }), 'bad_input', /between −5 and 5/);
    await refused(lab.call('extractSignature', { name: 'x5', model: 'robust', clean: 'clean', layers: ['conv9'] }), 'bad_input', /no layer "conv9"/);
    await refused(lab.call('extractSignature', { name: 'x6', model: 'robust', clean: 'clean', layers: 9 }), 'bad_input', /between 1 and 4 layers/);
    await refused(lab.call('extractSignature', { name: 'x7', model: 'robust', base: 'stranger', clean: 'clean' }), 'bad_input', /not fine-tuned from base/);
    await refused(lab.call('extractSignature', { name: 'x8', model: 'robust', base: 'base' }), 'bad_input', /Projection needs the clean/);
    await refused(lab.call('extractSignature', { name: 'exact', model: 'robust', base: 'base', projection: false }), 'conflict', /already exists/);
    await refused(lab.call('estimatePatch', { target: 'clean', signatures: [{ signature: 'exact', alpha: 1 }], limit: 1000 }), 'bad_input', /at most 256/);
    await refused(lab.call('submitPatchSweep', { kind: 'patch-sweep', target: 'clean', signatures: [{ signature: 'exact', alpha: 1 }], alphas: [0, 7] }), 'bad_input', /α = 7/);
    // below the facade: a tensor the target lacks, a wrong shape
    const target = tensorsOf(ids.clean);
    expect(() => patchTensors(target, [{ name: 's', alpha: 1, tensors: { 'conv9.weight': { shape: [1], data: new Float32Array(1) } } }])).toThrow(/does not have/);
    expect(() => patchTensors(target, [{ name: 's', alpha: 1, tensors: { 'conv1.bias': { shape: [31], data: new Float32Array(31) } } }])).toThrow(/shape \[31\]/);
  });

  test('delete keeps the patched models and their lineage', async () => {
    const before = lab.store.listModels().length;
    await lab.call('deleteSignature', { signature: 'exact' });
    expect((await lab.call('listSignatures', {})).map((s) => s.name)).not.toContain('exact');
    expect(lab.store.listModels().length).toBe(before);
    const lineage = await lab.call('patchLineage', { model: 'base+exact' });
    expect(lineage?.terms[0].signatureName).toBe('exact');
  });
});

describe('batch-norm re-estimation', () => {
  test('bn1 statistics equal the mean and unbiased variance of conv1 outputs over the batches (closed form)', () => {
    const model = Model.init('cnn-bn', INPUT, 10, 5);
    // 96 synthetic images in 3 batches of 32
    const n = 96;
    const images = new Uint8Array(n * 28 * 28);
    let s = 12345;
    for (let i = 0; i < images.length; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      images[i] = s >>> 24;
    }
    const split = { images, labels: new Uint8Array(n), count: n, height: 28, width: 28, channels: 1 };
    const paramsBefore = model.toTorchTensors({ buffers: false });
    expect(reestimateBatchNorm(model, split, n, 32)).toBe(n);
    // conv1 (3×3, padding 1, no bias), computed here with tf.conv2d from the kernel in PyTorch layout
    const w = model.toTorchTensors()['conv1.weight'];
    const kernel = tf.tidy(() => tf.transpose(tf.tensor4d(w.data, w.shape as [number, number, number, number]), [2, 3, 1, 0]));
    const wantMean = new Float64Array(32);
    const wantVar = new Float64Array(32);
    for (let b = 0; b < 3; b++) {
      const x = tf.tensor4d(Float32Array.from(images.subarray(b * 32 * 784, (b + 1) * 32 * 784), (v) => v / 255), [32, 28, 28, 1]);
      const y = tf.conv2d(x, kernel as tf.Tensor4D, 1, 'same');
      const v = y.dataSync();
      const per = v.length / 32;
      for (let c = 0; c < 32; c++) {
        let sum = 0;
        for (let i = c; i < v.length; i += 32) sum += v[i];
        const mean = sum / per;
        let ss = 0;
        for (let i = c; i < v.length; i += 32) ss += (v[i] - mean) ** 2;
        wantMean[c] += mean / 3;
        wantVar[c] += ss / (per - 1) / 3;
      }
      tf.dispose([x, y]);
    }
    kernel.dispose();
    const got = model.toTorchTensors();
    const gm = got['bn1.running_mean'].data;
    const gv = got['bn1.running_var'].data;
    for (let c = 0; c < 32; c++) {
      expect(Math.abs(gm[c] - wantMean[c])).toBeLessThan(1e-4 * Math.max(1, Math.abs(wantMean[c])));
      expect(Math.abs(gv[c] - wantVar[c])).toBeLessThan(1e-4 * Math.max(1, wantVar[c]));
    }
    // deeper layers were re-estimated too, the parameters were not touched
    expect(Array.from(got['bn4.running_var'].data).some((v) => Math.abs(v - 1) > 1e-3)).toBe(true);
    for (const [k, v] of Object.entries(paramsBefore)) expect(Array.from(got[k].data)).toEqual(Array.from(v.data));
    model.dispose();
  });
});
