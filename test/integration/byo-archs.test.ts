/**
 * Renaming and deleting stored layer-list architectures through the Lab facade (jobs in-process):
 * a model trained on an architecture (its weights file names the old architecture) stays loadable
 * and gives the same clean accuracy after a rename, by the new name; the training run's spec and
 * `arch` param follow; a delete is refused while a model uses the architecture, naming it, and a
 * refusal of any kind (built-in, bad or taken name, a queued run) leaves the store as it was.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Lab } from '../../src/core/service';
import { loadStoredModel, saveModel } from '../../src/core/store/model-files';
import { Model } from '../../src/core/models/model';
import { decodeSafetensors } from '../../src/core/models/safetensors';
import { getArchitecture, listArchitectures } from '../../src/core/models/registry';
import { inProcessWorker } from '../helpers/in-process-worker';
import { tmpDir } from '../helpers/tmp';

const FIX = fileURLToPath(new URL('../fixtures/byo/', import.meta.url));
const TINY = { name: 'tiny', input: [32, 32, 3], layers: [{ type: 'conv2d', in: 3, out: 4, kernel: 3, stride: 1, padding: 1 }, { type: 'relu' }, { type: 'maxpool', kernel: 2 }, { type: 'flatten' }, { type: 'linear', in: 1024, out: 10 }] };

let tmp: { dir: string; cleanup: () => void };
let lab: Lab;
beforeAll(async () => {
  tmp = tmpDir('robustlab-byo-archs-');
  lab = await Lab.open({ labDir: path.join(tmp.dir, 'lab'), mode: 'cli', backend: 'wasm', spawnWorker: inProcessWorker });
});
afterAll(async () => {
  await lab.close();
  tmp.cleanup();
});

async function finish(run: { id: string }) {
  const end = await lab.waitForRun(run.id);
  expect(end.error ?? null).toBeNull();
  expect(end.status).toBe('finished');
  return end;
}

/** Every row a rename or delete could touch, as text. */
function snapshot(): string {
  const db = lab.store.db;
  return JSON.stringify([
    db.prepare('SELECT * FROM architectures ORDER BY name').all(),
    db.prepare('SELECT id, name, arch FROM models ORDER BY id').all(),
    db.prepare('SELECT id, status, spec FROM runs ORDER BY id').all(),
    db.prepare(`SELECT run_id, value FROM params WHERE key = 'arch' ORDER BY run_id`).all(),
    db.prepare('SELECT id, arch FROM signatures ORDER BY id').all(),
  ]);
}

async function cleanAccuracy(model: string): Promise<number> {
  const run = await lab.call('submitEval', { kind: 'eval', model, dataset: 'c10', attack: { name: 'none', params: {} }, limit: 32 } as never);
  await finish(run);
  const ev = (await lab.call('listEvaluations', {} as never)).find((e) => e.runId === run.id)!;
  return ev.cleanAccuracy;
}

