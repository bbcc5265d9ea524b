/**
 * Issue #15 on the command line: `doctor --check` / `--repair`, `web --host` refused without
 * `--allow-remote`, and `datasets import --num-classes` for an unusual class count.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { tmpDir } from '../helpers/tmp';

const BIN = path.resolve(__dirname, '../../bin/robustlab.mjs');
const { dir, cleanup } = tmpDir('rl-harden-cli-');
afterAll(() => cleanup());
const lab = path.join(dir, 'lab');

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, '--lab', lab, ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, ROBUSTLAB_BACKEND: 'cpu' },
  });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  let json: Record<string, any> | null = null;
  try {
    json = JSON.parse(last);
  } catch {
    json = null;
  }
  return { code: r.status, stderr: r.stderr, json };
}

function idx(dims: number[], data: Uint8Array): Buffer {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h[2] = 0x08;
  h[3] = dims.length;
  dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([h, data]);
}

it('datasets import: a stray label 255 exits 2 with one sentence; --num-classes 256 imports it', () => {
  const images = path.join(dir, 'images-idx3');
  const labels = path.join(dir, 'labels-idx1');
  fs.writeFileSync(images, idx([4, 2, 2], new Uint8Array(16)));
  fs.writeFileSync(labels, idx([4], Uint8Array.from([0, 1, 2, 255])));
  const args = ['datasets', 'import', '--format', 'idx', '--name', 'stray', '--test-images', images, '--test-labels', labels, '--json'];
  const refused = cli(args);
  expect(refused.code).toBe(2);
  expect(refused.stderr.trim().split('\n')).toEqual([
    'robustlab: The largest label is 255, which makes 256 classes, 252 of them with no example (the first is class 3); if that is right, state the number of classes (--num-classes 256, or confirm it in the import form), otherwise check the labels file.',
  ]);
  const ok = cli([...args, '--num-classes', '256']);
  expect(ok.code, ok.stderr).toBe(0);
  expect(ok.json).toMatchObject({ name: 'stray', num_classes: 256, test_count: 4 });
});

it('doctor --check finds a file no row points at (exit 1); --repair removes it and keeps every needed file', () => {
  const orphan = path.join(lab, 'artifacts', 'zz', 'orphan.safetensors');
  fs.mkdirSync(path.dirname(orphan), { recursive: true });
  fs.writeFileSync(orphan, 'x');
  const old = new Date(Date.now() - 3600_000);
  fs.utimesSync(orphan, old, old);
  const check = cli(['doctor', '--check', '--json']);
  expect(check.code).toBe(1);
  expect(check.json).toMatchObject({ ok: false, integrity: ['ok'], missing: [], unreferenced: ['artifacts/zz/orphan.safetensors'], removed: [] });
  const repair = cli(['doctor', '--repair', '--json']);
  expect(repair.code, repair.stderr).toBe(0);
  expect(repair.json!.removed).toEqual(['artifacts/zz/orphan.safetensors']);
  expect(fs.existsSync(orphan)).toBe(false);
  const datasets = fs.readdirSync(path.join(lab, 'datasets'));
  expect(datasets.length).toBe(2); // the built-in one and the import above
});

it('web --host 0.0.0.0 without --allow-remote exits 2 with one sentence recommending the SSH tunnel', () => {
  const r = cli(['web', '--host', '0.0.0.0']);
  expect(r.code).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^robustlab: Web mode listens on this computer only \(127\.0\.0\.1\); "0\.0\.0\.0" would let other machines connect.*SSH tunnel.*--allow-remote/);
});
