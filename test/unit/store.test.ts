import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, openDb, schemaVersion } from '../../src/core/store/db';
import { MIGRATIONS, LATEST_SCHEMA_VERSION } from '../../src/core/store/migrations';
import { LabStore, newId } from '../../src/core/store/store';
import { LabError } from '../../src/shared/errors';
import { tmpDir } from '../helpers/tmp';

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});
function lab() {
  const t = tmpDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

function trainSpec() {
  return {
    kind: 'train' as const,
    dataset: 'd',
    arch: 'mlp',
    method: 'erm',
    methodParams: {},
    epochs: 1,
    batchSize: 8,
    optimizer: { name: 'sgd' as const, lr: 0.1, momentum: 0.9, weightDecay: 0, beta1: 0.9, beta2: 0.999 },
    schedule: { name: 'constant' as const },
    seed: 0,
    logEvery: 10,
  };
}

describe('migrations', () => {
  it('create every table in WAL mode and record each version once', () => {
    const dir = lab();
    const db = openDb(dir);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type='table'").all() as { name: string }[]).map((t) => t.name);
    for (const t of ['datasets', 'models', 'runs', 'params', 'metrics', 'latest_metrics', 'evaluations', 'tags', 'schema_migrations']) {
      expect(tables).toContain(t);
    }
    // Re-opening applies nothing new.
    expect(migrate(db)).toEqual([]);
    db.close();
    const again = openDb(dir);
    expect((again.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get() as { n: number }).n).toBe(MIGRATIONS.length);
    again.close();
  });

  it('apply a later migration to an existing database without touching its rows', () => {
    const dir = lab();
    const db = openDb(dir);
    db.prepare("INSERT INTO tags(run_id, tag) SELECT 'x', 'y' WHERE 0").run();
    db.close();
    const extra = [...MIGRATIONS, { version: LATEST_SCHEMA_VERSION + 1, name: 'test column', sql: 'ALTER TABLE runs ADD COLUMN test_col TEXT' }];
    const db2 = openDb(dir, extra);
    expect(schemaVersion(db2)).toBe(LATEST_SCHEMA_VERSION + 1);
    const cols = (db2.prepare('PRAGMA table_info(runs)').all() as { name: string }[]).map((c) => c.name);
    expect(cols).toContain('test_col');
    db2.close();
  });

  it('refuse a lab written by a newer version, with a sentence saying to update', () => {
    const dir = lab();
    openDb(dir).close();
    const raw = new Database(path.join(dir, 'lab.db'));
    raw.prepare("INSERT INTO schema_migrations(version, name, applied_at) VALUES (999, 'future', 'now')").run();
    raw.close();
    expect(() => openDb(dir)).toThrowError(/newer Robustness Lab/);
  });

  it('roll back a failing migration completely', () => {
    const dir = lab();
    openDb(dir).close();
    const bad = [...MIGRATIONS, { version: LATEST_SCHEMA_VERSION + 1, name: 'broken', sql: 'CREATE TABLE ok_table(x); SELECT * FROM no_such_table;' }];
    expect(() => openDb(dir, bad)).toThrow();
    const db = openDb(dir);
    expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'ok_table'").get()).toBeUndefined();
    db.close();
  });
});

describe('LabStore', () => {
  it('keeps metric history and the latest value per key', () => {
    const store = LabStore.open(lab());
    const id = newId('r');
    store.insertRun({ id, kind: 'train', name: 'n', spec: trainSpec(), datasetId: null, modelId: null, params: { lr: '0.1' } });
    store.logMetrics(id, [
      { key: 'train/loss', step: 1, value: 2.0 },
      { key: 'train/loss', step: 2, value: 1.5 },
    ]);
    store.logMetrics(id, [{ key: 'train/loss', step: 3, value: 1.0 }]);
    // A late write for an older step does not replace the latest value.
    store.logMetrics(id, [{ key: 'train/loss', step: 2, value: 9 }]);
    const m = store.getMetrics(id);
    expect(m['train/loss'].map((p) => p.step)).toEqual([1, 2, 2, 3]);
    expect(store.getRun(id).latestMetrics['train/loss']).toBe(1.0);
    expect(store.getParams(id)).toEqual({ lr: '0.1' });
    store.close();
  });

  it('moves runs through their states and never rewrites an ended run', () => {
    const store = LabStore.open(lab());
    const id = newId('r');
    store.insertRun({ id, kind: 'train', name: 'n', spec: trainSpec(), datasetId: null, modelId: null, params: {} });
    expect(store.getRun(id).status).toBe('queued');
    expect(store.markRunning(id, { backend: 'cpu', device: 'CPU', workerPid: 1 })).toBe(true);
    expect(store.markRunning(id, { backend: 'cpu', device: 'CPU', workerPid: 1 })).toBe(false);
    expect(store.endRun(id, 'finished')).toBe(true);
    expect(store.endRun(id, 'interrupted', 'late')).toBe(false);
    const r = store.getRun(id);
    expect(r.status).toBe('finished');
    expect(r.error).toBeNull();
    expect(r.endedAt).not.toBeNull();
    store.close();
  });

  it('stores tags and notes and lists runs newest first with their tags', () => {
    const store = LabStore.open(lab());
    const a = newId('r');
    store.insertRun({ id: a, kind: 'train', name: 'a', spec: trainSpec(), datasetId: null, modelId: null, params: {} });
    const b = newId('r');
    store.insertRun({ id: b, kind: 'train', name: 'b', spec: trainSpec(), datasetId: null, modelId: null, params: {} });
    store.updateRun(a, { tags: ['baseline', 'mnist'], note: 'first try' });
    const list = store.listRuns({ limit: 10, offset: 0 });
    expect(list.map((r) => r.name)).toEqual(['b', 'a']);
    expect(list[1].tags).toEqual(['baseline', 'mnist']);
    expect(list[1].note).toBe('first try');
    store.close();
  });

  it('rejects a second dataset with the same name and names the problem', () => {
    const store = LabStore.open(lab());
    const d = { id: newId('ds'), name: 'digits', source: 'idx', height: 28, width: 28, channels: 1, numClasses: 10, classNames: [], splits: {}, files: {}, parentId: null, recipe: null };
    store.insertDataset(d);
    try {
      store.insertDataset({ ...d, id: newId('ds') });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(LabError);
      expect((e as LabError).code).toBe('conflict');
      expect((e as LabError).message).toContain('"digits" already exists');
    }
    expect(store.listDatasets()).toHaveLength(1);
    store.close();
  });

  it('writes artifacts content-addressed and atomically', () => {
    const dir = lab();
    const store = LabStore.open(dir);
    const a = store.writeArtifact(new Uint8Array([1, 2, 3]), 'bin');
    const b = store.writeArtifact(new Uint8Array([1, 2, 3]), 'bin');
    expect(a.rel).toBe(b.rel);
    expect([...store.readArtifact(a.rel)]).toEqual([1, 2, 3]);
    const files = fs.readdirSync(path.join(dir, path.dirname(a.rel)));
    expect(files.filter((f) => f.includes('.tmp-'))).toEqual([]);
    store.close();
  });
});
