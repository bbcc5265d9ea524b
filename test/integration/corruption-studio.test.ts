/**
 * The corruption studio through the Lab facade, with real worker processes and SQLite: the
 * registry, a fast preview equal to the full run, corrupt jobs that write a dataset with its
 * parent and recipe, regenerating bit-identical arrays, cancelling without leftovers, the
 * corruption benchmark (CE, relative CE), and the CLI commands.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../../src/core/service';
import { LabError } from '../../src/shared/errors';
import type { DatasetInfo, LabEvent, RunInfo } from '../../src/shared/schemas';
import type { DatasetFiles } from '../../src/core/data/dataset';
import { readSplit } from '../../src/core/data/dataset';
import { readNpy } from '../../src/core/data/npy';
import { corruptDataset } from '../../src/core/corruptions/job';
import { benchmarkScores } from '../../src/core/eval/corruption-benchmark';
import { tmpDir } from '../helpers/tmp';

let lab: Lab;
let dir: string;
let cleanup: () => void;

beforeAll(async () => {
  ({ dir, cleanup } = tmpDir());
  lab = await Lab.open({ labDir: dir, mode: 'cli', backend: 'wasm' });
});
afterAll(async () => {
  await lab.close();
  cleanup();
});

async function expectLabError(p: Promise<unknown>, code: string, re: RegExp) {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(LabError);
    expect((e as LabError).code).toBe(code);
    expect((e as LabError).message).toMatch(re);
    return;
  }
  expect.unreachable(`expected a LabError matching ${re}`);
}

function datasetDirs(): string[] {
  return fs.readdirSync(path.join(dir, 'datasets')).sort();
}

async function dataset(name: string): Promise<DatasetInfo & { files: DatasetFiles }> {
  const rec = lab.store.getDataset(name);
  return rec as unknown as DatasetInfo & { files: DatasetFiles };
}

const RECIPE = {
  steps: [
    { corruption: 'mnistc/shear', severity: 2 },
    { corruption: 'labels/symmetric', params: { rate: 0.2 }, splits: ['train' as const] },
    { corruption: 'gaussian_noise', severity: 3 },
  ],
  seed: 42,
};

describe('registry and preview', () => {
  it('lists the corruptions with families and severities', async () => {
    const list = await lab.call('listCorruptions', {});
    expect(list.length).toBe(19 + 15 + 5);
    const shear = list.find((c) => c.name === 'mnistc/shear')!;
    expect(shear).toMatchObject({ family: 'geometric', suite: 'mnist-c', target: 'images', severities: [1, 2, 3, 4, 5], defaultSeverity: 2 });
    expect(list.find((c) => c.name === 'labels/transition')).toMatchObject({ target: 'labels', severities: [], needs: 'matrix' });
    expect(list.find((c) => c.name === 'saturate')?.colourOnly).toBe(true);
  });

  it('previews 16 digits before and after in well under a second', async () => {
    // Cold: reads the 8,000-image train split from disk first; warm: the split is cached.
    let t0 = performance.now();
    await lab.call('previewCorruption', { dataset: 'mnist-digits', split: 'train', recipe: RECIPE, count: 16, indices: [1, 2] });
    const cold = performance.now() - t0;
    t0 = performance.now();
    const p = await lab.call('previewCorruption', { dataset: 'mnist-digits', split: 'train', recipe: RECIPE, count: 16 });
    const ms = performance.now() - t0;
    console.log(`previewCorruption: first call ${cold.toFixed(1)} ms; 16 MNIST images in ${ms.toFixed(1)} ms (corrupting: ${p.ms.toFixed(1)} ms)`);
    expect(cold).toBeLessThan(1000);
    expect(ms).toBeLessThan(1000);
    expect(p.items).toHaveLength(16);
    expect([p.height, p.width, p.channels]).toEqual([28, 28, 1]);
    for (const it of p.items) {
      expect(Buffer.from(it.before, 'base64')).toHaveLength(784);
      expect(Buffer.from(it.after!, 'base64')).toHaveLength(784);
      expect(it.after).not.toBe(it.before);
    }
    // Some labels changed by the train-only label noise (20 % of 16: very likely at least one).
    expect(p.items.some((i) => i.newLabel !== i.label)).toBe(true);
    await expectLabError(lab.call('previewCorruption', { dataset: 'mnist-digits', recipe: RECIPE, indices: [5, 99999] }), 'bad_input', /Image 99999 does not exist/);
    await expectLabError(lab.call('previewCorruption', { dataset: 'mnist-digits', recipe: { steps: [{ corruption: 'nope' }] } }), 'bad_input', /Unknown corruption "nope"/);
    await expectLabError(
      lab.call('previewCorruption', { dataset: 'mnist-digits', recipe: { steps: [{ corruption: 'fog', severity: 6 }] } }),
      'bad_input',
      /recipe\.steps\.0\.severity.*from 1 to 5/,
    );
  });
});

describe('corrupt jobs', () => {
  let first: DatasetInfo & { files: DatasetFiles };

  it('writes a new dataset with parent, recipe, true labels, progress; the preview equals the job', async () => {
    const events: LabEvent[] = [];
    const off = lab.onEvent((e) => events.push(e));
    const run = await lab.call('submitCorrupt', { kind: 'corrupt', dataset: 'mnist-digits', recipe: RECIPE, name: 'digits-c' });
    expect(run.kind).toBe('corrupt');
    expect(run.name).toBe('digits-c');
    const done = await lab.waitForRun(run.id);
    off();
    expect(done.status, done.error ?? '').toBe('finished');
    expect(events.some((e) => e.type === 'progress' && e.runId === run.id && e.phase === 'corrupt')).toBe(true);
    first = await dataset('digits-c');
    const parent = lab.store.getDataset('mnist-digits');
    expect(first.parentId).toBe(parent.id);
    expect(first.splits).toEqual({ train: { count: 8000 }, test: { count: 2000 } });
    const recipe = first.recipe as { steps: unknown[]; seed: number; report: { train: { labelNoiseRate: number }; test: { labelNoiseRate: number | null } } };
    expect(recipe.steps).toHaveLength(3);
    expect(recipe.seed).toBe(42);
    expect(Math.abs(recipe.report.train.labelNoiseRate - 0.2)).toBeLessThan(0.02);
    expect(recipe.report.test.labelNoiseRate).toBeNull();
    expect(done.latestMetrics['train/label_noise_rate']).toBeCloseTo(recipe.report.train.labelNoiseRate, 10);
    // The true labels are stored next to the noisy ones and match the parent's labels.
    const trueLabels = readNpy(path.join(dir, first.files.train!.trueLabels), 'true labels');
    const parentTrain = readSplit(dir, parent.files as unknown as DatasetFiles, 'train');
    expect(Array.from(trueLabels.data as Int32Array)).toEqual(Array.from(parentTrain.labels));
    const train = readSplit(dir, first.files, 'train');
    let diff = 0;
    for (let i = 0; i < train.count; i++) if (train.labels[i] !== parentTrain.labels[i]) diff++;
    expect(diff / train.count).toBeCloseTo(recipe.report.train.labelNoiseRate, 10);
    // Preview of some train images = the same images of the job.
    const p = await lab.call('previewCorruption', { dataset: 'mnist-digits', split: 'train', recipe: RECIPE, indices: [0, 123, 7999] });
    for (const item of p.items) {
      const job = Buffer.from(train.images.subarray(item.index * 784, (item.index + 1) * 784));
      expect(Buffer.from(item.after!, 'base64').equals(job), `image ${item.index}`).toBe(true);
      expect(item.newLabel).toBe(train.labels[item.index]);
    }
  });

  it('regenerates bit-identical arrays from the stored recipe', async () => {
    const run = await lab.call('regenerateDataset', { dataset: 'digits-c' });
    const done = await lab.waitForRun(run.id);
    expect(done.status, done.error ?? '').toBe('finished');
    const again = await dataset('digits-c (regenerated)');
    expect(again.parentId).toBe(first.parentId);
    for (const s of ['train', 'test'] as const) {
      const a = readSplit(dir, first.files, s);
      const b = readSplit(dir, again.files, s);
      expect(Buffer.from(a.images).equals(Buffer.from(b.images)), `${s} images`).toBe(true);
      expect(Buffer.from(a.labels.buffer).equals(Buffer.from(b.labels.buffer)), `${s} labels`).toBe(true);
    }
    await expectLabError(lab.call('regenerateDataset', { dataset: 'mnist-digits' }), 'bad_input', /not made by corrupting another dataset/);
  });

  it('refuses bad jobs before queueing them', async () => {
    const base = { kind: 'corrupt' as const, dataset: 'mnist-digits' };
    await expectLabError(lab.call('submitCorrupt', { ...base, recipe: { steps: [{ corruption: 'saturate' }] } }), 'bad_input', /grey images have none/);
    await expectLabError(lab.call('submitCorrupt', { ...base, recipe: { steps: [{ corruption: 'fog', severity: 0 }] } }), 'bad_input', /severity/);
    await expectLabError(lab.call('submitCorrupt', { ...base, recipe: { steps: [{ corruption: 'fog' }] }, name: 'digits-c' }), 'conflict', /already exists/);
    await expectLabError(lab.call('submitCorrupt', { ...base, recipe: { steps: [{ corruption: 'data/backdoor', params: { target: 10 } }] } }), 'bad_input', /target class 10 does not exist/);
    await expectLabError(lab.call('submitCorrupt', { ...base, recipe: { steps: [{ corruption: 'labels/transition', matrix: [[1]] }] } }), 'bad_input', /10 rows/);
    await expectLabError(lab.call('submitCorrupt', { ...base, dataset: 'nope', recipe: { steps: [{ corruption: 'fog' }] } }), 'not_found', /No dataset "nope"/);
  });

  it('a cancelled job leaves no dataset folder and no row', async () => {
    const before = datasetDirs();
    const rows = lab.store.listDatasets().length;
    let cancelled = false;
    const off = lab.onEvent((e) => {
      if (e.type === 'progress' && !cancelled) {
        cancelled = true;
        void lab.call('cancelRun', { runId: e.runId });
      }
    });
    const run: RunInfo = await lab.call('submitCorrupt', { kind: 'corrupt', dataset: 'mnist-digits', recipe: { steps: [{ corruption: 'mnistc/fog' }, { corruption: 'elastic_transform' }] }, name: 'never' });
    const done = await lab.waitForRun(run.id);
    off();
    expect(done.status).toBe('cancelled');
    expect(datasetDirs()).toEqual(before);
    expect(lab.store.listDatasets().length).toBe(rows);
    expect(lab.store.findDatasetByName('never')).toBeNull();
  });

  it('a save that fails at the last moment removes the written folder (in-process)', async () => {
    const before = datasetDirs();
    await expectLabError(
      corruptDataset(lab.store, { kind: 'corrupt', dataset: 'mnist-digits', recipe: { steps: [{ corruption: 'contrast', params: {} }] }, splits: ['test'], name: 'half-saved' }, {
        tick: async () => {},
        beforeInsert: () => {
          throw new LabError('cancelled', 'Cancelled by the user.');
        },
      }),
      'cancelled',
      /Cancelled/,
    );
    expect(datasetDirs()).toEqual(before);
    expect(lab.store.findDatasetByName('half-saved')).toBeNull();
  });
});

describe('corruption benchmark', () => {
  it('scores a model against a baseline: accuracy matrix, CE and relative CE', async () => {
    const train = async (seed: number, limit: number) => {
      const r = await lab.call('submitTrain', {
        kind: 'train',
        dataset: 'mnist-digits',
        arch: 'mlp',
        epochs: 1,
        batchSize: 50,
        optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9 },
        seed,
        limit,
        testLimit: 100,
      });
      const d = await lab.waitForRun(r.id);
      expect(d.status, d.error ?? '').toBe('finished');
      return d.modelId!;
    };
    const model = await train(1, 1500);
    const baseline = await train(2, 300);
    const corruptions = ['gaussian_noise', 'mnistc/shear', 'contrast'];
    const run = await lab.call('submitEval', { kind: 'eval', model, dataset: 'mnist-digits', benchmark: 'corruptions', corruptions, severities: [1, 3, 5], baselineModel: baseline, limit: 300 });
    expect(run.name).toMatch(/^corruptions-/);
    const done = await lab.waitForRun(run.id);
    expect(done.status, done.error ?? '').toBe('finished');
    const ev = (await lab.call('getRun', { runId: run.id })).evaluations[0];
    const d = ev.details as { accuracy: number[][]; baseline: { accuracy: number[][]; cleanAccuracy: number }; ce: number[]; relativeCe: number[]; mCE: number; relativeMCE: number; corruptions: string[]; severities: number[] };
    expect(ev.attack.name).toBe('corruptions');
    expect(ev.count).toBe(300);
    expect(d.corruptions).toEqual(corruptions);
    expect(d.severities).toEqual([1, 3, 5]);
    expect(d.accuracy).toHaveLength(3);
    for (const row of d.accuracy) expect(row).toHaveLength(3);
    // Gaussian noise and contrast hurt more at severity 5 than at 1.
    expect(d.accuracy[2][2]).toBeLessThan(d.accuracy[2][0]);
    // CE_c = Σ_s E^f / Σ_s E^b, relative CE = Σ_s (E^f − E^f_clean) / Σ_s (E^b − E^b_clean).
    const s = benchmarkScores(d.accuracy, ev.cleanAccuracy, d.baseline.accuracy, d.baseline.cleanAccuracy);
    for (let c = 0; c < 3; c++) {
      const ef = d.accuracy[c].reduce((a, v) => a + 1 - v, 0);
      const eb = d.baseline.accuracy[c].reduce((a, v) => a + 1 - v, 0);
      expect(d.ce[c]).toBeCloseTo(ef / eb, 10);
      expect(s.ce[c]).toBeCloseTo(d.ce[c], 10);
    }
    expect(d.mCE).toBeCloseTo((d.ce[0] + d.ce[1] + d.ce[2]) / 3, 10);
    expect(d.relativeMCE).toBeCloseTo(s.relativeMCE!, 10);
    expect(done.latestMetrics.mce).toBeCloseTo(d.mCE, 10);
    expect(ev.robustAccuracy).toBeCloseTo(d.accuracy.flat().reduce((a, b) => a + b, 0) / 9, 10);
    await expectLabError(
      lab.call('submitEval', { kind: 'eval', model, dataset: 'mnist-digits', benchmark: 'corruptions', corruptions: ['labels/symmetric'] }),
      'bad_input',
      /image corruptions only/,
    );
    await expectLabError(lab.call('submitEval', { kind: 'eval', model, dataset: 'mnist-digits', benchmark: 'corruptions', baselineModel: 'nope' }), 'not_found', /No model "nope"/);
  });

  it('benchmark scores without a baseline leave CE empty', () => {
    const s = benchmarkScores([[0.9, 0.8]], 0.95, null, null);
    expect(s.ce).toEqual([null]);
    expect(s.mCE).toBeNull();
    expect(s.meanAccuracy).toBeCloseTo(0.85, 10);
    const t = benchmarkScores([[0.9, 0.7]], 0.95, [[0.8, 0.5]], 0.9);
    expect(t.ce[0]).toBeCloseTo(0.4 / 0.7, 10);
    expect(t.relativeCe[0]).toBeCloseTo((0.05 + 0.25) / (0.1 + 0.4), 10);
  });
});

describe('CLI', () => {
  const cli = (args: string[]) =>
    spawnSync(process.execPath, [path.resolve('bin/robustlab.mjs'), '--lab', dir, '--backend', 'wasm', ...args], { encoding: 'utf8', timeout: 120_000 });
  const last = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop()!);

  it('corruptions list --json, corrupt --corruption and --recipe, bad input exits 2', () => {
    const list = cli(['corruptions', 'list', '--json']);
    expect(list.status, list.stderr).toBe(0);
    const l = last(list.stdout);
    expect(l.corruptions.find((c: { name: string }) => c.name === 'jpeg_compression')).toMatchObject({ family: 'digital', severities: [1, 2, 3, 4, 5] });

    const one = cli(['corrupt', '--dataset', 'mnist-digits', '--corruption', 'mnistc/shear', '--severity', '2', '--seed', '3', '--name', 'cli-shear', '--split', 'test', '--json']);
    expect(one.status, one.stderr).toBe(0);
    const j = last(one.stdout);
    expect(j).toMatchObject({ status: 'finished', dataset_name: 'cli-shear', splits: { test: { count: 2000 } } });
    expect(j.images_per_s).toBeGreaterThan(0);

    const file = path.join(dir, 'recipe.json');
    fs.writeFileSync(file, JSON.stringify({ steps: [{ corruption: 'data/backdoor', params: { fraction: 0.05, target: 0 } }], seed: 1 }));
    const rec = cli(['corrupt', '--dataset', 'mnist-digits', '--recipe', file, '--name', 'cli-backdoor', '--split', 'train', '--json']);
    expect(rec.status, rec.stderr).toBe(0);
    expect(last(rec.stdout).splits.train.poisoned).toBe(400);

    const bad = cli(['corrupt', '--dataset', 'mnist-digits', '--corruption', 'fog', '--severity', '6', '--json']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/severity/i);
  });
});
