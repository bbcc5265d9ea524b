/**
 * The history commands of `robustlab` as a person runs them: separate processes, --json, one lab
 * folder with runs written through the store (no training needed to test the history).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabStore, newId } from '../../src/core/store/store';
import { tmpDir } from '../helpers/tmp';

const BIN = path.resolve(__dirname, '../../bin/robustlab.mjs');
let lab: string;
let lab2: string;
const cleanups: (() => void)[] = [];
const ids: Record<string, string> = {};

function cli(dir: string, args: string[]) {
  const r = spawnSync(process.execPath, [BIN, '--lab', dir, ...args], { encoding: 'utf8', env: { ...process.env, ROBUSTLAB_BACKEND: 'cpu' }, timeout: 60_000 });
  const lines = r.stdout.trim().split('\n');
  let json: Record<string, any> | null = null;
  try {
    json = JSON.parse(lines[lines.length - 1]);
  } catch {
    json = null;
  }
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, json };
}

beforeAll(() => {
  const a = tmpDir('robustlab-cli-history-');
  const b = tmpDir('robustlab-cli-history2-');
  cleanups.push(a.cleanup, b.cleanup);
  lab = a.dir;
  lab2 = b.dir;
  const s = LabStore.open(lab);
  const ds = s.insertDataset({ id: newId('ds'), name: 'digits', source: 'test', height: 2, width: 2, channels: 1, numClasses: 2, classNames: ['a', 'b'], splits: { test: { count: 4 } }, files: {}, parentId: null, recipe: null });
  for (const [name, method, eps, clean, robust] of [
    ['erm run', 'erm', 0.1, 0.95, 0.05],
    ['trades run', 'trades', 0.3, 0.85, 0.45],
    ['pgd run', 'pgd-at', 0.3, 0.8, 0.4],
  ] as const) {
    const id = newId('r');
    ids[method] = id;
    const spec = { kind: 'train', name, dataset: 'digits', arch: 'mlp', method, methodParams: { eps }, epochs: 2, optimizer: { name: 'sgd', lr: 0.1 } };
    s.insertRun({ id, kind: 'train', name, spec: spec as never, datasetId: ds.id, modelId: null, params: { method, arch: 'mlp', 'methodParams.eps': String(eps), epochs: '2', 'optimizer.lr': '0.1' } });
    s.logMetrics(id, [
      { key: 'test/accuracy', step: 1, value: clean - 0.1 },
      { key: 'test/accuracy', step: 2, value: clean },
      { key: 'test/pgd_accuracy', step: 1, value: robust / 2 },
      { key: 'test/pgd_accuracy', step: 2, value: robust },
    ]);
    const art = s.writeArtifact(Buffer.from(`weights ${name}`), 'safetensors');
    const m = s.insertModel({ id: newId('m'), name, arch: 'mlp', inputShape: [2, 2, 1], numClasses: 2, paramCount: 1, source: 'trained', datasetId: ds.id, runId: id, parentId: null, sha256: art.sha256, sizeBytes: art.size, artifact: art.rel });
    s.setRunModel(id, m.id);
    s.endRun(id, 'finished');
  }
  s.close();
});
afterAll(() => cleanups.forEach((c) => c()));

describe('robustlab history commands', () => {
  it('list with a query, a sort and columns; a bad query is one sentence and exit 2', () => {
    const r = cli(lab, ['runs', 'list', '--query', 'methodParams.eps = 0.3 and metrics.test/pgd_accuracy > 0.1', '--sort', '-metrics.test/pgd_accuracy', '--columns', 'name,method,metrics.test/accuracy', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json!.total).toBe(2);
    expect(r.json!.runs.map((x: { name: string }) => x.name)).toEqual(['trades run', 'pgd run']);
    expect(r.json!.runs[0].columns).toEqual({ name: 'trades run', method: 'trades', 'metrics.test/accuracy': 0.85 });
    const bad = cli(lab, ['runs', 'list', '--query', 'method = ', '--json']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toEqual(['robustlab: Query error at position 10: expected a value after params.method = (a number, a word or "quoted text") but found the end of the query.']);
  });

  it('tag, star, archive, group; delete and restore', () => {
    expect(cli(lab, ['runs', 'tag', ids.erm, 'baseline', '--json']).json).toMatchObject({ tags: ['baseline'] });
    expect(cli(lab, ['runs', 'star', ids.trades, '--json']).code).toBe(0);
    expect(cli(lab, ['runs', 'list', '--query', 'tag:baseline or star', '--json']).json!.total).toBe(2);
    expect(cli(lab, ['runs', 'archive', ids['pgd-at'], '--json']).code).toBe(0);
    expect(cli(lab, ['runs', 'list', '--json']).json!.total).toBe(2);
    const g = cli(lab, ['runs', 'group', 'method', '--archived', '--metric', 'test/pgd_accuracy', '--json']);
    expect(g.json!.groups).toHaveLength(3);
    expect(g.json!.groups.find((x: { value: string }) => x.value === 'trades')).toMatchObject({ count: 1, best_value: 0.45 });
    expect(cli(lab, ['runs', 'unarchive', ids['pgd-at'], '--json']).code).toBe(0);
    const del = cli(lab, ['runs', 'delete', ids['pgd-at'], '--json']);
    expect(del.json).toMatchObject({ deleted: [ids['pgd-at']], purged: false });
    expect(cli(lab, ['runs', 'list', '--archived', '--json']).json!.total).toBe(2);
    expect(cli(lab, ['runs', 'restore', ids['pgd-at'], '--json']).json).toMatchObject({ restored: [ids['pgd-at']] });
  });

  it('compare: differences, Pareto front, CSV and HTML reports', () => {
    const out = path.join(lab, 'cmp.csv');
    const c = cli(lab, ['compare', ids.erm, ids.trades, ids['pgd-at'], '--report', out, '--json']);
    expect(c.code, c.stderr).toBe(0);
    expect(c.json!.params.map((p: { key: string }) => p.key)).toEqual(['method', 'methodParams.eps', 'name']);
    // (0.95, 0.05) and (0.85, 0.45) are the front; (0.8, 0.4) is dominated by (0.85, 0.45).
    expect(c.json!.scatter.points.map((p: { pareto: boolean }) => p.pareto)).toEqual([true, true, false]);
    expect(fs.readFileSync(out, 'utf8')).toContain(`scatter,${ids['pgd-at']},pgd run,pareto_front,,0`);
    const html = path.join(lab, 'cmp.html');
    expect(cli(lab, ['compare', ids.erm, ids.trades, '--report', html, '--json']).code).toBe(0);
    expect(fs.readFileSync(html, 'utf8')).toMatch(/^<!doctype html>[\s\S]*<svg[\s\S]*Pareto front/);
  });

  it('export and import an archive: twice imports once; a damaged one changes nothing', () => {
    const file = path.join(lab, 'runs.robustlab.gz');
    const ex = cli(lab, ['runs', 'export', ids.erm, ids.trades, '--out', file, '--json']);
    expect(ex.json).toMatchObject({ runs: 2, models: 2, datasets: 1 });
    const first = cli(lab2, ['runs', 'import', file, '--json']);
    expect(first.json!.imported.sort()).toEqual([ids.erm, ids.trades].sort());
    expect(cli(lab2, ['runs', 'import', file, '--json']).json).toMatchObject({ imported: [], models: 0 });
    expect(cli(lab2, ['runs', 'list', '--query', 'tag:baseline', '--json']).json!.total).toBe(1);
    const broken = path.join(lab, 'broken.gz');
    fs.writeFileSync(broken, fs.readFileSync(file).subarray(0, 200));
    const bad = cli(lab2, ['runs', 'import', broken, '--json']);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/is damaged or not a Robustness Lab run archive/);
    expect(cli(lab2, ['runs', 'list', '--json']).json!.total).toBe(2);
  });
});
