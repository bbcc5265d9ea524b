/**
 * Acceptance results for robust training and certification, as a markdown table.
 *
 *   npx tsx scripts/robust-training-table.ts [--lab DIR] [--only erm,pgd-at,...] [--no-repeat] [--json FILE]
 *
 * On the built-in mnist-digits (8,000 train / 2,000 test images) with the mlp architecture, so
 * every run fits a 2-core machine in a few minutes:
 *   1. ERM vs PGD-AT (eps 0.1): clean accuracy and PGD-20 accuracy at eps 0.1;
 *   2. IBP certified training (eps 0.1): IBP- and CROWN-certified accuracy at eps 0.1 vs ERM's;
 *   3. 40 % symmetric label noise on the train split (made with the corruption module,
 *      labels/symmetric; the test split stays clean): CE vs GCE vs SCE vs NCE+RCE, clean test
 *      accuracy;
 *   4. every run is submitted a second time from its stored spec and must give the same model
 *      (same sha256) and the same numbers.
 * Everything goes through the Lab facade and real worker processes, as the app and CLI do.
 * Progress goes to stderr; the table (and, with --json, the raw numbers) at the end.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Lab } from '../src/core/service';
import type { EvalSpecInput, TrainSpecInput } from '../src/shared/schemas';

interface Experiment {
  key: string;
  title: string;
  data: 'clean' | 'noisy';
  spec: TrainSpecInput;
  /** Which evaluations to run on the clean test split. */
  evals: ('pgd' | 'ibp' | 'crown')[];
}

const EPS = 0.1;
const NOISY = 'mnist-digits-sym40';

function base(over: Partial<TrainSpecInput>): TrainSpecInput {
  return {
    kind: 'train',
    dataset: 'mnist-digits',
    arch: 'mlp',
    epochs: 8,
    batchSize: 100,
    optimizer: { name: 'adam', lr: 0.001 },
    seed: 0,
    testLimit: 2000,
    logEvery: 20,
    ...over,
  };
}

const EXPERIMENTS: Experiment[] = [
  { key: 'erm', title: 'ERM (cross-entropy)', data: 'clean', spec: base({ method: 'erm' }), evals: ['pgd', 'ibp', 'crown'] },
  {
    key: 'pgd-at',
    title: 'PGD-AT (eps 0.1, 10 steps)',
    data: 'clean',
    spec: base({ method: 'pgd-at', methodParams: { eps: EPS, steps: 10 } }),
    evals: ['pgd', 'ibp', 'crown'],
  },
  {
    key: 'ibp',
    title: 'IBP certified training (eps 0.1)',
    data: 'clean',
    spec: base({ method: 'ibp', epochs: 10, methodParams: { eps: EPS, warmupEpochs: 1, rampEpochs: 5, kappaEnd: 0.5 } }),
    evals: ['pgd', 'ibp', 'crown'],
  },
  { key: 'noisy-ce', title: 'CE on 40 % noisy labels', data: 'noisy', spec: base({ dataset: NOISY, method: 'erm', epochs: 20 }), evals: [] },
  { key: 'noisy-gce', title: 'GCE (q 0.7) on 40 % noisy labels', data: 'noisy', spec: base({ dataset: NOISY, method: 'gce', epochs: 20 }), evals: [] },
  { key: 'noisy-sce', title: 'SCE (α 0.1, β 1) on 40 % noisy labels', data: 'noisy', spec: base({ dataset: NOISY, method: 'sce', epochs: 20 }), evals: [] },
  { key: 'noisy-nce-rce', title: 'NCE+RCE (α 1, β 1) on 40 % noisy labels', data: 'noisy', spec: base({ dataset: NOISY, method: 'nce-rce', epochs: 20 }), evals: [] },
];

function args() {
  const a = process.argv.slice(2);
  const get = (k: string) => {
    const i = a.indexOf(k);
    return i >= 0 ? a[i + 1] : undefined;
  };
  return {
    lab: get('--lab'),
    only: get('--only')?.split(',').map((s) => s.trim()),
    repeat: !a.includes('--no-repeat'),
    json: get('--json'),
  };
}

const log = (s: string) => process.stderr.write(`${s}\n`);
const pct = (x: number | null | undefined) => (x == null ? '—' : `${(100 * x).toFixed(1)} %`);

interface Numbers {
  clean: number;
  pgd: number | null;
  ibp: number | null;
  crown: number | null;
  trainSeconds: number;
  sha256: string;
  runId: string;
}

async function runTrain(lab: Lab, spec: TrainSpecInput): Promise<{ runId: string; modelId: string; sha256: string; seconds: number; stored: TrainSpecInput }> {
  const run = await lab.call('submitTrain', spec);
  const off = lab.onEvent((e) => {
    if (e.type === 'progress' && e.runId === run.id && e.step % 200 === 0 && e.phase === 'train') log(`  ${run.name}: epoch ${e.epoch}/${e.epochs} step ${e.step}/${e.steps}`);
  });
  const done = await lab.waitForRun(run.id);
  off();
  if (done.status !== 'finished' || !done.modelId) throw new Error(`Training ${run.name} ${done.status}: ${done.error}`);
  const model = lab.store.getModel(done.modelId);
  return { runId: run.id, modelId: model.id, sha256: model.sha256, seconds: done.latestMetrics['time/train_seconds'], stored: done.spec as TrainSpecInput };
}

