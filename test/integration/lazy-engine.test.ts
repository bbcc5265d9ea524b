/**
 * Instant commands (#12): a command-line lab answers listings, history, management and doctor
 * calls without loading tfjs; the first call that computes starts the engine, and the status then
 * names the backend that started, the one doctor predicted. A CLI process populates the lab first,
 * so this process has never touched tfjs when the checks begin.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../../src/core/service';
import { tfLoaded } from '../../src/core/engine/tf';
import { tmpDir } from '../helpers/tmp';

const BIN = path.resolve(__dirname, '../../bin/robustlab.mjs');
let dir: string;
let cleanup: () => void;
let lab: Lab;

beforeAll(async () => {
  ({ dir, cleanup } = tmpDir());
  const r = spawnSync(
    process.execPath,
    [BIN, '--lab', dir, 'train', '--dataset', 'mnist-digits', '--arch', 'mlp', '--epochs', '1', '--batch-size', '50', '--limit', '200', '--test-limit', '50', '--name', 'tiny', '--json'],
    { encoding: 'utf8', env: { ...process.env, ROBUSTLAB_BACKEND: 'wasm' }, timeout: 120_000 },
  );
  expect(r.status, r.stderr).toBe(0);
  lab = await Lab.open({ labDir: dir, mode: 'cli', backend: 'wasm' });
}, 150_000);
afterAll(async () => {
  await lab?.close();
  cleanup();
});

describe('a command-line lab', () => {
  it('answers store calls without loading tfjs, and doctor names the backend it will use', async () => {
    const doctor = await lab.call('doctor', {});
    expect(doctor.status.backend.name).toBe('wasm');
    expect(doctor.status.backend.device).toMatch(/^CPU, wasm/);
    expect(doctor.status.backend.tfjsVersion).toMatch(/^\d+\.\d+\.\d+$/);
    const datasets = await lab.call('listDatasets', {});
    expect(datasets.map((d) => d.name)).toContain('mnist-digits');
    const models = await lab.call('listModels', {});
    expect(models.map((m) => m.name)).toContain('tiny');
    const runs = await lab.call('listRuns', {});
    expect(runs).toHaveLength(1);
    const detail = await lab.call('getRun', { runId: runs[0].id });
    expect(detail.run.status).toBe('finished');
    await lab.call('listEvaluations', { modelId: models[0].id });
    await lab.call('queryRuns', { query: 'status = finished' });
    await lab.call('listDependents', { kind: 'model', id: models[0].id });
    await lab.call('updateModel', { model: models[0].id, name: 'tiny-renamed' });
    for (const m of ['listAttacks', 'listMethods', 'listArchitectures', 'listCorruptions', 'listSweeps', 'listSignatures', 'listViews'] as const) {
      await lab.call(m, {});
    }
    await lab.call('checkLab', { repair: false });
    expect(tfLoaded()).toBe(false);
  });

  it('starts the engine at the first call that computes, on the backend doctor named', async () => {
    const before = (await lab.call('status', {})).backend;
    const p = await lab.call('previewCorruption', {
      dataset: 'mnist-digits',
      split: 'test',
      recipe: { steps: [{ corruption: 'gaussian_noise', severity: 3 }] },
      count: 4,
    });
    expect(p.items).toHaveLength(4);
    expect(tfLoaded()).toBe(true);
    const after = (await lab.call('status', {})).backend;
    expect(after.name).toBe(before.name);
    expect(after.device).toBe(before.device);
    expect(after.tfjsVersion).toBe(before.tfjsVersion);
  });
});
