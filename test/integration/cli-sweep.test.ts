/**
 * `robustlab sweep` end to end: real worker processes, two tiny trainings two at a time, each
 * model evaluated by the chained eval; one group of runs in the store; bad axes refused with
 * nothing stored.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabStore } from '../../src/core/store/store';
import { tmpDir } from '../helpers/tmp';

const BIN = path.resolve(__dirname, '../../bin/robustlab.mjs');
let lab: string;
let cleanup: () => void;

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, '--lab', lab, ...args], { encoding: 'utf8', env: { ...process.env, ROBUSTLAB_BACKEND: 'wasm', ROBUSTLAB_THREADS: '1' }, timeout: 180_000 });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  let json: Record<string, any> | null = null;
  try {
    json = JSON.parse(last);
  } catch {
    json = null;
  }
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, json };
}

beforeAll(() => {
  ({ dir: lab, cleanup } = tmpDir('robustlab-sweep-'));
  fs.writeFileSync(
    path.join(lab, 'base.json'),
    JSON.stringify({ kind: 'train', dataset: 'mnist-digits', arch: 'mlp', epochs: 1, batchSize: 50, optimizer: { name: 'sgd', lr: 0.1 }, seed: 0, limit: 200, testLimit: 100 }),
  );
  fs.writeFileSync(path.join(lab, 'eval.json'), JSON.stringify({ dataset: 'mnist-digits', attack: { name: 'fgsm', params: { eps: 0.1 } }, limit: 50 }));
});
afterAll(() => cleanup());

describe('robustlab sweep', () => {
  it('refuses a misspelt axis with one line and stores nothing', () => {
    const r = cli(['sweep', '--spec', path.join(lab, 'base.json'), '--axis', 'optimizer.lrr=0.1,0.2', '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/"optimizer.lrr" is not a setting of a train spec/);
    const list = cli(['sweeps', 'list', '--json']);
    expect(list.json!.sweeps).toEqual([]);
  });

  it('runs a grid with a chained eval as one group and names the best member', () => {
    const r = cli(['sweep', '--spec', path.join(lab, 'base.json'), '--axis', 'seed=0..1', '--then-eval', path.join(lab, 'eval.json'), '--max-parallel', '2', '--name', 'seeds', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = r.json!;
    expect(j).toMatchObject({ name: 'seeds', kind: 'train', status: 'finished', members: 2, metric: 'eval/robust_accuracy' });
    expect(j.counts).toMatchObject({ finished: 2, failed: 0 });
    expect(j.run_ids).toHaveLength(4);
    const robust = j.rows.map((row: any) => row.metrics['eval/robust_accuracy'] as number);
    for (const v of robust) expect(v).toBeGreaterThanOrEqual(0);
    expect(j.best.value).toBe(Math.max(...robust));
    expect(j.rows.map((row: any) => row.values.seed)).toEqual([0, 1]);
    // Different seeds, different models.
    expect(j.rows[0].metrics['test/accuracy']).not.toBe(j.rows[1].metrics['test/accuracy']);

    const store = LabStore.open(lab);
    try {
      const rows = store.db.prepare('SELECT id, kind, group_id, spec FROM runs WHERE group_id = ? ORDER BY created_at').all(j.id) as { id: string; kind: string; spec: string }[];
      expect(rows.map((x) => x.kind).sort()).toEqual(['eval', 'eval', 'train', 'train']);
      // Each evaluation evaluated the model its member trained.
      for (const row of j.rows) {
        const trained = store.getRun(row.run_id).modelId;
        expect(store.getRun(row.eval_run_id).spec).toMatchObject({ kind: 'eval', model: trained, attack: { name: 'fgsm' } });
      }
    } finally {
      store.close();
    }
    const shown = cli(['sweeps', 'show', j.id, '--metric', 'test/accuracy', '--json']);
    expect(shown.json!.best.value).toBe(Math.max(...j.rows.map((row: any) => row.metrics['test/accuracy'])));
  }, 150_000);
});
