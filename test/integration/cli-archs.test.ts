/**
 * `robustlab architectures rename|delete` (alias `archs`) as a person runs them: separate
 * processes on one lab folder, --json, a refusal as one line on stderr with nothing changed.
 * The model is the PyTorch-made seq-cnn fixture imported with its layer list.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tmpDir } from '../helpers/tmp';

const BIN = path.resolve(__dirname, '../../bin/robustlab.mjs');
const FIX = fileURLToPath(new URL('../fixtures/byo/', import.meta.url));
let lab: string;
let cleanup: () => void;

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, '--lab', lab, ...args], { encoding: 'utf8', env: { ...process.env, ROBUSTLAB_BACKEND: 'wasm' }, timeout: 120_000 });
  const lines = r.stdout.trim().split('\n');
  let json: Record<string, any> | null = null;
  try {
    json = JSON.parse(lines[lines.length - 1]!);
  } catch {
    json = null;
  }
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, json };
}

const names = () => (cli(['architectures', 'list', '--json']).json!.architectures as { name: string }[]).map((a) => a.name);

beforeAll(() => {
  ({ dir: lab, cleanup } = tmpDir('robustlab-cli-archs-'));
});
afterAll(() => cleanup());

describe('robustlab architectures rename|delete', () => {
  it('renames a used architecture (the model follows), refuses to delete it, deletes an unused one', () => {
    expect(cli(['architectures', 'add', '--file', path.join(FIX, 'seq-cnn.json'), '--json']).code).toBe(0);
    expect(cli(['architectures', 'add', '--file', path.join(FIX, 'seq-cnn.json'), '--name', 'spare', '--json']).code).toBe(0);
    const imp = cli(['models', 'import', '--format', 'safetensors', '--arch', 'seq-cnn', '--file', path.join(FIX, 'seq-cnn.safetensors'), '--name', 'torch-cnn', '--json']);
    expect(imp.code, imp.stderr).toBe(0);

    const ren = cli(['archs', 'rename', 'seq-cnn', 'my-cnn', '--json']);
    expect(ren.code, ren.stderr).toBe(0);
    expect(ren.json).toEqual({ renamed: 'seq-cnn', name: 'my-cnn' });
    expect(names()).toEqual(expect.arrayContaining(['my-cnn', 'spare']));
    expect(names()).not.toContain('seq-cnn');
    const models = cli(['models', 'list', '--json']);
    expect(JSON.stringify(models.json)).toContain('"my-cnn"');
    expect(cli(['architectures', 'show', 'my-cnn', '--json']).json!.spec.name).toBe('my-cnn');

    // Refusals: one line, exit code not 0, nothing changed.
    for (const args of [
      ['archs', 'rename', 'my-cnn', 'mlp'],
      ['archs', 'rename', 'my-cnn', 'Not OK'],
      ['archs', 'rename', 'my-cnn', 'spare'],
      ['archs', 'rename', 'resnet', 'other'],
      ['archs', 'delete', 'mlp'],
      ['architectures', 'delete', 'my-cnn'],
    ]) {
      const r = cli([...args, '--json']);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
    const deps = cli(['archs', 'dependents', 'my-cnn', '--json']);
    expect(deps.json).toMatchObject({ name: 'my-cnn', builtin: false, rename_refusal: null, models: [{ name: 'torch-cnn' }] });
    expect(deps.json!.delete_refusal).toMatch(/used by 1 model/);
    const used = cli(['architectures', 'delete', 'my-cnn']);
    expect(used.stderr).toContain('"my-cnn" is used by 1 model ("torch-cnn"); it stays.');
    expect(names()).toEqual(expect.arrayContaining(['my-cnn', 'spare']));

    const del = cli(['archs', 'delete', 'spare', '--json']);
    expect(del.code, del.stderr).toBe(0);
    expect(del.json!.deleted).toBe('spare');
    expect(del.json!.spec.layers.length).toBeGreaterThan(3);
    expect(names()).not.toContain('spare');
  }, 120_000);
});
