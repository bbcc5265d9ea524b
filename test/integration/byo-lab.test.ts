/**
 * Bring your own, through the Lab facade with jobs run in-process: import (CIFAR fixture) →
 * corrupt → export .npz → NumPy reads back the same arrays; a layer-list architecture added by
 * JSON is trained, attacked and certified by name; a model exported with its layer list and
 * PyTorch snippet rebuilds in PyTorch with the same logits (skipped with a reason where
 * /usr/bin/python3 has no torch); a failed import stores nothing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Lab } from '../../src/core/service';
import { readSplit } from '../../src/core/data/dataset';
import { inProcessWorker } from '../helpers/in-process-worker';
import { tmpDir } from '../helpers/tmp';

const FIX = fileURLToPath(new URL('../fixtures/byo/', import.meta.url));
const PY = '/usr/bin/python3';
const hasTorch = fs.existsSync(PY) && spawnSync(PY, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0;

let tmp: { dir: string; cleanup: () => void };
let lab: Lab;
beforeAll(async () => {
  tmp = tmpDir('robustlab-byo-lab-');
  lab = await Lab.open({ labDir: path.join(tmp.dir, 'lab'), mode: 'cli', backend: 'wasm', spawnWorker: inProcessWorker });
});
afterAll(async () => {
  await lab.close();
  tmp.cleanup();
});

async function finish(run: { id: string }): Promise<void> {
  const end = await lab.waitForRun(run.id);
  expect(end.error ?? null).toBeNull();
  expect(end.status).toBe('finished');
}

describe('bring your own, through the lab', () => {
  test('import → corrupt → export .npz → NumPy reads the same arrays', async () => {
    await finish(await lab.call('submitImport', { kind: 'import', name: 'c10', format: 'cifar', path: path.join(FIX, 'cifar10') }));
    await finish(await lab.call('submitCorrupt', { kind: 'corrupt', dataset: 'c10', name: 'c10-noise', recipe: { seed: 3, steps: [{ corruption: 'gaussian_noise', severity: 2 }] } }));
    const out = path.join(tmp.dir, 'c10-noise.npz');
    const r = await lab.call('exportDataset', { dataset: 'c10-noise', format: 'npz', out });
    expect(r.images).toBe(184);
    const ds = (await lab.call('listDatasets', {})).find((d) => d.name === 'c10-noise')!;
    const rec = lab.store.getDataset(ds.id);
    const lab_ = readSplit(lab.labDir, rec.files as never, 'test');
    if (!hasTorch) {
      console.warn('skipped the NumPy read-back: /usr/bin/python3 has no numpy/torch');
      return;
    }
    // NumPy's own reading of the export: shapes, dtypes and a checksum of every array.
    const py = execFileSync(PY, ['-c', 'import numpy as np, sys, json, hashlib\nz = np.load(sys.argv[1])\nprint(json.dumps({k: [list(z[k].shape), str(z[k].dtype), hashlib.sha256(np.ascontiguousarray(z[k]).tobytes()).hexdigest()] for k in z.files}))', out]).toString();
    const got = JSON.parse(py) as Record<string, [number[], string, string]>;
    const { createHash } = await import('node:crypto');
    const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
    expect(got.x_test).toEqual([[64, 32, 32, 3], 'uint8', sha(lab_.images)]);
    const y = new BigInt64Array(lab_.count);
    for (let i = 0; i < lab_.count; i++) y[i] = BigInt(lab_.labels[i]!);
    expect(got.y_test).toEqual([[64], 'int64', sha(new Uint8Array(y.buffer))]);
    expect(got.x_train![0]).toEqual([120, 32, 32, 3]);
  });

  test('a layer-list architecture is trained, attacked and certified by name; exported, it rebuilds in PyTorch', async () => {
    const arch = await lab.call('addArchitecture', {
      spec: JSON.stringify({ name: 'tiny', input: [32, 32, 3], layers: [{ type: 'conv2d', in: 3, out: 8, kernel: 3, stride: 1, padding: 1 }, { type: 'relu' }, { type: 'maxpool', kernel: 2 }, { type: 'flatten' }, { type: 'linear', in: 2048, out: 10 }] }),
    });
    expect(arch.summary!.params).toBe(20714);
    expect((await lab.call('listArchitectures', {})).find((a) => a.name === 'tiny')?.certifiable).toBe(true);
    await expect(lab.call('addArchitecture', { spec: { name: 'mlp', input: [2, 2, 1], layers: [{ type: 'flatten' }, { type: 'linear', in: 4, out: 2 }] } })).rejects.toThrow(/"mlp" is a built-in architecture/);
    const train = await lab.call('submitTrain', { kind: 'train', dataset: 'c10', arch: 'tiny', epochs: 1, batchSize: 20, optimizer: { name: 'sgd', lr: 0.05 }, seed: 0 } as never);
    await finish(train);
    const modelId = lab.store.getRun(train.id).modelId!;
    const pgd = await lab.call('submitEval', { kind: 'eval', model: modelId, dataset: 'c10', attack: { name: 'pgd', params: { eps: 0.01, steps: 3 } }, limit: 16 } as never);
    await finish(pgd);
    const cert = await lab.call('submitEval', { kind: 'eval', model: modelId, dataset: 'c10', certify: 'ibp', eps: 0.001, limit: 16 } as never);
    await finish(cert);

    const bundle = await lab.call('modelBundle', { model: modelId });
    expect(bundle.layerList!.name).toBe('tiny');
    expect(bundle.summary!.flops).toBe(2 * 8 * 32 * 32 * 27 + 2 * 2048 * 10);
    if (!hasTorch) {
      console.warn('skipped the PyTorch rebuild: /usr/bin/python3 has no torch');
      return;
    }
    // Run the generated snippet in PyTorch (safetensors' load_file replaced by a 10-line reader
    // of the same format, as Debian has no python3-safetensors) and compare logits.
    const dir = path.join(tmp.dir, 'export');
    fs.mkdirSync(path.join(dir, 'safetensors'), { recursive: true });
    const w = await lab.call('exportModelWeights', { model: modelId });
    fs.writeFileSync(path.join(dir, 'model.safetensors'), Buffer.from(w.content, 'base64'));
    fs.writeFileSync(path.join(dir, 'rebuild.py'), bundle.pytorch!.replace(/load_file\("[^"]*"\)/, 'load_file("model.safetensors")'));
    fs.writeFileSync(path.join(dir, 'safetensors', '__init__.py'), '');
    fs.writeFileSync(
      path.join(dir, 'safetensors', 'torch.py'),
      [
        'import json, struct, torch',
        'def load_file(p):',
        '    b = open(p, "rb").read(); n = struct.unpack("<Q", b[:8])[0]; h = json.loads(b[8:8 + n]); out = {}',
        '    for k, v in h.items():',
        '        if k == "__metadata__": continue',
        '        s, e = v["data_offsets"]; dt = {"F32": torch.float32, "I64": torch.int64}[v["dtype"]]',
        '        out[k] = torch.frombuffer(bytearray(b[8 + n + s:8 + n + e]), dtype=dt).reshape(v["shape"]).clone()',
        '    return out',
      ].join('\n'),
    );
    const test_ = readSplit(lab.labDir, lab.store.getDataset('c10').files as never, 'test');
    fs.writeFileSync(path.join(dir, 'x.bin'), test_.images.subarray(0, 8 * 3072));
    const code = `exec(open("rebuild.py").read())\nimport numpy as np, json\nx = torch.tensor(np.fromfile("x.bin", dtype=np.uint8).reshape(8, 32, 32, 3), dtype=torch.float32).permute(0, 3, 1, 2) / 255\nprint(json.dumps(model(x).tolist()))`;
    const torchLogits = JSON.parse(execFileSync(PY, ['-c', code], { cwd: dir }).toString()) as number[][];
    const { loadStoredModel } = await import('../../src/core/store/model-files');
    const { tf } = await import('../../src/core/engine/backend');
    const { model } = loadStoredModel(lab.store, modelId);
    const z = tf.tidy(() => model.forward(tf.div(tf.tensor4d(test_.images.subarray(0, 8 * 3072), [8, 32, 32, 3], 'float32'), 255) as never).arraySync() as number[][]);
    model.dispose();
    const diff = Math.max(...z.flatMap((row, i) => row.map((v, j) => Math.abs(v - torchLogits[i]![j]!))));
    expect(diff).toBeLessThan(1e-4);
  });

  test('bad input is refused by the import job with one sentence, and nothing is stored', async () => {
    const before = (await lab.call('listDatasets', {})).length;
    const dirsBefore = fs.readdirSync(path.join(lab.labDir, 'datasets')).length;
    const bad = path.join(tmp.dir, 'bad-cifar');
    fs.mkdirSync(bad);
    fs.writeFileSync(path.join(bad, 'test_batch.bin'), Buffer.alloc(3073 * 2 + 7));
    const run = await lab.call('submitImport', { kind: 'import', name: 'bad', format: 'cifar', path: bad });
    const end = await lab.waitForRun(run.id);
    expect(end.status).toBe('failed');
    expect(end.error).toMatch(/test_batch\.bin" is 6153 bytes, not a whole number of 3073-byte CIFAR-10 records/);
    await expect(lab.call('submitImport', { kind: 'import', name: 'c10', format: 'cifar', path: path.join(FIX, 'cifar10') })).rejects.toThrow(/already exists/);
    await expect(lab.call('submitImport', { kind: 'import', name: 'x', format: 'folder', path: path.join(tmp.dir, 'nope') })).rejects.toThrow(/was not found/);
    expect((await lab.call('listDatasets', {})).length).toBe(before);
    expect(fs.readdirSync(path.join(lab.labDir, 'datasets')).length).toBe(dirsBefore);
  });
});
