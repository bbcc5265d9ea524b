/**
 * The `robustlab` command as a person runs it: separate processes, one lab folder, --json.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION } from '../../src/core/store/migrations';
import { tmpDir } from '../helpers/tmp';

const BIN = path.resolve(__dirname, '../../bin/robustlab.mjs');
const FASHION = '/usr/share/datasets/fashion-mnist';
let lab: string;
let cleanup: () => void;

function cli(args: string[]): { code: number; stdout: string; stderr: string; json: Record<string, any> | null } {
  const r = spawnSync(process.execPath, [BIN, '--lab', lab, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ROBUSTLAB_BACKEND: 'wasm' },
    timeout: 300_000,
  });
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
  ({ dir: lab, cleanup } = tmpDir('robustlab-cli-'));
});
afterAll(() => cleanup());

describe('robustlab CLI', () => {
  it('doctor reports the backend and the lab folder', () => {
    const r = cli(['doctor', '--json']);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ backend: 'wasm', lab_dir: lab, schema_version: LATEST_SCHEMA_VERSION });
    expect(typeof r.json!.device).toBe('string');
    expect(Array.isArray(r.json!.fallbacks)).toBe(true);
  });

  it('imports Fashion-MNIST IDX files and refuses a broken one without storing anything', () => {
    const ok = cli([
      'datasets', 'import', '--format', 'idx', '--name', 'fashion-test',
      '--test-images', path.join(FASHION, 't10k-images-idx3-ubyte.gz'),
      '--test-labels', path.join(FASHION, 't10k-labels-idx1-ubyte.gz'), '--json',
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.json).toMatchObject({ name: 'fashion-test', height: 28, width: 28, channels: 1, num_classes: 10, test_count: 10000, train_count: 0 });

    const broken = path.join(lab, 'broken.gz');
    fs.writeFileSync(broken, fs.readFileSync(path.join(FASHION, 't10k-images-idx3-ubyte.gz')).subarray(0, 5000));
    const bad = cli(['datasets', 'import', '--format', 'idx', '--name', 'broken', '--test-images', broken, '--test-labels', path.join(FASHION, 't10k-labels-idx1-ubyte.gz'), '--json']);
    expect(bad.code).not.toBe(0);
    const errLines = bad.stderr.trim().split('\n');
    expect(errLines).toHaveLength(1);
    expect(errLines[0]).toMatch(/^robustlab: .*broken\.gz/);
    const list = cli(['datasets', 'list', '--json']);
    expect(list.json!.datasets.map((d: { name: string }) => d.name).sort()).toEqual(['fashion-test', 'mnist-digits']);
    expect(fs.readdirSync(path.join(lab, 'datasets')).filter((f) => f.startsWith('.tmp'))).toEqual([]);
  });

  let modelId = '';
  let modelName = '';
  it('trains, evaluates with FGSM and PGD, and lists the runs', () => {
    const t = cli(['train', '--dataset', 'mnist-digits', '--arch', 'mlp', '--epochs', '2', '--batch-size', '50', '--lr', '0.1', '--seed', '1', '--limit', '1000', '--name', 'cli-mlp', '--json']);
    expect(t.code, t.stderr).toBe(0);
    expect(t.json).toMatchObject({ status: 'finished', name: 'cli-mlp', model_name: 'cli-mlp', backend: 'wasm' });
    expect(t.json!.test_accuracy).toBeGreaterThan(0.65);
    modelId = t.json!.model_id;
    modelName = t.json!.model_name;

    const clean = cli(['eval', '--model', modelName, '--dataset', 'mnist-digits', '--attack', 'none', '--limit', '200', '--json']);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.json!.robust_accuracy).toBeNull();
    expect(clean.json!.count).toBe(200);

    const f = cli(['eval', '--model', modelId, '--dataset', 'mnist-digits', '--attack', 'fgsm', '--eps', '0.1', '--limit', '200', '--json']);
    const p = cli(['eval', '--model', modelId, '--dataset', 'mnist-digits', '--attack', 'pgd', '--eps', '0.1', '--steps', '10', '--restarts', '2', '--random-start', 'true', '--limit', '200', '--json']);
    for (const r of [f, p]) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.json!.clean_accuracy).toBe(clean.json!.clean_accuracy);
      expect(r.json!.robust_accuracy).toBeLessThan(r.json!.clean_accuracy);
      expect(r.json!.per_class).toHaveLength(10);
    }
    // Ten PGD steps with two restarts are at least as strong as one FGSM step of the same size.
    expect(p.json!.robust_accuracy).toBeLessThanOrEqual(f.json!.robust_accuracy);
    expect(p.json!.attack_params).toMatchObject({ eps: 0.1, steps: 10, stepSize: 0, restarts: 2, randomStart: true });

    const runs = cli(['runs', 'list', '--json']);
    expect(runs.json!.runs).toHaveLength(4);
    const show = cli(['runs', 'show', t.json!.id, '--json']);
    expect(show.json).toMatchObject({ kind: 'train', status: 'finished', model_id: modelId });
    expect(show.json!.metric_points['train/loss']).toBeGreaterThan(0);
  });

  it('re-imports the exported weights as a new model that predicts the same', () => {
    const models = cli(['models', 'list', '--json']);
    const m = models.json!.models.find((x: { id: string }) => x.id === modelId);
    const file = path.join(lab, 'artifacts', m.sha256.slice(0, 2), `${m.sha256}.safetensors`);
    const imp = cli(['models', 'import', '--format', 'safetensors', '--arch', 'mlp', '--file', file, '--name', 'reimported', '--json']);
    expect(imp.code, imp.stderr).toBe(0);
    expect(imp.json).toMatchObject({ arch: 'mlp', input_shape: [28, 28, 1], num_classes: 10, sha256: m.sha256 });
    const a = cli(['eval', '--model', modelId, '--dataset', 'mnist-digits', '--limit', '300', '--json']);
    const b = cli(['eval', '--model', 'reimported', '--dataset', 'mnist-digits', '--limit', '300', '--json']);
    expect(b.json!.clean_accuracy).toBe(a.json!.clean_accuracy);
    const wrongArch = cli(['models', 'import', '--format', 'safetensors', '--arch', 'mnist-cnn', '--file', file, '--name', 'x', '--json']);
    expect(wrongArch.code).not.toBe(0);
    expect(wrongArch.stderr).toMatch(/holds a "mlp" model.*Choose "mlp"/);
  });

  it('errors exit non-zero with one line on stderr', () => {
    const cases: [string[], RegExp][] = [
      [['eval', '--model', modelId, '--dataset', 'mnist-digits', '--attack', 'pdg'], /Unknown attack "pdg"/],
      [['eval', '--model', modelId, '--dataset', 'mnist-digits', '--attack', 'pgd', '--eps', '-0.5'], /must be at least 0/],
      [['eval', '--model', modelId, '--dataset', 'mnist-digits', '--attack', 'pgd', '--steps', '0'], /must be at least 1/],
      [['eval', '--model', 'no-such-model', '--dataset', 'mnist-digits'], /No model "no-such-model"/],
      [['eval', '--model', modelId, '--dataset', 'fashion-test', '--split', 'train'], /has no train split/],
      [['train', '--dataset', 'mnist-digits', '--arch', 'mlp', '--epochs', 'many'], /--epochs must be a whole number/],
      [['datasets', 'import', '--format', 'idx', '--name', 'x', '--test-images', '/nonexistent.gz', '--test-labels', '/nonexistent2.gz'], /not found/],
    ];
    for (const [args, re] of cases) {
      const r = cli([...args, '--json']);
      expect(r.code, args.join(' ')).not.toBe(0);
      const lines = r.stderr.trim().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(re);
    }
    // None of those created a run.
    expect(cli(['runs', 'list', '--json']).json!.runs).toHaveLength(6);
  });

  it('a CLI killed mid-training leaves the run interrupted, found by the next command', async () => {
    const child = spawn(process.execPath, [BIN, '--lab', lab, 'train', '--dataset', 'mnist-digits', '--arch', 'mlp', '--epochs', '30', '--limit', '2000', '--batch-size', '50'], {
      env: { ...process.env, ROBUSTLAB_BACKEND: 'wasm' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Wait for the first progress line (the worker is training).
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no progress within 120 s')), 120_000);
      child.stderr.on('data', (d: Buffer) => {
        if (/epoch 1\/30/.test(d.toString())) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    await new Promise((r) => setTimeout(r, 500));
    const runs = cli(['runs', 'list', '--json']).json!.runs as { status: string; metrics: Record<string, number> }[];
    expect(runs[0].status).toBe('interrupted');
  });
});
