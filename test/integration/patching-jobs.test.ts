/**
 * The patching jobs in real worker processes: a tiny family (clean + one corruption made on the
 * fly) fine-tuned from one base as train runs in one group, a signature extracted from it, and an
 * α sweep whose metrics are the patched model's accuracy at each α.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Lab } from '../../src/core/service';
import { labWithBase } from '../helpers/patching-lab';

let lab: Lab;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ lab, close } = await labWithBase('mnist-cnn', 'tiny-base', 1));
});
afterAll(async () => {
  await close?.();
});

test('family → signature → α sweep', async () => {
  const fam = await lab.call('submitFamily', {
    kind: 'family',
    name: 'fam',
    base: 'tiny-base',
    dataset: 'mnist-digits',
    corruptions: [{ corruption: 'gaussian_noise', severity: 3 }],
    epochs: 1,
    batchSize: 32,
    lr: 0.05,
    limit: 96,
    testLimit: 50,
  });
  const done = await lab.waitForRun(fam.id);
  expect(done.status, done.error ?? '').toBe('finished');
  const members = lab.store.listRuns({ limit: 50, offset: 0 }).filter((r) => r.groupId === fam.id);
  expect(members.map((r) => r.name).sort()).toEqual(['fam-clean', 'fam-gaussian_noise-s3']);
  expect(members.every((r) => r.status === 'finished' && r.modelId)).toBe(true);
  const noisy = lab.store.getDataset('mnist-digits-gaussian_noise-s3');
  expect(noisy.parentId).toBe(lab.store.getDataset('mnist-digits').id);
  const baseId = lab.store.getModel('tiny-base').id;
  for (const r of members) expect(lab.store.getModel(r.modelId!).parentId).toBe(baseId);

  const sig = await lab.call('extractSignature', { name: 'noise-sig', model: 'fam-gaussian_noise-s3', clean: 'fam-clean', layers: 2 });
  expect(sig.sourceDatasetId).toBe(noisy.id);
  expect(sig.effect?.sourceDataset).toBe(noisy.name);

  const sweep = await lab.call('submitPatchSweep', { kind: 'patch-sweep', target: 'fam-clean', signatures: [{ signature: 'noise-sig', alpha: 1 }], alphas: [0, 0.5, 1], limit: 60 });
  const s = await lab.waitForRun(sweep.id);
  expect(s.status, s.error ?? '').toBe('finished');
  const metrics = lab.store.getMetrics(sweep.id);
  expect(metrics.alpha.map((p) => p.value)).toEqual([0, 0.5, 1]);
  expect(Object.keys(metrics).sort()).toEqual(['accuracy/mnist-digits', 'accuracy/mnist-digits-gaussian_noise-s3', 'alpha']);
  // α = 0 is the target itself: the same accuracy the estimate gives for it
  const est = await lab.call('estimatePatch', { target: 'fam-clean', signatures: [{ signature: 'noise-sig', alpha: 0 }], limit: 60 });
  const row = est.rows.find((r) => r.datasetName === 'mnist-digits')!;
  expect(row.patchedAccuracy).toBe(row.targetAccuracy);
  expect(metrics['accuracy/mnist-digits'][0].value).toBeCloseTo(row.targetAccuracy, 10);
});

test('an α sweep with an attack: each point equals an evaluation of the saved model with that attack', async () => {
  const attack = { name: 'pgd', params: { eps: 0.1, steps: 5 } };
  const sweep = await lab.call('submitPatchSweep', {
    kind: 'patch-sweep',
    target: 'fam-clean',
    signatures: [{ signature: 'noise-sig', alpha: 1 }],
    alphas: [0, 1],
    limit: 60,
    attack,
    attackLimit: 40,
  });
  const s = await lab.waitForRun(sweep.id);
  expect(s.status, s.error ?? '').toBe('finished');
  const metrics = lab.store.getMetrics(sweep.id);
  const robust = metrics['robust_accuracy/mnist-digits'];
  expect(robust.map((p) => p.step)).toEqual([0, 1]);
  console.log('sweep robust accuracy', robust.map((p) => p.value), 'clean', metrics['accuracy/mnist-digits'].map((p) => p.value));
  for (const [i, alpha] of [0, 1].entries()) {
    const saved = await lab.call('patchModel', { target: 'fam-clean', signatures: [{ signature: 'noise-sig', alpha }], name: `fam-clean-a${alpha}` });
    const ev = await lab.waitForRun((await lab.call('submitEval', { kind: 'eval', model: saved.id, dataset: 'mnist-digits', limit: 40, batchSize: 200, seed: 0, attack })).id);
    expect(ev.status, ev.error ?? '').toBe('finished');
    const evaluation = (await lab.call('listEvaluations', { modelId: saved.id }))[0];
    expect(robust[i].value).toBeCloseTo(evaluation.robustAccuracy!, 10);
    // Robust accuracy never exceeds clean accuracy on the same images.
    expect(robust[i].value).toBeLessThanOrEqual(evaluation.cleanAccuracy + 1e-12);
  }
  // An unknown attack is refused at submit time, and no run is stored.
  const before = lab.store.listRuns({ limit: 500, offset: 0 }).length;
  await expect(
    lab.call('submitPatchSweep', { kind: 'patch-sweep', target: 'fam-clean', signatures: [{ signature: 'noise-sig', alpha: 1 }], alphas: [0], attack: { name: 'pgdd', params: {} } }),
  ).rejects.toThrow(/Unknown attack "pgdd"/);
  expect(lab.store.listRuns({ limit: 500, offset: 0 })).toHaveLength(before);
}, 120_000);

test('transfer check: a copy of the clean model keeps exactly the gain at home; the clean model itself is refused', async () => {
  // fam-clean-a0 (saved above) is fam-clean + 0·signature: the same weights under another name.
  const r = await lab.call('transferCheck', { signature: 'noise-sig', target: 'fam-clean-a0', alpha: 1, limit: 60 });
  expect(r.datasetName).toBe('mnist-digits-gaussian_noise-s3');
  expect(r.home.modelName).toBe('fam-clean');
  expect(r.target.before).toBe(r.home.before);
  expect(r.target.after).toBe(r.home.after);
  expect(r.target.gain).toBe(r.home.gain);
  expect(r.target.ownBefore).toBe(r.home.ownBefore);
  if (r.home.gain > 0) {
    expect(r.ratio).toBe(1);
    expect(r.transfers).toBe(true);
    expect(r.summary).toMatch(/100 % of the gain transfers/);
  } else {
    expect(r.transfers).toBeNull();
    expect(r.summary).toMatch(/no gain to transfer/);
  }
  // The same numbers as the instant estimate on that set.
  const est = await lab.call('estimatePatch', { target: 'fam-clean', signatures: [{ signature: 'noise-sig', alpha: 1 }], datasets: ['mnist-digits-gaussian_noise-s3'], limit: 60 });
  expect(est.rows[0].targetAccuracy).toBe(r.home.before);
  expect(est.rows[0].patchedAccuracy).toBe(r.home.after);
  await expect(lab.call('transferCheck', { signature: 'noise-sig', target: 'fam-clean' })).rejects.toThrow(/is the signature's own clean model/);
});
