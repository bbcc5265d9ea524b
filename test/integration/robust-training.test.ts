/**
 * Robust training and certification through the Lab facade (jobs run in this process) and the
 * `robustlab` command: every method's run repeats exactly from its stored spec, resuming from a
 * checkpoint gives the same model as an uninterrupted run, fine-tuning starts from the given
 * model, the per-epoch robust monitor / validation split / early stopping / best-epoch keeping
 * work, and evaluations report certified accuracy.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../../src/core/service';
import { LabError } from '../../src/shared/errors';
import type { TrainSpecInput } from '../../src/shared/schemas';
import { listMethods } from '../../src/core/training/methods/registry';
import { checkpointPath } from '../../src/core/training/checkpoint';
import { tmpDir } from '../helpers/tmp';
import { inProcessWorker } from '../helpers/in-process-worker';

let lab: Lab;
let dir: string;
let cleanup: () => void;

beforeAll(async () => {
  ({ dir, cleanup } = tmpDir('robustlab-robust-'));
  lab = await Lab.open({ labDir: dir, mode: 'cli', backend: 'wasm', spawnWorker: inProcessWorker });
});
afterAll(async () => {
  await lab.close();
  cleanup();
});

const spec = (over: Partial<TrainSpecInput> = {}): TrainSpecInput => ({
  kind: 'train',
  dataset: 'mnist-digits',
  arch: 'mlp',
  epochs: 1,
  batchSize: 32,
  optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9 },
  seed: 4,
  limit: 96,
  testLimit: 50,
  ...over,
});

async function train(s: TrainSpecInput) {
  const run = await lab.call('submitTrain', s);
  const done = await lab.waitForRun(run.id);
  expect(done.status, `${s.method}: ${done.error}`).toBe('finished');
  const detail = await lab.call('getRun', { runId: run.id });
  return { run: done, detail, model: detail.model! };
}

describe('reproducibility', () => {
  it('every method gives the same model twice from the same stored spec', async () => {
    const quick: Record<string, Record<string, number | string>> = {
      'pgd-at': { steps: 2 },
      trades: { steps: 2 },
      mart: { steps: 2 },
      awp: { steps: 2 },
      avmixup: { steps: 2 },
      dafa: { steps: 2 },
    };
    for (const m of listMethods()) {
      const s = spec({ method: m.name, methodParams: quick[m.name] ?? {}, epochs: m.name === 'dafa' ? 2 : 1, limit: 64 });
      const a = await train(s);
      // The second run is submitted from the first run's stored spec, as a person would repeat it.
      const stored = a.run.spec as TrainSpecInput;
      const b = await train({ ...stored, name: undefined });
      expect(b.model.sha256, m.name).toBe(a.model.sha256);
      expect(b.run.latestMetrics['train/epoch_loss'], m.name).toBe(a.run.latestMetrics['train/epoch_loss']);
    }
  });
});

describe('training features', () => {
  it('logs the robust monitor, validation metrics and method metrics; stops early and keeps the best epoch', async () => {
    const { run, detail } = await train(
      spec({
        method: 'pgd-at',
        methodParams: { eps: 0.1, steps: 3 },
        epochs: 4,
        limit: 300,
        valFraction: 0.2,
        monitor: { count: 40, pgdSteps: 3, certify: 'ibp' },
        earlyStopping: { metric: 'robust', patience: 1 },
        keepBest: 'robust',
      }),
    );
    for (const key of ['train/adv_accuracy', 'test/pgd_accuracy', 'test/certified_accuracy', 'val/accuracy', 'val/loss', 'val/pgd_accuracy', 'val/certified_accuracy', 'best/epoch', 'best/robust']) {
      expect(detail.metrics[key], key).toBeDefined();
    }
    const epochs = detail.metrics['val/pgd_accuracy'].length;
    const values = detail.metrics['val/pgd_accuracy'].map((p) => p.value);
    const bestEpoch = run.latestMetrics['best/epoch'];
    expect(values[bestEpoch - 1]).toBe(Math.max(...values));
    if (epochs < 4) {
      // Stopped: the last epoch did not improve on the best one.
      expect(run.latestMetrics['early_stop/epoch']).toBe(epochs);
      expect(values[epochs - 1]).toBeLessThanOrEqual(values[bestEpoch - 1]);
    }
    expect(fs.existsSync(checkpointPath(dir, run.id))).toBe(true);
    // 300 images, 20 % held out: 240 train images in batches of 32 → 8 steps per epoch.
    expect(detail.metrics['train/loss'].at(-1)!.step).toBe(8 * epochs);
  });

  it('a run resumed from its checkpoint ends with the same model as an uninterrupted one', async () => {
    const base = spec({ method: 'group-dro', methodParams: { eta: 0.5 }, limit: 128, warmupEpochs: 0.5 });
    const first = await train({ ...base, epochs: 2 });
    const resumed = await train({ ...(first.run.spec as TrainSpecInput), name: undefined, epochs: 3, resumeFrom: first.run.id });
    const straight = await train({ ...base, epochs: 3 });
    expect(resumed.model.sha256).toBe(straight.model.sha256);
    expect(resumed.detail.metrics['train/epoch_loss'].map((p) => p.step)).toEqual([3]);
    // Changing a setting that shapes the training is refused.
    const changed = { ...(first.run.spec as TrainSpecInput), epochs: 3, resumeFrom: first.run.id, optimizer: { name: 'sgd' as const, lr: 0.5 } };
    const bad = await lab.waitForRun((await lab.call('submitTrain', changed)).id);
    expect(bad.status).toBe('failed');
    expect(bad.error).toMatch(/different optimizer/);
  });

  it('fine-tunes from an existing model (initModel) instead of a fresh one', async () => {
    const parent = await train(spec({ epochs: 2, limit: 400 }));
    const acc = parent.run.latestMetrics['test/accuracy'];
    // A tiny learning rate: the child must start (and stay) where the parent ended.
    const child = await train(spec({ initModel: parent.model.id, optimizer: { name: 'sgd', lr: 1e-9, momentum: 0 }, seed: 9 }));
    expect(child.run.latestMetrics['test/accuracy']).toBe(acc);
    const fresh = await train(spec({ optimizer: { name: 'sgd', lr: 1e-9, momentum: 0 }, seed: 9 }));
    expect(fresh.run.latestMetrics['test/accuracy']).toBeLessThan(acc);
  });

  it('refuses bad combinations before starting', async () => {
    await expect(lab.call('submitTrain', spec({ method: 'pgd-at', methodParams: { eps: 2 } }))).rejects.toThrow(/at most 1/);
    await expect(lab.call('submitTrain', spec({ resumeFrom: 'r_nope' }))).rejects.toBeInstanceOf(LabError);
    await expect(lab.call('submitTrain', spec({ keepBest: 'certified' }))).rejects.toThrow(/needs the per-epoch robust monitor/);
    await expect(lab.call('submitTrain', spec({ keepBest: 'clean', earlyStopping: { metric: 'loss' } }))).rejects.toThrow(/same metric/);
  });
});

describe('certified evaluation', () => {
  let modelName = '';
  it('reports certified accuracy (IBP ≤ CROWN ≤ clean) with a margin summary', async () => {
    const t = await train(spec({ method: 'ibp', methodParams: { eps: 0.1, rampEpochs: 1 }, epochs: 2, limit: 600, batchSize: 50, name: 'ibp-small' }));
    modelName = t.model.name;
    const results: Record<string, { clean: number; certified: number; median: number }> = {};
    for (const certify of ['ibp', 'crown'] as const) {
      const run = await lab.call('submitEval', { kind: 'eval', model: modelName, dataset: 'mnist-digits', certify, eps: 0.05, limit: 60 });
      const done = await lab.waitForRun(run.id);
      expect(done.status, done.error ?? '').toBe('finished');
      const ev = (await lab.call('getRun', { runId: run.id })).evaluations[0];
      expect(ev.attack).toEqual({ name: `certify-${certify}`, params: { eps: 0.05 } });
      const cert = ev.details.certified as { method: string; eps: number; perPointMarginLowerBound: { median: number; count: number; certified: number } };
      expect(cert.method).toBe(certify);
      expect(cert.perPointMarginLowerBound.count).toBe(60);
      expect(cert.perPointMarginLowerBound.certified / 60).toBeCloseTo(ev.robustAccuracy!, 10);
      expect(done.latestMetrics.certified_accuracy).toBe(ev.robustAccuracy);
      results[certify] = { clean: ev.cleanAccuracy, certified: ev.robustAccuracy!, median: cert.perPointMarginLowerBound.median };
    }
    expect(results.ibp.certified).toBeGreaterThan(0);
    expect(results.crown.certified).toBeGreaterThanOrEqual(results.ibp.certified);
    expect(results.crown.median).toBeGreaterThanOrEqual(results.ibp.median);
    expect(results.crown.clean).toBeGreaterThanOrEqual(results.crown.certified);
  });

  it('refuses certification without eps or together with an attack', async () => {
    await expect(lab.call('submitEval', { kind: 'eval', model: modelName, dataset: 'mnist-digits', certify: 'ibp' })).rejects.toThrow(/needs a radius/);
    await expect(
      lab.call('submitEval', { kind: 'eval', model: modelName, dataset: 'mnist-digits', certify: 'ibp', eps: 0.1, attack: { name: 'pgd', params: {} } }),
    ).rejects.toThrow(/replaces the attack/);
  });
});

describe('robustlab CLI', () => {
  const BIN = path.resolve(__dirname, '../../bin/robustlab.mjs');
  const cli = (args: string[]) => {
    const r = spawnSync(process.execPath, [BIN, '--lab', dir, ...args], { encoding: 'utf8', env: { ...process.env, ROBUSTLAB_BACKEND: 'wasm' }, timeout: 120_000 });
    const lines = r.stdout.trim().split('\n');
    return { code: r.status, stderr: r.stderr, json: JSON.parse(lines[lines.length - 1] || 'null') };
  };

  it('trains with a kebab-case method and --param, and evaluates with --certify', () => {
    const t = cli(['train', '--dataset', 'mnist-digits', '--arch', 'mlp', '--method', 'fgsm-rs', '--param', 'eps=0.1', '--epochs', '1', '--limit', '200', '--test-limit', '50', '--monitor-count', '30', '--name', 'cli-fgsm', '--json']);
    expect(t.code, t.stderr).toBe(0);
    expect(t.json).toMatchObject({ status: 'finished', method: 'fgsm-rs' });
    expect(typeof t.json.test_pgd_accuracy).toBe('number');
    expect(typeof t.json.train_adv_accuracy).toBe('number');
    const e = cli(['eval', '--model', 'cli-fgsm', '--dataset', 'mnist-digits', '--certify', 'ibp', '--eps', '0.01', '--limit', '40', '--json']);
    expect(e.code, e.stderr).toBe(0);
    expect(e.json).toMatchObject({ status: 'finished', certify: 'ibp', eps: 0.01, attack: 'certify-ibp' });
    expect(e.json.certified_accuracy).toBe(e.json.robust_accuracy);
    expect(e.json.certified_accuracy).toBeLessThanOrEqual(e.json.clean_accuracy);
    expect(typeof e.json.margin_lower_bound.median).toBe('number');
  });
});
