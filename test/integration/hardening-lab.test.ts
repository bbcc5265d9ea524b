/**
 * Issue #15, points 2, 3 and 7: lab-folder problems in one sentence (a file as --lab, a path under
 * a file, a damaged lab.db, a read-only folder that stays browsable, a full disk during a job),
 * leftovers of hard kills swept at open, `checkLab` (doctor --check / --repair), and a resumed run
 * keeping its name.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Lab } from '../../src/core/service';
import { LabStore } from '../../src/core/store/store';
import { diskFullMessage } from '../../src/core/store/errors';
import { checkLab } from '../../src/core/store/maintenance';
import { LabError } from '../../src/shared/errors';
import type { TrainSpecInput } from '../../src/shared/schemas';
import { inProcessWorker } from '../helpers/in-process-worker';
import { tmpDir } from '../helpers/tmp';

const BIN = path.resolve(__dirname, '../../bin/robustlab.mjs');
let root: string;
let cleanup: () => void;
beforeAll(() => {
  ({ dir: root, cleanup } = tmpDir('rl-harden-lab-'));
  fs.chmodSync(root, 0o755);
});
afterAll(() => cleanup());

function openError(dir: string): LabError {
  try {
    LabStore.open(dir).close();
  } catch (err) {
    expect(err).toBeInstanceOf(LabError);
    return err as LabError;
  }
  throw new Error('expected LabStore.open to fail');
}

/** The CLI as another process; as the unprivileged user 65534 when `asNobody` and this runs as root. */
function cli(lab: string, args: string[], asNobody = false) {
  const r = spawnSync(process.execPath, [BIN, '--lab', lab, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, ROBUSTLAB_BACKEND: 'cpu', ROBUSTLAB_THREADS: '1' },
    ...(asNobody && process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {}),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('lab-folder problems are one sentence (issue #15, point 2)', () => {
  it('--lab naming a file, or a path under a file', () => {
    const file = path.join(root, 'notes.txt');
    fs.writeFileSync(file, 'hello');
    const e1 = openError(file);
    expect(e1.code).toBe('bad_input');
    expect(e1.message).toBe(`The lab folder "${file}" is a file, not a folder; give --lab a folder (a new name creates it).`);
    const under = path.join(file, 'lab', 'deeper');
    const e2 = openError(under);
    expect(e2.code).toBe('bad_input');
    expect(e2.message).toBe(`The lab folder "${under}" cannot be created because "${file}" is a file; give --lab a folder path.`);
    const r = cli(file, ['runs', 'list', '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([`robustlab: The lab folder "${file}" is a file, not a folder; give --lab a folder (a new name creates it).`]);
  });

  it('a damaged lab.db', () => {
    const dir = path.join(root, 'damaged');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'lab.db'), Buffer.alloc(8192, 0x41));
    const e = openError(dir);
    expect(e.code).toBe('bad_file');
    expect(e.message).toBe(
      `The lab database "${path.join(dir, 'lab.db')}" cannot be read (it is not an SQLite database); restore it from a backup, run "robustlab doctor --check", or choose another lab folder with --lab.`,
    );
  });

  it('a damaged page inside lab.db is reported by checkLab (PRAGMA integrity_check)', () => {
    const dir = path.join(root, 'damaged-page');
    let store = LabStore.open(dir);
    store.db.exec('CREATE TABLE filler(x TEXT); CREATE INDEX filler_x ON filler(x);');
    const ins = store.db.prepare('INSERT INTO filler VALUES (?)');
    for (let i = 0; i < 3000; i++) ins.run(`row ${i} ${'x'.repeat(50)}`);
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    store.close();
    const file = path.join(dir, 'lab.db');
    const bytes = fs.readFileSync(file);
    const page = Math.floor(bytes.length / 4096 / 2);
    bytes.fill(0x5a, page * 4096 + 100, page * 4096 + 300);
    fs.writeFileSync(file, bytes);
    store = LabStore.open(dir);
    try {
      const report = checkLab(store);
      expect(report.ok).toBe(false);
      expect(report.integrity.join('\n')).toMatch(/Tree \d+ page \d+/);
    } finally {
      store.close();
    }
  });

  it('a read-only lab folder is listed and browsed; changing it is refused with one sentence and exit code 2', async () => {
    const dir = path.join(root, 'readonly');
    const lab = await Lab.open({ labDir: dir, mode: 'cli', backend: 'cpu' });
    const datasets = await lab.call('listDatasets', {});
    await lab.close();
    // Make it read-only for the user the CLI runs as (root ignores permissions, so the CLI then runs as 65534).
    for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) fs.chmodSync(path.join(dir, f), fs.statSync(path.join(dir, f)).isDirectory() ? 0o555 : 0o444);
    fs.chmodSync(dir, 0o555);
    const before = sha(path.join(dir, 'lab.db'));
    const entries = fs.readdirSync(dir).sort();
    try {
      const list = cli(dir, ['datasets', 'list', '--json'], true);
      expect(list.code, list.stderr).toBe(0);
      const json = JSON.parse(list.stdout.trim().split('\n').pop()!);
      expect(json.datasets.map((d: { name: string }) => d.name)).toEqual(datasets.map((d) => d.name));
      const train = cli(dir, ['train', '--dataset', 'mnist-digits', '--arch', 'mlp', '--epochs', '1', '--batch-size', '10', '--lr', '0.1', '--seed', '0', '--limit', '10', '--json'], true);
      expect(train.code).toBe(2);
      expect(train.stderr.trim().split('\n')).toEqual([
        `robustlab: The lab folder "${dir}" is read-only here: it can be listed and browsed, but not changed; to import, train or edit, use a folder you can write to (--lab).`,
      ]);
      expect(sha(path.join(dir, 'lab.db'))).toBe(before);
      expect(fs.readdirSync(dir).sort()).toEqual(entries);
    } finally {
      fs.chmodSync(dir, 0o755);
    }
  });
});

describe('with a lab open in this process', () => {
  let dir: string;
  let lab: Lab;
  const tiny = (over: Partial<TrainSpecInput> = {}): TrainSpecInput => ({
    kind: 'train',
    dataset: 'mnist-digits',
    arch: 'mlp',
    epochs: 1,
    batchSize: 50,
    optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9 },
    seed: 1,
    limit: 200,
    testLimit: 100,
    ...over,
  });
  const tmpFiles = () => (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => /\.tmp-/.test(f));

  beforeAll(async () => {
    dir = path.join(root, 'inproc');
    lab = await Lab.open({ labDir: dir, mode: 'cli', backend: 'cpu', spawnWorker: inProcessWorker });
  });
  afterAll(async () => {
    await lab.close();
  });

  it('a full disk during a job fails the run with one sentence and leaves no temp file (issue #15, point 2)', async () => {
    const models = (await lab.call('listModels', {})).length;
    const real = fs.writeSync;
    const spy = vi.spyOn(fs, 'writeSync').mockImplementation(((..._args: unknown[]) => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
    }) as typeof fs.writeSync);
    try {
      const run = await lab.call('submitTrain', tiny({ name: 'full-disk' }));
      const done = await lab.waitForRun(run.id);
      expect(done.status).toBe('failed');
      expect(done.error).toBe(diskFullMessage(dir));
    } finally {
      spy.mockRestore();
    }
    expect(fs.writeSync).toBe(real);
    expect(tmpFiles()).toEqual([]);
    expect((await lab.call('listModels', {})).length).toBe(models);
  });

  it('a resumed run keeps the name of the run it continues (issue #15, point 7)', async () => {
    const first = await lab.waitForRun((await lab.call('submitTrain', tiny({ name: 'my digits run' }))).id);
    expect(first.status).toBe('finished');
    const resumed = await lab.call('submitTrain', { ...(first.spec as TrainSpecInput), name: undefined, epochs: 2, resumeFrom: first.id });
    expect(resumed.name).toBe('my digits run');
    expect((await lab.waitForRun(resumed.id)).status).toBe('finished');
    const renamed = await lab.call('submitTrain', { ...(first.spec as TrainSpecInput), name: 'other name', epochs: 2, resumeFrom: first.id });
    expect(renamed.name).toBe('other name');
    await lab.waitForRun(renamed.id);
  });

  it('checkLab reports missing and unreferenced files, and repair removes only what no row needs (issue #15, point 3)', async () => {
    const clean = await lab.call('checkLab', {});
    expect(clean).toMatchObject({ integrity: ['ok'], missing: [], unreferenced: [], leftovers: [], removed: [], ok: true });
    const old = new Date(Date.now() - 3600_000);
    const orphan = path.join(dir, 'artifacts', 'zz', 'lost.safetensors');
    fs.mkdirSync(path.dirname(orphan), { recursive: true });
    fs.writeFileSync(orphan, 'x');
    fs.utimesSync(orphan, old, old);
    const fresh = path.join(dir, 'artifacts', 'zz', 'just-written.safetensors');
    fs.writeFileSync(fresh, 'y');
    const model = (await lab.call('listModels', {}))[0]!;
    const modelFile = path.join(dir, 'artifacts', model.sha256.slice(0, 2), `${model.sha256}.safetensors`);
    const kept = fs.readFileSync(modelFile);
    fs.rmSync(modelFile);
    const report = await lab.call('checkLab', {});
    expect(report.ok).toBe(false);
    expect(report.integrity).toEqual(['ok']);
    // Every model row sharing these weights (same content, same file) is listed.
    expect(report.missing).toContainEqual({ file: `artifacts/${model.sha256.slice(0, 2)}/${model.sha256}.safetensors`, owner: `model "${model.name}"` });
    expect(new Set(report.missing.map((m) => m.file))).toEqual(new Set([`artifacts/${model.sha256.slice(0, 2)}/${model.sha256}.safetensors`]));
    expect(report.unreferenced.sort()).toEqual(['artifacts/zz/just-written.safetensors', 'artifacts/zz/lost.safetensors']);
    fs.writeFileSync(modelFile, kept);
    const repaired = await lab.call('checkLab', { repair: true });
    expect(repaired.removed).toEqual(['artifacts/zz/lost.safetensors']);
    expect(fs.existsSync(orphan)).toBe(false);
    expect(fs.existsSync(fresh)).toBe(true); // too recent: it may be waiting for its row
    expect(fs.existsSync(modelFile)).toBe(true);
    for (const d of await lab.call('listDatasets', {})) expect(fs.existsSync(path.join(dir, 'datasets', d.id))).toBe(true);
    fs.rmSync(fresh);
  });
});

