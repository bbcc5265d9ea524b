/**
 * The attack and evaluation suite from the command line: AutoAttack with its per-member
 * breakdown, an eps grid, a minimal-perturbation attack, generic --param, the HTML report and
 * the CSV export.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tmpDir } from '../helpers/tmp';

const BIN = path.resolve(__dirname, '../../bin/robustlab.mjs');
let lab: string;
let cleanup: () => void;

function cli(args: string[]): { code: number; stdout: string; stderr: string; json: Record<string, any> | null } {
  const r = spawnSync(process.execPath, [BIN, '--lab', lab, ...args], { encoding: 'utf8', env: { ...process.env, ROBUSTLAB_BACKEND: 'wasm' }, timeout: 300_000 });
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
  ({ dir: lab, cleanup } = tmpDir('robustlab-cli-eval-'));
});
afterAll(() => cleanup());

describe('robustlab eval: the attack suite', () => {
  let evaluationId = '';
  it('runs AutoAttack with a per-member breakdown, an eps grid and a self-contained HTML report', () => {
    const t = cli(['train', '--dataset', 'mnist-digits', '--arch', 'mlp', '--epochs', '2', '--batch-size', '50', '--lr', '0.1', '--seed', '1', '--limit', '800', '--name', 'suite-mlp', '--json']);
    expect(t.code, t.stderr).toBe(0);
    const report = path.join(lab, 'aa.html');
    const r = cli([
      'eval', '--model', 'suite-mlp', '--dataset', 'mnist-digits', '--attack', 'autoattack', '--eps', '0.1',
      '--param', 'steps=5', '--param', 'squareQueries=20', '--limit', '60', '--eps-grid', '0.05,0.1', '--report', report, '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const j = r.json!;
    evaluationId = j.evaluation_id;
    expect(j.status).toBe('finished');
    expect(j.attack_params).toEqual({ eps: 0.1, steps: 5, targetClasses: 9, fabSubstitute: 'apgd-dlr', squareQueries: 20 });
    expect(j.breakdown.map((b: { attack: string }) => b.attack)).toEqual(['apgd-ce', 'apgd-t', 'apgd-dlr', 'square']);
    expect(j.breakdown[3].robust_accuracy_after).toBeCloseTo(j.robust_accuracy, 12);
    expect(j.breakdown.reduce((s: number, b: { broke: number }) => s + b.broke, 0)).toBe(Math.round((j.clean_accuracy - j.robust_accuracy) * 60));
    expect(j.per_class).toHaveLength(10);
    expect(j.eps_curve.map((p: { eps: number }) => p.eps)).toEqual([0.05, 0.1]);
    expect(j.eps_curve[1].robust_accuracy).toBeLessThanOrEqual(j.robust_accuracy);
    expect(j.grad_evals_per_point).toBeGreaterThan(0);
    expect(typeof j.ece_clean).toBe('number');
    expect(Array.isArray(j.warnings)).toBe(true);
    expect(j.report_file).toBe(report);
    const html = fs.readFileSync(report, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/https?:\/\/|<script|<link/);
    expect(html).toContain('Which attack broke which images');
    expect(html).toMatch(/data:image\/png;base64,/);
  });

  it('exports an evaluation as CSV, runs a minimal-perturbation attack, and refuses bad parameters', () => {
    const out = path.join(lab, 'aa.csv');
    const e = cli(['evaluations', 'export', evaluationId, '--format', 'csv', '--out', out, '--json']);
    expect(e.code, e.stderr).toBe(0);
    expect(e.json).toMatchObject({ evaluation_id: evaluationId, format: 'csv', file: out });
    const csv = fs.readFileSync(out, 'utf8').split('\n');
    expect(csv[0]).toBe('section,item,field,value');
    expect(csv.some((l) => l.startsWith('stage,apgd-ce,robust_accuracy_after,'))).toBe(true);

    const d = cli(['eval', '--model', 'suite-mlp', '--dataset', 'mnist-digits', '--attack', 'deepfool', '--param', 'norm=l2', '--param', 'eps=1', '--limit', '30', '--json']);
    expect(d.code, d.stderr).toBe(0);
    expect(d.json!.median_perturbation).toBeGreaterThan(0);
    expect(d.json!.norm).toBe('l2');
    expect(d.json!.eps).toBe(1);
    expect(d.json!.robust_accuracy).toBeLessThanOrEqual(d.json!.clean_accuracy);

    for (const [args, re] of [
      [['--attack', 'pgd', '--param', 'bogus=1'], /Unknown parameter "bogus" for attack pgd/],
      [['--attack', 'pgd', '--eps-grid', '0.1,x'], /--eps-grid must be numbers/],
      [['--attack', 'pgd', '--eps-grid', '0.1,2'], /must be at most 1, got 2/],
      [['--attack', 'apgd-ce', '--param', 'norm=l3'], /must be one of linf, l2/],
    ] as const) {
      const bad = cli(['eval', '--model', 'suite-mlp', '--dataset', 'mnist-digits', ...args, '--limit', '5']);
      expect(bad.code, bad.stderr).toBe(2);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
      expect(bad.stderr).toMatch(re);
    }
  });
});