describe('renaming and deleting stored architectures', () => {
  let modelId = '';
  let trainRun = '';
  let before = 0;

  test('setup: a model trained on a stored layer list', async () => {
    await finish(await lab.call('submitImport', { kind: 'import', name: 'c10', format: 'cifar', path: path.join(FIX, 'cifar10') }));
    await lab.call('addArchitecture', { spec: TINY });
    const train = await lab.call('submitTrain', { kind: 'train', dataset: 'c10', arch: 'tiny', epochs: 1, batchSize: 20, optimizer: { name: 'sgd', lr: 0.05 }, seed: 1, limit: 40 } as never);
    await finish(train);
    trainRun = train.id;
    modelId = lab.store.getRun(train.id).modelId!;
    before = await cleanAccuracy(modelId);
    expect((await lab.call('architectureUses', { name: 'tiny' })).models.map((m) => m.id)).toEqual([modelId]);
  }, 120_000);

  test('built-in architectures are never renamed or deleted, and nothing changes', async () => {
    const s = snapshot();
    await expect(lab.call('renameArchitecture', { name: 'mlp', newName: 'my-mlp' })).rejects.toThrow('"mlp" is a built-in architecture; it cannot be renamed.');
    await expect(lab.call('deleteArchitecture', { name: 'mnist-cnn' })).rejects.toThrow('"mnist-cnn" is a built-in architecture; it cannot be deleted.');
    const uses = await lab.call('architectureUses', { name: 'mlp' });
    expect(uses.builtin).toBe(true);
    expect(uses.deleteRefusal).toMatch(/built-in/);
    await expect(lab.call('deleteArchitecture', { name: 'nope' })).rejects.toThrow(/No stored architecture "nope"/);
    expect(snapshot()).toBe(s);
  });

  test('bad, built-in and taken names are refused, and nothing changes', async () => {
    await lab.call('addArchitecture', { spec: { ...TINY, name: 'other' } });
    const s = snapshot();
    const refused: [string, RegExp][] = [
      ['Tiny Net', /cannot name an architecture: use 1–63 lower-case letters/],
      ['9lives', /cannot name an architecture/],
      ['x'.repeat(64), /cannot name an architecture/],
      ['mlp', /"mlp" is a built-in architecture; give another name/],
      ['other', /An architecture named "other" already exists/],
      ['tiny', /already called "tiny"/],
    ];
    for (const [newName, msg] of refused) {
      await expect(lab.call('renameArchitecture', { name: 'tiny', newName })).rejects.toThrow(msg);
    }
    await expect(lab.call('renameArchitecture', { name: 'tiny', newName: '' })).rejects.toThrow(/new name/);
    expect(snapshot()).toBe(s);
    expect(getArchitecture('tiny').name).toBe('tiny');
  });

  test('a queued run that needs the architecture blocks both, and nothing changes', async () => {
    const db = lab.store.db;
    db.prepare(`INSERT INTO runs(id, kind, name, status, spec, created_at) VALUES ('r-held', 'train', 'held', 'queued', ?, ?)`).run(
      JSON.stringify({ kind: 'train', dataset: 'c10', arch: 'other' }),
      new Date().toISOString(),
    );
    try {
      const s = snapshot();
      await expect(lab.call('renameArchitecture', { name: 'other', newName: 'other2' })).rejects.toThrow('The run "held" is using "other" right now; wait for it to end or cancel it, then rename.');
      await expect(lab.call('deleteArchitecture', { name: 'other' })).rejects.toThrow(/run "held" is using "other" right now/);
      expect(snapshot()).toBe(s);
    } finally {
      db.prepare(`DELETE FROM runs WHERE id = 'r-held'`).run();
    }
  });

  test('rename: the model loads and evaluates by the new name, with the same accuracy; references follow', async () => {
    const sweepSpec = JSON.stringify({ base: { kind: 'train', dataset: 'c10', arch: 'tiny' }, axes: ['seed=1,2'] });
    const members = JSON.stringify([{ index: 0, values: { seed: 1 }, spec: { kind: 'train', arch: 'tiny', seed: 1 } }, { index: 1, values: { seed: 2 }, spec: { kind: 'train', arch: 'tiny', seed: 2 } }]);
    lab.store.db
      .prepare(`INSERT INTO sweeps(id, name, kind, spec, members, status, max_parallel, created_at) VALUES ('sw-old', 'old sweep', 'train', ?, ?, 'finished', 1, ?)`)
      .run(sweepSpec, members, new Date().toISOString());
    const renamed = await lab.call('renameArchitecture', { name: 'tiny', newName: 'tiny-v2' });
    const sw = lab.store.db.prepare(`SELECT spec, members FROM sweeps WHERE id = 'sw-old'`).get() as { spec: string; members: string };
    expect(JSON.parse(sw.spec).base.arch).toBe('tiny-v2');
    expect((JSON.parse(sw.members) as { spec: { arch: string } }[]).map((m) => m.spec.arch)).toEqual(['tiny-v2', 'tiny-v2']);
    expect(renamed.name).toBe('tiny-v2');
    expect(renamed.spec!.name).toBe('tiny-v2');
    expect(renamed.summary!.params).toBe(4 * 27 + 4 + 1024 * 10 + 10);
    // The registry sees it at once.
    expect(() => getArchitecture('tiny')).toThrow(/Unknown architecture "tiny"/);
    expect(getArchitecture('tiny-v2').name).toBe('tiny-v2');
    expect(listArchitectures().map((a) => a.name)).toEqual(expect.arrayContaining(['tiny-v2', 'other']));
    expect(listArchitectures().map((a) => a.name)).not.toContain('tiny');
    // References: the model, its training run's spec and param.
    expect(lab.store.getModel(modelId).arch).toBe('tiny-v2');
    expect((JSON.parse((lab.store.db.prepare('SELECT spec FROM runs WHERE id = ?').get(trainRun) as { spec: string }).spec) as { arch: string }).arch).toBe('tiny-v2');
    expect((lab.store.db.prepare(`SELECT value FROM params WHERE run_id = ? AND key = 'arch'`).get(trainRun) as { value: string }).value).toBe('tiny-v2');
    // Loadable (its weights file still says "tiny") and evaluable, with the same result.
    const { model } = loadStoredModel(lab.store, modelId);
    expect(model.archName).toBe('tiny-v2');
    expect(await cleanAccuracy(modelId)).toBe(before);
    // Its downloaded weights name the new architecture, so they import by it (here, into the same lab).
    const w = await lab.call('exportModelWeights', { model: modelId });
    const bytes = Buffer.from(w.content, 'base64');
    expect(decodeSafetensors(bytes).metadata.robustlab_arch).toBe('tiny-v2');
    const file = path.join(tmp.dir, w.filename);
    fs.writeFileSync(file, bytes);
    const again = await lab.call('importModel', { format: 'safetensors', arch: 'tiny-v2', file, name: 'again' });
    expect(again.arch).toBe('tiny-v2');
    expect(loadStoredModel(lab.store, again.id).model.toTorchTensors()['0.weight']!.data).toEqual(model.toTorchTensors()['0.weight']!.data);
    expect((await lab.call('architectureUses', { name: 'tiny-v2' })).renameRefusal).toBeNull();
    // The training run can still be continued (its checkpoint follows the new name).
    const more = await lab.call('resumeTrain', { runId: trainRun, epochs: 2 });
    await finish(more);
    expect(lab.store.getModel(lab.store.getRun(more.id).modelId!).arch).toBe('tiny-v2');
  }, 120_000);

  test('delete is refused while a model uses it, naming the model; the store is unchanged', async () => {
    const s = snapshot();
    const names = (lab.store.db.prepare(`SELECT name FROM models WHERE arch = 'tiny-v2' ORDER BY created_at, id`).all() as { name: string }[]).map((m) => m.name);
    expect(names).toHaveLength(3); // trained, imported from its download, continued
    await expect(lab.call('deleteArchitecture', { name: 'tiny-v2' })).rejects.toThrow(
      `"tiny-v2" is used by 3 models (${names.map((n) => `"${n}"`).join(', ')}); it stays. Delete those models first if you want it gone.`,
    );
    expect((await lab.call('architectureUses', { name: 'tiny-v2' })).models.map((m) => m.name)).toEqual(names);
    expect(snapshot()).toBe(s);
    expect(getArchitecture('tiny-v2').name).toBe('tiny-v2');
  });

  test('delete of an unused architecture removes it at once; adding its layer list again brings it back', async () => {
    expect((await lab.call('architectureUses', { name: 'other' })).deleteRefusal).toBeNull();
    const gone = await lab.call('deleteArchitecture', { name: 'other' });
    expect(gone.spec.name).toBe('other');
    expect(() => getArchitecture('other')).toThrow(/Unknown architecture "other"/);
    expect((await lab.call('listArchitectures', {})).map((a) => a.name)).not.toContain('other');
    expect(lab.store.db.prepare(`SELECT count(*) AS n FROM architectures WHERE name = 'other'`).get()).toEqual({ n: 0 });
    await expect(lab.call('submitTrain', { kind: 'train', dataset: 'c10', arch: 'other', epochs: 1, batchSize: 20, optimizer: { name: 'sgd', lr: 0.05 }, seed: 1, limit: 40 } as never)).rejects.toThrow(/Unknown architecture "other"/);
    const back = await lab.call('addArchitecture', { spec: gone.spec });
    expect(back.name).toBe('other');
  });

  test('a model deleted a moment ago (still undoable) comes back under the renamed architecture, and loads', async () => {
    const m = saveModel(lab.store, Model.init('other', { height: 32, width: 32, channels: 3 }, 10, 0), { name: 'binned', source: 'imported', datasetId: null, runId: null });
    const del = await lab.call('deleteItem', { kind: 'model', id: m.id });
    // Nothing uses "other" now (the deleted model is in the trash): the rename goes through.
    await lab.call('renameArchitecture', { name: 'other', newName: 'other-v2' });
    await lab.call('undoDelete', { undoToken: del.undoToken });
    expect(lab.store.getModel(m.id).arch).toBe('other-v2');
    expect(loadStoredModel(lab.store, m.id).model.archName).toBe('other-v2');
    // Deleted with its architecture gone since: the undo says what to do first, and keeps the token.
    const del2 = await lab.call('deleteItem', { kind: 'model', id: m.id });
    const gone = await lab.call('deleteArchitecture', { name: 'other-v2' });
    await expect(lab.call('undoDelete', { undoToken: del2.undoToken })).rejects.toThrow('The architecture "other-v2" of "binned" was deleted since; add it back');
    await lab.call('addArchitecture', { spec: gone.spec });
    await lab.call('undoDelete', { undoToken: del2.undoToken });
    expect(lab.store.getModel(m.id).arch).toBe('other-v2');
  });
});
