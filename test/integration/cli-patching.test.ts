/**
 * The patching commands as a person runs them: separate `robustlab` processes on one lab folder,
 * --json: family create, signatures extract|list|delete, patch estimate, patch (and a refused α),
 * patch sweep.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tmpDir } from '../helpers/tmp';

const BIN = path.resolve(__dirname, '../../bin/robustlab.mjs');
let lab: string;
let cleanup: () => void;

function cli(args: string[]): { code: number; stderr: string; json: Record<string, any> | null } {
  const r = spawnSync(process.execPath, [BIN, '--lab', lab, ...args], { encoding: 'utf8', env: { ...process.env, ROBUSTLAB_BACKEND: 'wasm' }, timeout: 300_000 });
  const lines = r.stdout.trim().split('\n');
  let json: Record<string, any> | null = null;
  try {
    json = JSON.parse(lines[lines.length - 1]);
  } catch {
    json = null;
  }
  return { code: r.status ?? -1, stderr: r.stderr, json };
}

beforeAll(() => {
  ({ dir: lab, cleanup } = tmpDir('robustlab-cli-patching-'));
});
afterAll(() => cleanup());

it('family → signature → estimate → patch → sweep, with --json', () => {
  const base = cli(['train', '--dataset', 'mnist-digits', '--arch', 'mnist-cnn', '--epochs', '1', '--batch-size', '32', '--lr', '0.05', '--seed', '0', '--limit', '200', '--test-limit', '100', '--name', 'base', '--json']);
  expect(base.code, base.stderr).toBe(0);

  const fam = cli(['family', 'create', '--base', 'base', '--dataset', 'mnist-digits', '--corruptions', 'contrast:4', '--epochs', '1', '--limit', '200', '--test-limit', '100', '--lr', '0.02', '--name', 'fam', '--json']);
  expect(fam.code, fam.stderr).toBe(0);
  expect(fam.json?.status).toBe('finished');
  expect(fam.json?.members.map((m: { name: string }) => m.name)).toEqual(['fam-clean', 'fam-contrast-s4']);

  const sig = cli(['signatures', 'extract', '--model', 'fam-contrast-s4', '--clean', 'fam-clean', '--layers', '2', '--quantize', 'linear:16', '--name', 'c', '--json']);
  expect(sig.code, sig.stderr).toBe(0);
  expect(sig.json).toMatchObject({ name: 'c', layers: ['conv1', 'conv2'], projection: true, compression: { quantize: { scheme: 'linear', levels: 16 } } });
  expect(sig.json!.model_bytes / sig.json!.size_bytes).toBeGreaterThan(8);
  expect(cli(['signatures', 'list', '--json']).json?.signatures.map((s: { name: string }) => s.name)).toEqual(['c']);

  const est = cli(['patch', 'estimate', '--target', 'fam-clean', '--sig', 'c:1', '--json']);
  expect(est.code, est.stderr).toBe(0);
  expect(est.json?.rows.map((r: { dataset: string }) => r.dataset)).toEqual(['mnist-digits', 'mnist-digits-contrast-s4']);

  const p = cli(['patch', '--target', 'fam-clean', '--sig', 'c:0.5', '--name', 'patched', '--json']);
  expect(p.code, p.stderr).toBe(0);
  expect(p.json).toMatchObject({ name: 'patched', source: 'patched', bn: 'keep', terms: [{ signatureName: 'c', alpha: 0.5 }] });

  const bad = cli(['patch', '--target', 'fam-clean', '--sig', 'c:6', '--name', 'too-much', '--json']);
  expect(bad.code).toBe(2);
  expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  expect(bad.stderr).toMatch(/between −5 and 5/);

  const sweep = cli(['patch', 'sweep', '--target', 'fam-clean', '--sig', 'c', '--alphas', '0,1', '--limit', '50', '--attack', 'fgsm', '--eps', '0.1', '--attack-limit', '30', '--json']);
  expect(sweep.code, sweep.stderr).toBe(0);
  expect(sweep.json?.points.map((q: { alpha: number }) => q.alpha)).toEqual([0, 1]);
  expect(Object.keys(sweep.json?.points[0].accuracy).sort()).toEqual(['mnist-digits', 'mnist-digits-contrast-s4']);
  for (const p of sweep.json!.points as { robust_accuracy: Record<string, number> }[]) {
    expect(Object.keys(p.robust_accuracy)).toEqual(['mnist-digits']);
    expect(p.robust_accuracy['mnist-digits']).toBeGreaterThanOrEqual(0);
    expect(p.robust_accuracy['mnist-digits']).toBeLessThanOrEqual(1);
  }
  // A misspelt attack: one line, exit 2.
  const badAttack = cli(['patch', 'sweep', '--target', 'fam-clean', '--sig', 'c', '--alphas', '0', '--attack', 'fgsn', '--eps', '0.1', '--json']);
  expect(badAttack.code).toBe(2);
  expect(badAttack.stderr).toMatch(/Unknown attack "fgsn"/);

  expect(cli(['signatures', 'delete', 'c', '--json']).json).toMatchObject({ name: 'c' });
});
