/**
 * A family whose robust member is trained with a robust method (PGD-AT) instead of corrupted data:
 * the member is an ordinary train run with that method, fine-tuned from the base, and trains on
 * attacked images (it logs its accuracy on them); misspelt and plain methods are refused at submit, storing nothing.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Lab } from '../../src/core/service';
import { labWithBase } from '../helpers/patching-lab';

let lab: Lab;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ lab, close } = await labWithBase('mlp', 'mlp-base', 3));
});
afterAll(async () => {
  await close?.();
});

test('a PGD-AT member is trained with PGD-AT from the base', async () => {
  const before = lab.store.listRuns({ limit: 100, offset: 0 }).length;
  await expect(lab.call('submitFamily', { kind: 'family', base: 'mlp-base', dataset: 'mnist-digits', methods: ['pgd-att'] })).rejects.toThrow(/pgd-att/);
  await expect(lab.call('submitFamily', { kind: 'family', base: 'mlp-base', dataset: 'mnist-digits', methods: ['erm'] })).rejects.toThrow(/already uses plain training/);
  expect(lab.store.listRuns({ limit: 100, offset: 0 })).toHaveLength(before);

  const fam = await lab.call('submitFamily', { kind: 'family', name: 'mfam', base: 'mlp-base', dataset: 'mnist-digits', methods: ['pgd-at'], epochs: 1, batchSize: 32, lr: 0.05, limit: 96, testLimit: 40 });
  const done = await lab.waitForRun(fam.id);
  expect(done.status, done.error ?? '').toBe('finished');
  const members = lab.store.listRuns({ limit: 50, offset: 0 }).filter((r) => r.groupId === fam.id);
  expect(members.map((r) => r.name).sort()).toEqual(['mfam-clean', 'mfam-pgd-at']);
  const robust = members.find((r) => r.name === 'mfam-pgd-at')!;
  const spec = robust.spec as { method: string; initModel: string };
  expect(spec.method).toBe('pgd-at');
  expect(spec.initModel).toBe(lab.store.getModel('mlp-base').id);
  expect(lab.store.getModel(robust.modelId!).parentId).toBe(lab.store.getModel('mlp-base').id);
  // PGD-AT trains on attacked images and logs its accuracy on them; plain training does not.
  const clean = members.find((r) => r.name === 'mfam-clean')!;
  expect((clean.spec as { method: string }).method).toBe('erm');
  expect(Object.keys(lab.store.getMetrics(robust.id))).toContain('train/adv_accuracy');
  expect(Object.keys(lab.store.getMetrics(clean.id))).not.toContain('train/adv_accuracy');
}, 120_000);