describe('leftovers of a hard kill are swept at the next open (issue #15, point 3)', () => {
  it('removes old temp folders, temp files and stale uploads, keeps fresh ones, and logs the count', async () => {
    const dir = path.join(root, 'sweep');
    (await Lab.open({ labDir: dir, mode: 'cli', backend: 'cpu' })).close();
    const old = new Date(Date.now() - 3600_000);
    const put = (rel: string, when: Date | null) => {
      const p = path.join(dir, rel);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, 'partial');
      if (when) {
        fs.utimesSync(p, when, when);
        fs.utimesSync(path.dirname(p), when, when);
      }
    };
    put('datasets/.tmp-ds_dead/train-images.npy', old);
    put('artifacts/ab/abcd.safetensors.tmp-123-deadbeef', old);
    put('checkpoints/r_dead.safetensors.tmp-0a1b2c', old);
    put('uploads/0123abcd/train.gz', new Date(Date.now() - 2 * 86400_000));
    put('uploads/fresh/train.gz', old); // an hour old: the person may still be filling in the import form
    put('datasets/.tmp-ds_live/train-images.npy', null);
    const writes: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation(((s: string) => {
      writes.push(String(s));
      return true;
    }) as typeof process.stderr.write);
    let lab: Lab;
    try {
      lab = await Lab.open({ labDir: dir, mode: 'cli', backend: 'cpu' });
    } finally {
      spy.mockRestore();
    }
    await lab.close();
    expect(fs.existsSync(path.join(dir, 'datasets/.tmp-ds_dead'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'artifacts/ab/abcd.safetensors.tmp-123-deadbeef'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'checkpoints/r_dead.safetensors.tmp-0a1b2c'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'uploads/0123abcd'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'uploads/fresh/train.gz'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'datasets/.tmp-ds_live/train-images.npy'))).toBe(true);
    expect(writes.join('')).toMatch(/^robustlab: removed 4 leftovers of interrupted work from the lab folder \(/);
  });
});
