/**
 * Run archives with the datasets' arrays (`runs export --with-data`): a real dataset folder (.npy
 * files written by the lab's own writer) goes out with a train run, its evaluation and its model,
 * and comes into a fresh lab byte for byte; damaged or inconsistent data is refused with one
 * sentence and the target lab is left exactly as it was.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { exportRuns, importRunsFrom } from '../../src/core/history/archive';
import { encodeNpy } from '../../src/core/data/npy';
import { readSplit, writeDatasetDirAtomic } from '../../src/core/data/dataset';
import { LabStore, newId } from '../../src/core/store/store';
import { LabError } from '../../src/shared/errors';
import { tmpStore } from '../helpers/tmp';


/** A 3-class dataset with a train and a test split of known pseudo-random bytes, plus a corrupted child. */
function realDataset(s: LabStore) {
  const split = (count: number, seed: number) => {
    const images = new Uint8Array(count * 4 * 4 * 1);
    for (let i = 0; i < images.length; i++) images[i] = (i * 37 + seed * 11) % 256;
    const labels = Uint8Array.from({ length: count }, (_, i) => (i + seed) % 3);
    return { images, labels, count, height: 4, width: 4, channels: 1 };
  };
  const id = newId('ds');
  const files = writeDatasetDirAtomic(s.labDir, id, { train: split(12, 1), test: split(7, 2) });
  const ds = s.insertDataset({ id, name: 'tiny-shapes', source: 'test', height: 4, width: 4, channels: 1, numClasses: 3, classNames: ['a', 'b', 'c'], splits: { train: { count: 12 }, test: { count: 7 } }, files: files as never, parentId: null, recipe: null });
  const childId = newId('ds');
  const childFiles = writeDatasetDirAtomic(s.labDir, childId, { test: split(7, 5) });
  const child = s.insertDataset({ id: childId, name: 'tiny-shapes-noise', source: 'corrupted', height: 4, width: 4, channels: 1, numClasses: 3, classNames: ['a', 'b', 'c'], splits: { test: { count: 7 } }, files: childFiles as never, parentId: id, recipe: [{ corruption: 'gaussian_noise', severity: 2 }] });
  return { ds, child };
}

function trainAndEval(s: LabStore, dsId: string, evalDsId: string) {
  const runId = newId('r');
  s.insertRun({ id: runId, kind: 'train', name: 'tiny train', spec: { kind: 'train', dataset: dsId } as never, datasetId: dsId, modelId: null, params: { method: 'erm', lr: '0.1' } });
  s.logMetrics(runId, [0.4, 0.7, 0.8].map((value, i) => ({ key: 'test/accuracy', step: i + 1, value, time: 1000 + i })));
  const art = s.writeArtifact(Buffer.from('weights of the tiny model'), 'safetensors');
  const model = s.insertModel({ id: newId('m'), name: 'tiny model', arch: 'mlp', inputShape: [4, 4, 1], numClasses: 3, paramCount: 51, source: 'trained', datasetId: dsId, runId, parentId: null, sha256: art.sha256, sizeBytes: art.size, artifact: art.rel });
  s.setRunModel(runId, model.id);
  s.endRun(runId, 'finished');
  const evalId = newId('r');
  s.insertRun({ id: evalId, kind: 'eval', name: 'tiny eval', spec: { kind: 'eval', model: model.id, dataset: evalDsId } as never, datasetId: evalDsId, modelId: model.id, params: {} });
  const ev = s.insertEvaluation({ runId: evalId, modelId: model.id, datasetId: evalDsId, split: 'test', attack: { name: 'none', params: {} }, count: 7, cleanAccuracy: 0.57, robustAccuracy: null, details: {} });
  s.endRun(evalId, 'finished');
  return { runId, evalId, modelId: model.id, evaluationId: ev.id };
}

/**
 * Every table's row count, every file under the lab folder (path and size) and every dataset folder
 * (an empty one left behind would block that dataset later; empty artifact folders are harmless).
 */
function snapshot(s: LabStore): string {
  const tables = (s.db.prepare("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name").all() as { name: string }[]).map(
    (t) => `${t.name}:${(s.db.prepare(`SELECT COUNT(*) AS n FROM ${t.name}`).get() as { n: number }).n}`,
  );
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (path.relative(s.labDir, dir) === 'datasets') files.push(`${path.relative(s.labDir, abs)}/`);
        walk(abs);
      } else if (!/^lab\.db/.test(e.name)) files.push(`${path.relative(s.labDir, abs)} ${fs.statSync(abs).size}`);
    }
  };
  walk(s.labDir);
  return JSON.stringify({ tables, files: files.sort() });
}

