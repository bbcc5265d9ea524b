/**
 * The sweep scheduler against a real store and a scripted host (the test decides when each
 * member ends and how): max-parallel, a failed member not stopping the others, pause/resume,
 * cancel, chained evaluation of each trained model, and the summary's best member.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobSpec, RunInfo, RunStatus } from '../../src/shared/schemas';
import { LabStore, newId } from '../../src/core/store/store';
import { getSweepRecord, insertSweep, sweepDetail } from '../../src/core/sweeps/records';
import { SweepScheduler } from '../../src/core/sweeps/scheduler';
import { SweepSpecSchema } from '../../src/shared/sweeps';
import { tmpDir } from '../helpers/tmp';

let store: LabStore;
let cleanup: () => void;
let submitted: { runId: string; spec: JobSpec; groupId: string }[];
let waiters: Map<string, (s: string) => void>;
let cancelled: string[];
let parallel: number[];
let sched: SweepScheduler;

const flush = () => new Promise((r) => setTimeout(r, 5));

beforeEach(() => {
  const t = tmpDir();
  cleanup = t.cleanup;
  store = LabStore.open(t.dir);
  submitted = [];
  waiters = new Map();
  cancelled = [];
  parallel = [];
  sched = new SweepScheduler({
    store,
    submit: (spec, groupId) => {
      const id = newId('r');
      const run = store.insertRun({ id, kind: spec.kind, name: (spec as { name?: string }).name ?? id, spec, datasetId: null, modelId: null, groupId, params: {} });
      submitted.push({ runId: id, spec, groupId });
      return run as RunInfo;
    },
    waitFor: (runId) => new Promise((resolve) => waiters.set(runId, resolve)),
    cancel: (runId) => {
      cancelled.push(runId);
      end(runId, 'cancelled');
    },
    emit: () => {},
    setParallel: (n) => parallel.push(n),
  });
});
afterEach(() => {
  sched.close();
  store.close();
  cleanup();
});

function end(runId: string, status: Exclude<RunStatus, 'queued' | 'running'>, metrics: Record<string, number> = {}, modelId?: string): void {
  if (Object.keys(metrics).length) store.logMetrics(runId, Object.entries(metrics).map(([key, value]) => ({ key, step: 1, value })));
  if (modelId) store.setRunModel(runId, modelId);
  store.endRun(runId, status, status === 'failed' ? 'boom' : null);
  waiters.get(runId)?.(status);
  waiters.delete(runId);
}

function makeSweep(n: number, maxParallel: number, thenEval: Record<string, unknown> | null = null): string {
  const id = newId('sw');
  const base = { kind: 'train', dataset: 'd', arch: 'mlp', epochs: 1, batchSize: 8, optimizer: { lr: 0.1 } };
  insertSweep(store, {
    id,
    name: 'grid',
    kind: 'train',
    spec: SweepSpecSchema.parse({ base, axes: [`seed=0..${n - 1}`], maxParallel, ...(thenEval ? { thenEval } : {}) }),
    members: Array.from({ length: n }, (_, i) => ({ index: i, values: { seed: i }, spec: { ...base, seed: i } })),
    thenEval,
    maxParallel,
  });
  return id;
}

describe('sweep scheduler', () => {
  it('keeps max-parallel members in flight, goes on after a failure, and finishes', async () => {
    const id = makeSweep(5, 2);
    const done = sched.waitFor(id);
    sched.drive(id);
    expect(submitted.map((s) => (s.spec as { seed: number }).seed)).toEqual([0, 1]);
    expect(submitted.every((s) => s.groupId === id)).toBe(true);
    expect(submitted[0]!.spec.name).toBe('grid · seed=0');
    expect(parallel.at(-1)).toBe(2);
    end(submitted[0]!.runId, 'failed');
    await flush();
    expect(submitted).toHaveLength(3);
    end(submitted[1]!.runId, 'finished', { 'test/accuracy': 0.5 });
    end(submitted[2]!.runId, 'finished', { 'test/accuracy': 0.9 });
    await flush();
    expect(submitted).toHaveLength(5);
    let d = sweepDetail(store, getSweepRecord(store, id));
    expect(d.status).toBe('running');
    expect(d.counts).toMatchObject({ failed: 1, finished: 2, queued: 2 });
    expect(d.progress).toBeCloseTo(3 / 5);
    end(submitted[3]!.runId, 'finished', { 'test/accuracy': 0.7 });
    end(submitted[4]!.runId, 'interrupted');
    expect(await done).toBe('finished');
    d = sweepDetail(store, getSweepRecord(store, id));
    expect(d.status).toBe('finished');
    expect(d.counts).toMatchObject({ finished: 3, failed: 1, interrupted: 1, pending: 0 });
    expect(d.metric).toBe('test/accuracy');
    expect(d.best).toBe(2);
    expect(sweepDetail(store, getSweepRecord(store, id), 'test/accuracy', 'min').best).toBe(1);
    expect(d.runIds).toHaveLength(5);
    expect(parallel.at(-1)).toBe(0);
  });

  it('starts no new member while paused and continues after resume', async () => {
    const id = makeSweep(3, 1);
    sched.drive(id);
    expect(submitted).toHaveLength(1);
    sched.pause(id);
    end(submitted[0]!.runId, 'finished');
    await flush();
    expect(submitted).toHaveLength(1);
    expect(getSweepRecord(store, id).status).toBe('paused');
    expect(() => sched.pause(id)).toThrow(/only a running sweep can be paused/);
    sched.resume(id);
    expect(submitted).toHaveLength(2);
    end(submitted[1]!.runId, 'finished');
    await flush();
    end(submitted[2]!.runId, 'finished');
    await flush();
    expect(getSweepRecord(store, id).status).toBe('finished');
  });

  it('cancel stops the members in flight and starts no more', async () => {
    const id = makeSweep(4, 2);
    const done = sched.waitFor(id);
    sched.drive(id);
    sched.cancel(id);
    expect(await done).toBe('cancelled');
    expect(cancelled.sort()).toEqual(submitted.map((s) => s.runId).sort());
    await flush();
    expect(submitted).toHaveLength(2);
    const d = sweepDetail(store, getSweepRecord(store, id));
    expect(d.counts).toMatchObject({ cancelled: 4 });
    expect(() => sched.cancel(id)).toThrow(/already ended/);
  });

  it('evaluates each trained model with the chained eval spec, and not the failed ones', async () => {
    const id = makeSweep(2, 1, { kind: 'eval', dataset: 'd', attack: { name: 'fgsm', params: { eps: 0.1 } } });
    sched.drive(id);
    end(submitted[0]!.runId, 'finished', { 'test/accuracy': 0.8 }, 'm_first');
    await flush();
    // The evaluation of member 0 goes before member 1.
    expect(submitted[1]!.spec).toMatchObject({ kind: 'eval', model: 'm_first', attack: { name: 'fgsm' }, name: 'grid · eval · seed=0' });
    end(submitted[1]!.runId, 'finished', { robust_accuracy: 0.4, clean_accuracy: 0.8 });
    await flush();
    end(submitted[2]!.runId, 'failed');
    await flush();
    expect(submitted).toHaveLength(3);
    const d = sweepDetail(store, getSweepRecord(store, id));
    expect(d.status).toBe('finished');
    expect(d.rows[0]).toMatchObject({ status: 'finished', evalStatus: 'finished', metrics: { 'test/accuracy': 0.8, 'eval/robust_accuracy': 0.4 } });
    expect(d.rows[1]).toMatchObject({ status: 'failed', evalRunId: null });
    expect(d.metric).toBe('eval/robust_accuracy');
    expect(d.best).toBe(0);
  });
});
