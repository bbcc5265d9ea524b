/**
 * The warm worker pool of the job queue (#12), with real worker processes: a finished job's worker
 * runs the next job (same pid), with results bit-identical to a fresh worker's; a worker is
 * recycled after a failed job and after a cancel; kill -9 of a warm worker mid-job leaves the run
 * interrupted with its metrics, and the next job gets a new worker.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../../src/core/service';
import { LabStore } from '../../src/core/store/store';
import type { TrainSpecInput } from '../../src/shared/schemas';
import { METRIC } from '../../src/shared/constants';
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
  epochs: 1,
  batchSize: 50,
  optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9 },
  seed: 5,
  limit: 500,
  testLimit: 200,
  logEvery: 1,
  ...over,
});

function peek<T>(f: (s: LabStore) => T): T {
  const s = LabStore.open(dir);
  try {
    return f(s);
  } finally {
    s.close();
  }
}
const workerPid = (runId: string) => peek((s) => s.getRun(runId).workerPid);

async function train(over: Partial<TrainSpecInput> = {}) {
  const run = await lab.call('submitTrain', tiny(over));
  const done = await lab.waitForRun(run.id);
  return { done, detail: await lab.call('getRun', { runId: run.id }), pid: workerPid(run.id) };
}

async function untilMetrics(runId: string, n: number): Promise<void> {
  let seen = 0;
  await new Promise<void>((resolve) => {
    const off = lab.onEvent((e) => {
      if (e.type === 'metric' && e.runId === runId && ++seen >= n) {
        off();
        resolve();
      }
    });
  });
}

describe('warm workers', () => {

  it('reuses the worker of a finished job, with results bit-identical to a fresh worker', async () => {
    const a = await train();
    const b = await train();
    expect(a.done.status).toBe('finished');
    expect(b.done.status).toBe('finished');
    expect(a.pid).toBeGreaterThan(0);
    // The same process ran both jobs: the first one fresh, the second one warm.
    expect(b.pid).toBe(a.pid);
    expect(lab.queue.idleWorkerPids).toEqual([a.pid]);
    // Every logged value but the wall-clock ones (the warm worker is faster), to the bit.
    const keys = Object.keys(a.detail.metrics)
      .filter((k) => k !== METRIC.trainSeconds && k !== METRIC.trainImagesPerSec)
      .sort();
    expect(keys.length).toBeGreaterThan(3);
    expect(Object.keys(b.detail.metrics).sort()).toEqual(Object.keys(a.detail.metrics).sort());
    expect(keys).toContain('train/loss');
    for (const k of keys) expect(b.detail.metrics[k].map((p) => p.value)).toEqual(a.detail.metrics[k].map((p) => p.value));
    // And a different job on the warm worker matches the same job on a fresh one.
    const evalSpec = { kind: 'eval' as const, model: b.detail.model!.id, dataset: 'mnist-digits', limit: 200, attack: { name: 'pgd', params: { eps: 0.1, steps: 5 } } };
    const warm = await lab.waitForRun((await lab.call('submitEval', evalSpec)).id);
    expect(workerPid(warm.id)).toBe(a.pid);
    process.env.ROBUSTLAB_WORKER_POOL = '0';
    try {
      const fresh = await lab.waitForRun((await lab.call('submitEval', evalSpec)).id);
      expect(workerPid(fresh.id)).not.toBe(a.pid);
      const measured = (m: Record<string, number>) => Object.fromEntries(Object.entries(m).filter(([k]) => !k.endsWith('_seconds')));
      expect(Object.keys(measured(warm.latestMetrics)).length).toBeGreaterThan(5);
      expect(measured(fresh.latestMetrics)).toEqual(measured(warm.latestMetrics));
      expect(warm.latestMetrics.robust_accuracy).toBeLessThan(warm.latestMetrics.clean_accuracy);
    } finally {
      delete process.env.ROBUSTLAB_WORKER_POOL;
    }
  }, 90_000);

  it('recycles the worker after a cancel: the next job runs in a new process', async () => {
    if (!lab.queue.idleWorkerPids.length) await train();
    const before = lab.queue.idleWorkerPids[0];
    const run = await lab.call('submitTrain', tiny({ epochs: 50, limit: 2000 }));
    await untilMetrics(run.id, 3);
    expect(workerPid(run.id)).toBe(before);
    await lab.call('cancelRun', { runId: run.id });
    expect((await lab.waitForRun(run.id)).status).toBe('cancelled');
    const next = await train();
    expect(next.done.status).toBe('finished');
    expect(next.pid).not.toBe(before);
  }, 90_000);

  it('recycles the worker after a failed job', async () => {
    const warm = (await train()).pid;
    expect(lab.queue.idleWorkerPids).toContain(warm);
    // The job passes its submit checks, then cannot read its test images.
    const ds = peek((s) => s.getDataset('mnist-digits'));
    const file = path.join(dir, 'datasets', ds.id, 'test-labels.npy');
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(file, 'not a numpy file');
    let failed;
    try {
      failed = await lab.waitForRun((await lab.call('submitEval', { kind: 'eval', model: (await lab.call('listModels', {}))[0].id, dataset: 'mnist-digits', limit: 50 })).id);
    } finally {
      fs.writeFileSync(file, bytes);
    }
    expect(failed.status).toBe('failed');
    expect(workerPid(failed.id)).toBe(warm);
    const next = await train();
    expect(next.done.status).toBe('finished');
    expect(next.pid).not.toBe(warm);
  }, 90_000);

  it('kill -9 of a warm worker mid-job: run interrupted with its metrics, the pool starts a new worker', async () => {
    const warm = (await train()).pid!;
    const run = await lab.call('submitTrain', tiny({ epochs: 50, limit: 2000 }));
    await untilMetrics(run.id, 5);
    expect(workerPid(run.id)).toBe(warm);
    process.kill(warm, 'SIGKILL');
    const done = await lab.waitForRun(run.id);
    expect(done.status).toBe('interrupted');
    expect(done.error).toMatch(/stopped unexpectedly/);
    const d = await lab.call('getRun', { runId: run.id });
    expect(d.metrics['train/loss'].length).toBeGreaterThanOrEqual(5);
    expect(lab.queue.idleWorkerPids).toEqual([]);
    const next = await train();
    expect(next.done.status).toBe('finished');
    expect(next.pid).not.toBe(warm);
    expect(lab.queue.idleWorkerPids).toEqual([next.pid]);
  }, 90_000);
});