/** Rewrites an archive's payload and re-seals it with a matching checksum (a consistent but wrong archive). */
function reseal(archive: Buffer, edit: (payload: Record<string, unknown> & { datasets: { row: Record<string, unknown>; files: Record<string, string> | null }[] }) => void): Buffer {
  const env = JSON.parse(zlib.gunzipSync(archive).toString('utf8'));
  const payload = JSON.parse(env.payload);
  edit(payload);
  const text = JSON.stringify(payload);
  return zlib.gzipSync(JSON.stringify({ ...env, payload: text, sha256: crypto.createHash('sha256').update(text).digest('hex') }));
}

function refusal(dst: LabStore, bytes: Buffer, what: string): LabError {
  let err: unknown;
  try {
    importRunsFrom(dst, { base64: bytes.toString('base64') });
  } catch (e) {
    err = e;
  }
  expect(err, what).toBeInstanceOf(LabError);
  return err as LabError;
}

describe('run archives with the datasets\' arrays', () => {
  it('export --with-data → import into a fresh lab: images and labels byte-equal, runs, model and evaluation across', () => {
    const src = tmpStore();
    const { ds, child } = realDataset(src);
    const r = trainAndEval(src, ds.id, child.id);
    const file = path.join(src.labDir, 'with-data.robustlab.gz');
    const ex = exportRuns(src, { runIds: [r.runId, r.evalId], file, withData: true });
    expect(ex).toMatchObject({ runs: 2, models: 1, datasets: 2 });
    const withoutData = exportRuns(src, { runIds: [r.runId, r.evalId], withData: false });
    expect(ex.bytes).toBeGreaterThan(withoutData.bytes); // the arrays are in it

    const dst = tmpStore();
    const res = importRunsFrom(dst, { file });
    expect(res.imported.sort()).toEqual([r.runId, r.evalId].sort());
    expect(res).toMatchObject({ models: 1, datasets: 2 });

    for (const d of [ds, child]) {
      const there = dst.getDataset(d.id);
      expect(there).toMatchObject({ name: d.name, parentId: d.parentId, recipe: d.recipe });
      for (const split of Object.keys(src.getDataset(d.id).files) as ('train' | 'test')[]) {
        const a = readSplit(src.labDir, src.getDataset(d.id).files as never, split);
        const b = readSplit(dst.labDir, there.files as never, split);
        expect(Buffer.from(b.images).equals(Buffer.from(a.images))).toBe(true);
        expect(Buffer.from(b.labels.buffer, b.labels.byteOffset, b.labels.byteLength).equals(Buffer.from(a.labels.buffer, a.labels.byteOffset, a.labels.byteLength))).toBe(true);
        expect([b.count, b.height, b.width, b.channels]).toEqual([a.count, a.height, a.width, a.channels]);
        const f = (src.getDataset(d.id).files as Record<string, { images: string; labels: string }>)[split]!;
        for (const rel of [f.images, f.labels]) expect(fs.readFileSync(path.join(dst.labDir, rel)).equals(fs.readFileSync(path.join(src.labDir, rel)))).toBe(true);
      }
    }
    expect(dst.getRun(r.runId)).toMatchObject({ kind: 'train', status: 'finished', datasetId: ds.id, modelId: r.modelId });
    expect(dst.getRun(r.evalId)).toMatchObject({ kind: 'eval', datasetId: child.id, modelId: r.modelId });
    expect(dst.getMetrics(r.runId)['test/accuracy'].map((p) => p.value)).toEqual([0.4, 0.7, 0.8]);
    expect(dst.readArtifact(dst.getModel(r.modelId).artifact).toString()).toBe('weights of the tiny model');
    expect(dst.listEvaluations({ runId: r.evalId })).toMatchObject([{ id: r.evaluationId, modelId: r.modelId, datasetId: child.id, cleanAccuracy: 0.57 }]);

    // A second import adds nothing, files included.
    const before = snapshot(dst);
    expect(importRunsFrom(dst, { file }).imported).toEqual([]);
    expect(snapshot(dst)).toBe(before);
  });

  it('fills in the arrays of a dataset imported earlier without them', () => {
    const src = tmpStore();
    const { ds, child } = realDataset(src);
    const r = trainAndEval(src, ds.id, child.id);
    const dst = tmpStore();
    importRunsFrom(dst, { base64: exportRuns(src, { runIds: [r.runId], withData: false }).base64! });
    expect(dst.getDataset(ds.id).files).toEqual({});
    // Passed on again "with data" from a lab that has none: the row only, no empty folder.
    const third = tmpStore();
    importRunsFrom(third, { base64: exportRuns(dst, { runIds: [r.runId], withData: true }).base64! });
    expect(third.getDataset(ds.id).files).toEqual({});
    expect(fs.existsSync(path.join(third.labDir, 'datasets', ds.id))).toBe(false);
    const res = importRunsFrom(dst, { base64: exportRuns(src, { runIds: [r.runId], withData: true }).base64! });
    expect(res.imported).toEqual([]);
    const a = readSplit(src.labDir, src.getDataset(ds.id).files as never, 'test');
    const b = readSplit(dst.labDir, dst.getDataset(ds.id).files as never, 'test');
    expect(Buffer.from(b.images).equals(Buffer.from(a.images))).toBe(true);
  });

  it('refuses damaged or inconsistent data with one sentence and leaves the target lab unchanged', () => {
    const src = tmpStore();
    const { ds, child } = realDataset(src);
    const r = trainAndEval(src, ds.id, child.id);
    const good = Buffer.from(exportRuns(src, { runIds: [r.runId, r.evalId], withData: true }).base64!, 'base64');
    const dst = tmpStore();
    const before = snapshot(dst);
    const first = (p: { datasets: { row: Record<string, unknown>; files: Record<string, string> | null }[] }) => p.datasets.find((d) => d.row.id === ds.id)!;
    const testImages = `datasets/${ds.id}/test-images.npy`;
    const cases: [string, Buffer, RegExp][] = [
      // A flipped byte inside the arrays: the checksum no longer matches.
      ['flipped byte', (() => {
        const env = JSON.parse(zlib.gunzipSync(good).toString('utf8'));
        const i = env.payload.indexOf('"datasets/');
        const j = env.payload.indexOf('":"', i) + 3 + 40;
        const flipped = env.payload.slice(0, j) + (env.payload[j] === 'A' ? 'B' : 'A') + env.payload.slice(j + 1);
        return zlib.gzipSync(JSON.stringify({ ...env, payload: flipped }));
      })(), /does not match its checksum/],
      // Re-sealed, but an images file cut short: not the size its .npy header declares.
      ['truncated array', reseal(good, (p) => {
        const f = first(p).files!;
        f[testImages] = Buffer.from(f[testImages]!, 'base64').subarray(0, -5).toString('base64'); // 5 bytes short of its data
      }), /test-images\.npy/],
      // Re-sealed, labels for another number of images.
      ['labels disagree', reseal(good, (p) => {
        const f = first(p).files!;
        f[`datasets/${ds.id}/test-labels.npy`] = encodeNpy({ dtype: 'uint8', shape: [3], data: Uint8Array.from([0, 1, 2]) }).toString('base64');
      }), /labels/],
      // Re-sealed, a file the dataset's row names is missing.
      ['missing file', reseal(good, (p) => {
        delete first(p).files![testImages];
      }), /test-images\.npy/],
      // Re-sealed, a file outside its dataset's folder.
      ['outside its folder', reseal(good, (p) => {
        first(p).files![`datasets/${child.id}/../../escape.npy`] = 'AAAA';
      }), /outside its folder/],
    ];
    for (const [what, bytes, why] of cases) {
      const err = refusal(dst, bytes, what);
      expect(err.message, what).toMatch(why);
      expect(err.message.trim().split(/\.\s+(?=[A-Z])/).length, `${what}: ${err.message}`).toBe(1);
      expect(snapshot(dst), what).toBe(before);
    }
    expect(fs.existsSync(path.join(path.dirname(dst.labDir), 'escape.npy'))).toBe(false);
    // The good archive still imports afterwards.
    expect(importRunsFrom(dst, { base64: good.toString('base64') }).imported).toHaveLength(2);
  });
});
