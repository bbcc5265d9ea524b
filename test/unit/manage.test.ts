/**
 * Managing what a person made (issue #17, point 8): rename, what depends on a dataset or model,
 * delete refused while anything needs it, undo within the time, gone for good after it, and the
 * weights download is the stored safetensors file byte for byte. Real SQLite file in a temp folder.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deleteItem, dependentsOf, modelWeightsFile, purgeTrash, renameDataset, renameModel, restoreDeleted, UNDO_SECONDS } from '../../src/core/manage';
import { LabStore, newId } from '../../src/core/store/store';
import { LabError } from '../../src/shared/errors';

let dir: string;
let store: LabStore;

function dataset(name: string, parentId: string | null = null): string {
  const id = newId('ds');
  fs.mkdirSync(path.join(dir, 'datasets', id), { recursive: true });
  fs.writeFileSync(path.join(dir, 'datasets', id, 'test-images.npy'), 'x');
  store.insertDataset({ id, name, source: 'idx', height: 2, width: 2, channels: 1, numClasses: 2, classNames: ['0', '1'], splits: { test: { count: 1 } }, files: {}, parentId, recipe: null });
  return id;
}
function model(name: string, datasetId: string | null, bytes = 'weights-' + name): string {
  const art = store.writeArtifact(new TextEncoder().encode(bytes), 'safetensors');
  const id = newId('m');
  store.insertModel({ id, name, arch: 'mlp', inputShape: [2, 2, 1], numClasses: 2, paramCount: 1, source: 'imported', datasetId, runId: null, parentId: null, sha256: art.sha256, sizeBytes: art.size, artifact: art.rel });
  return id;
}
const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof LabError ? `${e.code}: ${e.message}` : String(e);
  }
  return 'no error';
};

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-manage-'));
  store = LabStore.open(dir);
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('rename', () => {
  it('renames, refuses a taken dataset name and changes nothing then', () => {
    const a = dataset('a');
    dataset('b');
    renameDataset(store, a, 'a2');
    expect(store.getDataset(a).name).toBe('a2');
    expect(code(() => renameDataset(store, a, 'b'))).toMatch(/^conflict: A dataset named "b" already exists/);
    expect(store.getDataset(a).name).toBe('a2');
    const m = model('m', a);
    renameModel(store, m, 'better name');
    expect(store.getModel(m).name).toBe('better name');
  });
});

describe('delete', () => {
  it('shows and refuses what still needs a dataset, and leaves the store as it was', () => {
    const parent = dataset('parent');
    const child = dataset('child', parent);
    const m = model('trained-on-parent', parent);
    const deps = dependentsOf(store, 'dataset', parent).dependents;
    expect(deps.map((d) => `${d.kind}:${d.id}:${d.blocks}`).sort()).toEqual([`dataset:${child}:true`, `model:${m}:true`].sort());
    const before = JSON.stringify(store.listDatasets());
    expect(code(() => deleteItem(store, 'dataset', parent))).toMatch(/^conflict: "parent" is still needed by/);
    expect(JSON.stringify(store.listDatasets())).toBe(before);
    expect(fs.existsSync(path.join(dir, 'datasets', parent))).toBe(true);
  });

  it('a run deleted on the Runs page but still undoable keeps blocking, and says so', () => {
    const d = dataset('used by a hidden run');
    store.db
      .prepare(`INSERT INTO runs(id, kind, name, status, spec, dataset_id, created_at, deleted_at) VALUES ('r_hidden', 'train', 'old run', 'finished', '{}', ?, '2026-01-01', '2026-01-02')`)
      .run(d);
    const dep = dependentsOf(store, 'dataset', d).dependents[0]!;
    expect(dep).toMatchObject({ kind: 'run', name: 'old run', blocks: true });
    expect(dep.how).toContain('can still be undone');
    expect(code(() => deleteItem(store, 'dataset', d))).toMatch(/^conflict: .*run "old run"/);
  });

  it('deletes a free dataset, undoes it with its files, and removes it for good after the time', () => {
    const d = dataset('free');
    const t0 = Date.now();
    const out = deleteItem(store, 'dataset', 'free', t0);
    expect(out.name).toBe('free');
    expect(store.listDatasets().some((x) => x.id === d)).toBe(false);
    expect(fs.existsSync(path.join(dir, 'datasets', d))).toBe(false);
    const back = restoreDeleted(store, out.undoToken, t0 + 1000);
    expect(back.id).toBe(d);
    expect(store.getDataset(d).name).toBe('free');
    expect(fs.readFileSync(path.join(dir, 'datasets', d, 'test-images.npy'), 'utf8')).toBe('x');

    const again = deleteItem(store, 'dataset', d, t0);
    expect(purgeTrash(store, t0 + 1000)).toBe(0);
    expect(purgeTrash(store, t0 + UNDO_SECONDS * 1000 + 1)).toBe(1);
    expect(code(() => restoreDeleted(store, again.undoToken, t0 + 2000))).toMatch(/^not_found: Too late to undo/);
  });

  it('refuses the built-in dataset, and a model that an evaluation measured', () => {
    const id = newId('ds');
    store.insertDataset({ id, name: 'mnist-digits', source: 'builtin:mnist-digits', height: 2, width: 2, channels: 1, numClasses: 2, classNames: ['0', '1'], splits: {}, files: {}, parentId: null, recipe: null });
    expect(code(() => deleteItem(store, 'dataset', id))).toMatch(/built in/);
    const m = model('evaluated', null);
    store.db
      .prepare(`INSERT INTO evaluations(id, run_id, model_id, dataset_id, split, attack, count, clean_accuracy, robust_accuracy, details, created_at) VALUES ('e1', NULL, ?, ?, 'test', '{}', 1, 1, NULL, '{}', '2026-01-01')`)
      .run(m, id);
    expect(dependentsOf(store, 'model', m).dependents[0]).toMatchObject({ kind: 'evaluation', blocks: true });
    expect(code(() => deleteItem(store, 'model', m))).toMatch(/^conflict: "evaluated" is still needed by evaluation/);
  });

  it('keeps a weights file another model shares, and the download is the stored file', () => {
    const a = model('a', null, 'same bytes');
    const b = model('b', null, 'same bytes');
    const file = modelWeightsFile(store, b);
    expect(file.filename).toBe('b.safetensors');
    expect(Buffer.from(file.content, 'base64').toString()).toBe('same bytes');
    deleteItem(store, 'model', a);
    expect(Buffer.from(modelWeightsFile(store, b).content, 'base64').toString()).toBe('same bytes');
  });
});