async function runEval(lab: Lab, spec: EvalSpecInput): Promise<{ clean: number; robust: number | null }> {
  const run = await lab.call('submitEval', spec);
  const done = await lab.waitForRun(run.id);
  if (done.status !== 'finished') throw new Error(`Evaluation ${run.name} ${done.status}: ${done.error}`);
  const ev = lab.store.listEvaluations({ runId: run.id })[0];
  return { clean: ev.cleanAccuracy, robust: ev.robustAccuracy };
}

async function measure(lab: Lab, exp: Experiment, modelId: string): Promise<Omit<Numbers, 'trainSeconds' | 'sha256' | 'runId'>> {
  const common = { kind: 'eval' as const, model: modelId, dataset: 'mnist-digits', split: 'test' as const, seed: 0 };
  const clean = (await runEval(lab, { ...common, checks: { masking: false } })).clean;
  let pgd: number | null = null;
  let ibp: number | null = null;
  let crown: number | null = null;
  if (exp.evals.includes('pgd')) {
    pgd = (await runEval(lab, { ...common, attack: { name: 'pgd', params: { eps: EPS, steps: 20, restarts: 1 } }, checks: { masking: false } })).robust;
  }
  if (exp.evals.includes('ibp')) ibp = (await runEval(lab, { ...common, certify: 'ibp', eps: EPS })).robust;
  if (exp.evals.includes('crown')) crown = (await runEval(lab, { ...common, certify: 'crown', eps: EPS })).robust;
  return { clean, pgd, ibp, crown };
}

async function ensureNoisy(lab: Lab): Promise<void> {
  if (lab.store.findDatasetByName(NOISY)) return;
  log(`Making ${NOISY}: 40 % symmetric label noise on the train split (test split unchanged)…`);
  const run = await lab.call('submitCorrupt', {
    kind: 'corrupt',
    name: NOISY,
    dataset: 'mnist-digits',
    recipe: { steps: [{ corruption: 'labels/symmetric', params: { rate: 0.4 }, splits: ['train'] }], seed: 0 },
  });
  const done = await lab.waitForRun(run.id);
  if (done.status !== 'finished') throw new Error(`Making the noisy dataset ${done.status}: ${done.error}`);
  const rate = done.latestMetrics['train/label_noise_rate'];
  if (rate !== undefined) log(`  measured train label-noise rate: ${(100 * rate).toFixed(1)} %`);
}

async function main(): Promise<void> {
  const opt = args();
  const labDir = opt.lab ? path.resolve(opt.lab) : fs.mkdtempSync(path.join(os.tmpdir(), 'robustlab-table-'));
  const lab = await Lab.open({ labDir, mode: 'cli', backend: process.env.ROBUSTLAB_BACKEND });
  const status = await lab.call('status', {});
  log(`Lab ${labDir}; backend ${status.backend.name} (${status.backend.device})`);
  const rows: { exp: Experiment; first: Numbers; second: Numbers | null }[] = [];
  try {
    const todo = EXPERIMENTS.filter((e) => !opt.only || opt.only.includes(e.key));
    if (todo.some((e) => e.data === 'noisy')) await ensureNoisy(lab);
    for (const exp of todo) {
      log(`${exp.title}…`);
      const t = await runTrain(lab, { ...exp.spec, name: exp.key });
      const first: Numbers = { ...(await measure(lab, exp, t.modelId)), trainSeconds: t.seconds, sha256: t.sha256, runId: t.runId };
      log(`  clean ${pct(first.clean)}, PGD-20 ${pct(first.pgd)}, IBP ${pct(first.ibp)}, CROWN ${pct(first.crown)}; ${first.trainSeconds.toFixed(0)} s`);
      let second: Numbers | null = null;
      if (opt.repeat) {
        // The stored spec of the first run, submitted again as-is.
        const again = await runTrain(lab, { ...t.stored, name: `${exp.key}-repeat` });
        second = { ...(await measure(lab, exp, again.modelId)), trainSeconds: again.seconds, sha256: again.sha256, runId: again.runId };
        log(`  repeat: ${second.sha256 === first.sha256 ? 'same model' : 'DIFFERENT model'}`);
      }
      rows.push({ exp, first, second });
    }
  } finally {
    await lab.close();
  }

  const same = (a: Numbers, b: Numbers | null) =>
    b == null ? 'not run' : a.sha256 === b.sha256 && a.clean === b.clean && a.pgd === b.pgd && a.ibp === b.ibp && a.crown === b.crown ? 'yes' : 'NO';
  const lines = [
    `Backend: ${status.backend.name} (${status.backend.device}); mlp on mnist-digits (8,000 train, all 2,000 test images); eps = ${EPS} (L∞, pixels in [0, 1]).`,
    '',
    '| Run | Train labels | Epochs | Clean acc. | PGD-20 acc. (ε 0.1) | IBP-certified (ε 0.1) | CROWN-certified (ε 0.1) | Train time | Repeat identical |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows.map(
      ({ exp, first, second }) =>
        `| ${exp.title} | ${exp.data === 'noisy' ? '40 % symmetric noise' : 'clean'} | ${exp.spec.epochs} | ${pct(first.clean)} | ${pct(first.pgd)} | ${pct(first.ibp)} | ${pct(first.crown)} | ${first.trainSeconds.toFixed(0)} s | ${same(first, second)} |`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (opt.json) fs.writeFileSync(opt.json, JSON.stringify({ backend: status.backend, rows: rows.map((r) => ({ key: r.exp.key, spec: r.exp.spec, ...r })) }, null, 2));
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
