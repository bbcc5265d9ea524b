/**
 * The Lab facade end to end on a real SQLite file and real worker processes: train, evaluate,
 * determinism, cancel, and a worker killed mid-training.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../../src/core/service';
import { LabStore } from '../../src/core/store/store';
import { recoverInterruptedRuns } from '../../src/core/jobs/queue';
import { LabError } from '../../src/shared/errors';
import type { LabEvent, TrainSpecInput } from '../../src/shared/schemas';
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

const tiny = (over: Partial<TrainSpecInput> = {}): TrainSpecInput => ({
  kind: 'train',
  dataset: 'mnist-digits',
  arch: 'mlp',
  epochs: 2,
  batchSize: 50,
  optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9 },
  seed: 3,
  limit: 1000,
  testLimit: 500,
  logEvery: 5,
  ...over,
});

async function expectLabError(p: Promise<unknown>, code: string, re: RegExp) {
  try {
    await p;
    expect.unreachable('expected an error');
  } catch (e) {
    expect(e).toBeInstanceOf(LabError);
    expect((e as LabError).code).toBe(code);
    expect((e as LabError).message).toMatch(re);
  }
}

describe('a lab folder', () => {
  it('has the built-in mnist-digits dataset with 8000 train and 2000 test images', async () => {
    const ds = await lab.call('listDatasets', {});
    const m = ds.find((d) => d.name === 'mnist-digits')!;
    expect(m.splits.train?.count).toBe(8000);
    expect(m.splits.test?.count).toBe(2000);
    expect(m.numClasses).toBe(10);
    const samples = await lab.call('datasetSamples', { dataset: 'mnist-digits', perClass: 3 });
    expect(samples.classes).toHaveLength(10);
    for (const c of samples.classes) {
      expect(c.images).toHaveLength(3);
      expect(Buffer.from(c.images[0], 'base64')).toHaveLength(28 * 28);
    }
  });
});

describe('training', () => {
  let runId: string;
  it('trains a small MLP, logs its curves and stores the model', async () => {
    const events: LabEvent[] = [];
    const off = lab.onEvent((e) => events.push(e));
    const run = await lab.call('submitTrain', tiny());
    expect(run.status).toBe('queued');
    runId = run.id;
    const done = await lab.waitForRun(run.id);
    off();
    expect(done.status).toBe('finished');
    expect(done.backend).toBe('wasm');
    // 1000 images, batch 50, 2 epochs: 40 steps; the loss is logged every 5 steps.
    const detail = await lab.call('getRun', { runId: run.id });
    expect(detail.metrics['train/loss'].map((p) => p.step)).toEqual([5, 10, 15, 20, 25, 30, 35, 40]);
    expect(detail.metrics['test/accuracy'].map((p) => p.step)).toEqual([1, 2]);
    const acc = done.latestMetrics['test/accuracy'];
    // 1000 MNIST digits, 40 SGD steps: far above chance (10 %); measured 73 % on wasm.
    expect(acc).toBeGreaterThan(0.65);
    const losses = detail.metrics['train/loss'].map((p) => p.value);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
    expect(detail.model?.arch).toBe('mlp');
    expect(detail.model?.paramCount).toBe(784 * 256 + 256 + 256 * 256 + 256 + 256 * 10 + 10);
    // Progress events carried epochs, ETA and throughput.
    const progress = events.filter((e): e is Extract<LabEvent, { type: 'progress' }> => e.type === 'progress' && e.runId === run.id);
    expect(progress.length).toBeGreaterThan(10);
    expect(progress.some((p) => p.etaSeconds !== undefined && p.imagesPerSec !== undefined)).toBe(true);
    expect(events.some((e) => e.type === 'run' && e.status === 'running')).toBe(true);
    // The spec is stored with defaults filled in, so it can be repeated.
    expect(done.spec).toMatchObject({ kind: 'train', method: 'erm', methodParams: {}, schedule: { name: 'constant' } });
  });

  it('gives the same numbers for the same spec and seed, different ones for another seed', async () => {
    const again = await lab.waitForRun((await lab.call('submitTrain', tiny())).id);
    const first = await lab.call('getRun', { runId });
    const second = await lab.call('getRun', { runId: again.id });
    expect(second.metrics['train/loss'].map((p) => p.value)).toEqual(first.metrics['train/loss'].map((p) => p.value));
    expect(second.run.latestMetrics['test/accuracy']).toBe(first.run.latestMetrics['test/accuracy']);
    expect(second.model?.sha256).toBe(first.model?.sha256);
    const other = await lab.waitForRun((await lab.call('submitTrain', tiny({ seed: 4, epochs: 1 }))).id);
    const o = await lab.call('getRun', { runId: other.id });
    expect(o.metrics['train/loss'][0].value).not.toBe(first.metrics['train/loss'][0].value);
  });

  it('evaluates the model clean and under PGD, and PGD never beats clean accuracy', async () => {
    const detail = await lab.call('getRun', { runId });
    const modelId = detail.model!.id;
    const clean = await lab.waitForRun((await lab.call('submitEval', { kind: 'eval', model: modelId, dataset: 'mnist-digits', limit: 300 })).id);
    expect(clean.status).toBe('finished');
    const pgdRun = await lab.waitForRun(
      (await lab.call('submitEval', { kind: 'eval', model: modelId, dataset: 'mnist-digits', limit: 300, attack: { name: 'pgd', params: { eps: 0.1, steps: 10 } } })).id,
    );
    expect(pgdRun.status).toBe('finished');
    const evs = await lab.call('listEvaluations', { modelId });
    const e = evs.find((x) => x.runId === pgdRun.id)!;
    expect(e.count).toBe(300);
    expect(e.cleanAccuracy).toBe(clean.latestMetrics.clean_accuracy);
    // An undefended MLP loses most of its accuracy at eps 0.1.
    expect(e.robustAccuracy!).toBeLessThan(e.cleanAccuracy * 0.5);
    const perClass = e.details.perClass as { count: number }[];
    expect(perClass.reduce((s, p) => s + p.count, 0)).toBe(300);
    // The training run's page lists the model's evaluations.
    expect((await lab.call('getRun', { runId })).evaluations.length).toBeGreaterThanOrEqual(2);
  });
});

describe('bad input changes nothing', () => {
  it('refuses unknown names and out-of-range values with one sentence', async () => {
    const before = (await lab.call('listRuns', {})).length;
    await expectLabError(lab.call('submitTrain', tiny({ arch: 'resnet-9000' })), 'bad_input', /Unknown architecture "resnet-9000"/);
    await expectLabError(lab.call('submitTrain', tiny({ dataset: 'nope' })), 'not_found', /No dataset "nope"/);
    await expectLabError(lab.call('submitTrain', tiny({ epochs: 0 })), 'bad_input', /Invalid value for "epochs": Epochs must be at least 1/);
    await expectLabError(lab.call('submitTrain', tiny({ optimizer: { name: 'sgd', lr: -1 } })), 'bad_input', /Invalid value for "optimizer.lr": Learning rate must be above 0/);
    await expectLabError(lab.call('submitEval', { kind: 'eval', model: 'missing', dataset: 'mnist-digits' }), 'not_found', /No model "missing"/);
    const model = (await lab.call('listModels', {}))[0];
    await expectLabError(
      lab.call('submitEval', { kind: 'eval', model: model.id, dataset: 'mnist-digits', attack: { name: 'pgd', params: { eps: -1 } } }),
      'bad_input',
      /must be at least 0/,
    );
    expect((await lab.call('listRuns', {})).length).toBe(before);
  });
});

describe('cancel and crashes', () => {
  it('cancels a running job; the run ends as cancelled with its metrics so far', async () => {
    const run = await lab.call('submitTrain', tiny({ epochs: 50, limit: 2000, logEvery: 1 }));
    await new Promise<void>((resolve) => {
      const off = lab.onEvent((e) => {
        if (e.type === 'metric' && e.runId === run.id) {
          off();
          resolve();
        }
      });
    });
    await lab.call('cancelRun', { runId: run.id });
    const done = await lab.waitForRun(run.id);
    expect(done.status).toBe('cancelled');
    const d = await lab.call('getRun', { runId: run.id });
    expect(d.metrics['train/loss'].length).toBeGreaterThan(0);
    expect(d.model).toBeNull();
    await expectLabError(lab.call('cancelRun', { runId: run.id }), 'conflict', /already ended/);
  });

  it('a worker killed with SIGKILL leaves the run interrupted with every metric logged before the kill', async () => {
    const run = await lab.call('submitTrain', tiny({ epochs: 50, limit: 2000, logEvery: 1 }));
    let seen = 0;
    await new Promise<void>((resolve) => {
      const off = lab.onEvent((e) => {
        if (e.type === 'metric' && e.runId === run.id && ++seen >= 5) {
          off();
          resolve();
        }
      });
    });
    const pid = peek(dir, (s) => s.getRun(run.id).workerPid);
    expect(pid).toBeGreaterThan(0);
    process.kill(pid!, 'SIGKILL');
    const done = await lab.waitForRun(run.id);
    expect(done.status).toBe('interrupted');
    expect(done.error).toMatch(/stopped unexpectedly/);
    const d = await lab.call('getRun', { runId: run.id });
    expect(d.metrics['train/loss'].length).toBeGreaterThanOrEqual(5);
    // The store is readable and consistent.
    expect(peek(dir, (s) => s.db.pragma('integrity_check', { simple: true }))).toBe('ok');
  });

  it('a run left "running" by a dead process is marked interrupted when the lab opens', () => {
    const store = LabStore.open(dir);
    const id = 'r_fake_dead';
    store.insertRun({ id, kind: 'train', name: 'ghost', spec: { ...tiny(), method: 'erm', methodParams: {}, schedule: { name: 'constant' }, seed: 0, logEvery: 1, optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0, beta1: 0.9, beta2: 0.999 } } as never, datasetId: null, modelId: null, params: {} });
    store.markRunning(id, { backend: 'wasm', device: 'cpu', workerPid: 2 ** 22 + 12345 });
    store.logMetrics(id, [{ key: 'train/loss', step: 1, value: 1 }]);
    expect(recoverInterruptedRuns(store)).toContain(id);
    const r = store.getRun(id);
    expect(r.status).toBe('interrupted');
    expect(r.latestMetrics['train/loss']).toBe(1);
    store.close();
  });
});

/** Opens the lab database as a second process would, reads something, closes it. */
function peek<T>(labDir: string, fn: (s: LabStore) => T): T {
  const s = LabStore.open(labDir);
  try {
    return fn(s);
  } finally {
    s.close();
  }
}
