/**
 * Acceptance check of the attack suite (run: npx tsx scripts/attack-acceptance.ts [options]):
 * trains a standard (undefended) mnist-cnn on the built-in mnist-digits through the Lab facade
 * (the same train and eval jobs the app and the CLI run), then evaluates it under PGD-40 at
 * eps 0.3 and checks that robust accuracy is below 5 %. Also reports APGD-CE and AutoAttack on
 * the same images, and writes the HTML report of the PGD evaluation next to the lab.
 *
 *   --epochs N     training epochs (default 2)
 *   --limit N      test images evaluated (default 500)
 *   --lab DIR      lab folder (default: a new temporary folder)
 *   --json         print only the JSON line
 * ROBUSTLAB_BACKEND picks the backend as everywhere else.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Lab } from '../src/core/service';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

async function main() {
  const jsonOnly = process.argv.includes('--json');
  const epochs = Number(arg('epochs', '2'));
  const limit = Number(arg('limit', '500'));
  const labDir = arg('lab', fs.mkdtempSync(path.join(os.tmpdir(), 'robustlab-acceptance-')));
  const say = (s: string) => {
    if (!jsonOnly) process.stderr.write(`${s}\n`);
  };
  const lab = await Lab.open({ labDir, mode: 'cli' });
  try {
    const status = await lab.call('status', {});
    say(`Backend ${status.backend.name} (${status.backend.device}); lab ${labDir}`);
    const t0 = Date.now();
    const train = await lab.waitForRun(
      (
        await lab.call('submitTrain', {
          kind: 'train',
          dataset: 'mnist-digits',
          arch: 'mnist-cnn',
          epochs,
          batchSize: 64,
          optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9 },
          seed: 0,
          name: 'acceptance-cnn',
        })
      ).id,
    );
    if (train.status !== 'finished') throw new Error(`training ${train.status}: ${train.error}`);
    const trainSeconds = (Date.now() - t0) / 1000;
    say(`Trained in ${trainSeconds.toFixed(0)} s: test accuracy ${train.latestMetrics['test/accuracy']}`);
    const results: Record<string, unknown> = {};
    let pgdEvaluation = '';
    for (const [key, attack] of [
      ['pgd40', { name: 'pgd', params: { eps: 0.3, steps: 40, stepSize: 0.01 } }],
      ['apgd_ce', { name: 'apgd-ce', params: { eps: 0.3, steps: 40 } }],
      ['autoattack', { name: 'autoattack', params: { eps: 0.3, steps: 40, squareQueries: 1000 } }],
    ] as const) {
      const t1 = Date.now();
      const run = await lab.waitForRun(
        (await lab.call('submitEval', { kind: 'eval', model: train.modelId!, dataset: 'mnist-digits', limit, attack, epsGrid: key === 'pgd40' ? [0.05, 0.1, 0.2, 0.3] : undefined, checks: { masking: true, unbounded: key === 'pgd40', blackBox: false } })).id,
      );
      if (run.status !== 'finished') throw new Error(`${key} evaluation ${run.status}: ${run.error}`);
      const ev = lab.store.listEvaluations({ runId: run.id })[0];
      if (key === 'pgd40') pgdEvaluation = ev.id;
      const d = ev.details as { epsCurve?: { points: { eps: number; robustAccuracy: number }[] } | null; checks?: { warnings: { code: string }[] }; stages?: { name: string; robustAccuracyAfter: number }[] | null; cost?: { gradEvalsPerPoint: number } };
      results[key] = {
        clean_accuracy: ev.cleanAccuracy,
        robust_accuracy: ev.robustAccuracy,
        seconds: (Date.now() - t1) / 1000,
        grad_evals_per_point: d.cost?.gradEvalsPerPoint,
        eps_curve: d.epsCurve?.points ?? null,
        stages: d.stages?.map((s) => ({ name: s.name, robust_accuracy_after: s.robustAccuracyAfter })) ?? null,
        warnings: d.checks?.warnings.map((w) => w.code) ?? [],
      };
      say(`${key}: clean ${ev.cleanAccuracy}, robust ${ev.robustAccuracy} (${((Date.now() - t1) / 1000).toFixed(0)} s)`);
    }
    const html = await lab.call('exportEvaluation', { evaluationId: pgdEvaluation, format: 'html' });
    const reportFile = path.join(labDir, html.filename);
    fs.writeFileSync(reportFile, html.content);
    const pgdRobust = (results.pgd40 as { robust_accuracy: number }).robust_accuracy;
    const pass = pgdRobust < 0.05;
    const out = { pass, target: 'PGD-40 robust accuracy < 5 % at eps 0.3', backend: status.backend.name, device: status.backend.device, epochs, limit, train_seconds: trainSeconds, test_accuracy: train.latestMetrics['test/accuracy'], results, report: reportFile };
    process.stdout.write(`${JSON.stringify(out)}\n`);
    process.exitCode = pass ? 0 : 1;
  } finally {
    await lab.close();
  }
}

void main();
