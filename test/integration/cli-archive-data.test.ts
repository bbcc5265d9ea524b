/**
 * `robustlab runs export --with-data` and `runs import` as a person runs them (separate processes,
 * --json): the dataset's .npy files arrive byte for byte in a fresh lab folder; without the flag
 * only the metadata goes. The damaged cases are in test/unit/history-archive-data.test.ts.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { writeDatasetDirAtomic } from '../../src/core/data/dataset';
import { LabStore, newId } from '../../src/core/store/store';
import { tmpDir } from '../helpers/tmp';

const BIN = path.resolve(__dirname, '../../bin/robustlab.mjs');
const cleanups: (() => void)[] = [];
afterAll(() => cleanups.forEach((c) => c()));

function cli(dir: string, args: string[]) {
  const r = spawnSync(process.execPath, [BIN, '--lab', dir, ...args, '--json'], { encoding: 'utf8', env: { ...process.env, ROBUSTLAB_BACKEND: 'cpu' }, timeout: 60_000 });
  const lines = r.stdout.trim().split('\n');
  return { code: r.status ?? -1, stderr: r.stderr, json: JSON.parse(lines[lines.length - 1] || 'null') as Record<string, any> | null };
}

function folder(): string {
  const t = tmpDir('robustlab-cli-archive-');
  cleanups.push(t.cleanup);
  return t.dir;
}

it('runs export --with-data carries the arrays; a fresh lab gets them byte for byte', () => {
  const src = folder();
  const s = LabStore.open(src);
  const id = newId('ds');
  const images = Uint8Array.from({ length: 5 * 3 * 3 * 3 }, (_, i) => (i * 53) % 256);
  const files = writeDatasetDirAtomic(src, id, { test: { images, labels: Uint8Array.from([0, 1, 1, 0, 1]), count: 5, height: 3, width: 3, channels: 3 } });
  s.insertDataset({ id, name: 'rgb-tiles', source: 'test', height: 3, width: 3, channels: 3, numClasses: 2, classNames: ['x', 'y'], splits: { test: { count: 5 } }, files: files as never, parentId: null, recipe: null });
  const runId = newId('r');
  s.insertRun({ id: runId, kind: 'train', name: 'tiles run', spec: { kind: 'train', dataset: id } as never, datasetId: id, modelId: null, params: { method: 'erm' } });
  const art = s.writeArtifact(Buffer.from('tiles weights'), 'safetensors');
  const model = s.insertModel({ id: newId('m'), name: 'tiles model', arch: 'mlp', inputShape: [3, 3, 3], numClasses: 2, paramCount: 56, source: 'trained', datasetId: id, runId, parentId: null, sha256: art.sha256, sizeBytes: art.size, artifact: art.rel });
  s.setRunModel(runId, model.id);
  s.endRun(runId, 'finished');
  s.close();

  const withData = path.join(src, 'with.robustlab.gz');
  const without = path.join(src, 'without.robustlab.gz');
  expect(cli(src, ['runs', 'export', runId, '--out', withData, '--with-data']).json).toMatchObject({ runs: 1, models: 1, datasets: 1 });
  expect(cli(src, ['runs', 'export', runId, '--out', without]).code).toBe(0);

  const dst = folder();
  const res = cli(dst, ['runs', 'import', withData]);
  expect(res.code).toBe(0);
  expect(res.json).toMatchObject({ imported: [runId], models: 1, datasets: 1 });
  for (const rel of [files.test!.images, files.test!.labels]) {
    expect(fs.readFileSync(path.join(dst, rel)).equals(fs.readFileSync(path.join(src, rel)))).toBe(true);
  }
  const d = LabStore.open(dst);
  expect(d.getDataset(id).files).toEqual(files);
  expect(d.getRun(runId)).toMatchObject({ datasetId: id, modelId: model.id, status: 'finished' });
  d.close();

  // Without the flag: the dataset's row and no arrays.
  const meta = folder();
  expect(cli(meta, ['runs', 'import', without]).code).toBe(0);
  expect(fs.existsSync(path.join(meta, files.test!.images))).toBe(false);
  const m = LabStore.open(meta);
  expect(m.getDataset(id).files).toEqual({});
  m.close();
});
