/**
 * Speed where people wait (#12), part of `npm run bench` (BENCH_SPEED=0 skips it); on its own:
 *
 *   npx tsx bench/speed.ts [--json]
 *
 * 1. Commands: wall time (median of BENCH_CLI_RUNS, default 5) and peak memory (max RSS, from
 *    /usr/bin/time when it is installed) of `robustlab doctor | datasets list | runs list |
 *    models list`, from the compiled out/cli (built first by scripts/build-cli.mjs) and from the
 *    TypeScript sources through tsx (ROBUSTLAB_FROM_SOURCE=1), as a person types them.
 * 2. Warm workers: a tiny training (mlp, 256 images, 1 epoch) submitted BENCH_POOL_JOBS times
 *    (default 5) in a row; overhead = wall time of the job − the job's own time/train_seconds;
 *    with the warm pool and with a fresh worker per job (ROBUSTLAB_WORKER_POOL=0).
 * 3. AutoAttack (standard version, eps 0.1, Square 5,000 queries) on the first BENCH_AA_IMAGES
 *    (default 1,000) Fashion-MNIST test images with mnist-cnn trained one epoch on BENCH_AA_TRAIN
 *    (default 60,000, the whole training set) images: wall time, seconds per stage and the share of each stage
 *    spent inside the model (forward and backward passes; engine/model-time.ts), from the
 *    evaluation's own report; the longest gap between progress events. Falls back to mnist-digits
 *    when dataset-fashion-mnist is not installed (BENCH_AA_IMAGES=0 skips it).
 * The figures depend on what else the machine runs: the 1-minute load average is reported with them.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lab } from '../src/core/service';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'robustlab.mjs');
const TIME = '/usr/bin/time';

const FASHION = '/usr/share/datasets/fashion-mnist';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};
const round = (x: number, d = 3) => Number(x.toFixed(d));

export interface CommandFigure {
  command: string;
  compiled_s: number;
  compiled_mb: number | null;
  source_s: number;
  source_mb: number | null;
}

function timeCommand(args: string[], lab: string, fromSource: boolean, runs: number): { s: number; mb: number | null } {
  const walls: number[] = [];
  const mbs: number[] = [];
  const haveTime = fs.existsSync(TIME);
  for (let i = 0; i < runs; i++) {
    const env = { ...process.env, ROBUSTLAB_FROM_SOURCE: fromSource ? '1' : '0' };
    const cmd = haveTime ? TIME : process.execPath;
    const argv = haveTime ? ['-f', 'RSS_KB=%M', process.execPath, BIN, '--lab', lab, ...args] : [BIN, '--lab', lab, ...args];
    const t = performance.now();
    const r = spawnSync(cmd, argv, { env, encoding: 'utf8' });
    walls.push((performance.now() - t) / 1000);
    if (r.status !== 0) throw new Error(`robustlab ${args.join(' ')} failed: ${r.stderr}`);
    const m = /RSS_KB=(\d+)/.exec(r.stderr ?? '');
    if (m) mbs.push(Number(m[1]) / 1024);
  }
  return { s: round(median(walls)), mb: mbs.length ? round(median(mbs), 0) : null };
}

async function tinyJobs(lab: Lab, n: number): Promise<{ wall_s: number[]; overhead_s: number[] }> {
  const wall: number[] = [];
  const overhead: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const run = await lab.call('submitTrain', {
      kind: 'train',
      dataset: 'mnist-digits',
      arch: 'mlp',
      epochs: 1,
      batchSize: 64,
      optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9 },
      seed: i,
      limit: 256,
      testLimit: 100,
    });
    const done = await lab.waitForRun(run.id);
    const w = (performance.now() - t) / 1000;
    if (done.status !== 'finished') throw new Error(`tiny job ${done.status}: ${done.error}`);
    wall.push(round(w));
    overhead.push(round(w - (done.latestMetrics['time/train_seconds'] ?? 0)));
  }
  return { wall_s: wall, overhead_s: overhead };
}

export async function benchSpeed(opts: { log?: (line: string) => void } = {}) {
  const log = opts.log ?? (() => {});
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'robustlab-speed-'));
  const load = () => os.loadavg()[0];
  const loadBefore = load();
  try {
    // 1. Commands.
    const build = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build-cli.mjs')], { encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`scripts/build-cli.mjs failed: ${build.stderr}`);
    const runs = Number(process.env.BENCH_CLI_RUNS ?? 5);
    const labDir = path.join(dir, 'cli');
    timeCommand(['datasets', 'list'], labDir, false, 1); // creates the lab folder
    const commands: CommandFigure[] = [];
    for (const args of [['doctor'], ['datasets', 'list'], ['runs', 'list'], ['models', 'list']]) {
      const c = timeCommand(args, labDir, false, runs);
      const s = timeCommand(args, labDir, true, runs);
      commands.push({ command: args.join(' '), compiled_s: c.s, compiled_mb: c.mb, source_s: s.s, source_mb: s.mb });
      log(`speed: robustlab ${args.join(' ')}: compiled ${c.s} s ${c.mb ?? '?'} MB, from source ${s.s} s ${s.mb ?? '?'} MB`);
    }

    // 2. Warm workers.
    const jobs = Number(process.env.BENCH_POOL_JOBS ?? 5);
    const pool: Record<string, { wall_s: number[]; overhead_s: number[]; overhead_after_first_median_s: number }> = {};
    for (const mode of ['warm', 'fresh'] as const) {
      if (mode === 'fresh') process.env.ROBUSTLAB_WORKER_POOL = '0';
      const lab = await Lab.open({ labDir: path.join(dir, `pool-${mode}`), mode: 'cli', backend: 'wasm' });
      try {
        const r = await tinyJobs(lab, jobs);
        pool[mode] = { ...r, overhead_after_first_median_s: round(median(r.overhead_s.slice(1))) };
        log(`speed: tiny job overhead (${mode} workers): ${r.overhead_s.join(', ')} s; median after the first ${pool[mode].overhead_after_first_median_s} s`);
      } finally {
        await lab.close();
        delete process.env.ROBUSTLAB_WORKER_POOL;
      }
    }

    // 3. AutoAttack stages (#12's target: the first 1,000 Fashion-MNIST test images, mnist-cnn, eps 0.1,
    // the standard version with Square's 5,000 queries). Without dataset-fashion-mnist it runs on
    // mnist-digits and says so.
    let autoattack: Record<string, unknown> | null = null;
    const images = Number(process.env.BENCH_AA_IMAGES ?? 1000);
    if (images > 0) {
      const lab = await Lab.open({ labDir: path.join(dir, 'aa'), mode: 'cli', backend: 'wasm' });
      try {
        const fashion = fs.existsSync(path.join(FASHION, 't10k-images-idx3-ubyte.gz'));
        const dataset = fashion
          ? (
              await lab.call('importDataset', {
                format: 'idx',
                name: 'fashion-mnist',
                trainImages: path.join(FASHION, 'train-images-idx3-ubyte.gz'),
                trainLabels: path.join(FASHION, 'train-labels-idx1-ubyte.gz'),
                testImages: path.join(FASHION, 't10k-images-idx3-ubyte.gz'),
                testLabels: path.join(FASHION, 't10k-labels-idx1-ubyte.gz'),
              })
            ).name
          : 'mnist-digits';
        const trainLimit = Number(process.env.BENCH_AA_TRAIN ?? 60000);
        const trained = await lab.waitForRun(
          (await lab.call('submitTrain', { kind: 'train', dataset, arch: 'mnist-cnn', epochs: 1, batchSize: 64, optimizer: { name: 'adam', lr: 0.001 }, seed: 1, limit: trainLimit, testLimit: 1000 })).id,
        );
        const model = (await lab.call('getRun', { runId: trained.id })).model!.id;
        const t = performance.now();
        let events = 0;
        let maxGapS = 0;
        let last = t;
        const off = lab.onEvent((e) => {
          if (e.type !== 'progress') return;
          events++;
          const now = performance.now();
          maxGapS = Math.max(maxGapS, (now - last) / 1000);
          last = now;
        });
        const run = await lab.waitForRun(
          (await lab.call('submitEval', { kind: 'eval', model, dataset, limit: images, batchSize: images, attack: { name: 'autoattack', params: { eps: 0.1, squareQueries: 5000 } } })).id,
        );
        off();
        const wall = (performance.now() - t) / 1000;
        const ev = (await lab.call('listEvaluations', { modelId: model })).find((e) => e.runId === run.id)!;
        const report = ev.details as { stages?: { name: string; seconds: number; modelSeconds?: number; ran: number; robustAccuracyAfter: number }[]; cost?: { attackSeconds: number } };
        const stages = report.stages ?? [];
        const inModel = stages.reduce((acc, s) => acc + (s.modelSeconds ?? 0), 0);
        const inStages = stages.reduce((acc, s) => acc + s.seconds, 0);
        autoattack = {
          images,
          dataset: fashion ? 'Fashion-MNIST test, first images' : 'mnist-digits test (dataset-fashion-mnist is not installed)',
          model: `mnist-cnn (1 epoch on ${trainLimit} training images)`,
          target_s: 150,
          wall_s: round(wall, 1),
          attack_s: round(inStages, 1),
          model_share: inStages ? round(inModel / inStages, 3) : null,
          progress_events: events,
          longest_progress_gap_s: round(maxGapS, 2),
          clean_accuracy: ev.cleanAccuracy,
          robust_accuracy: ev.robustAccuracy,
          stages: stages.map((s) => ({ name: s.name, seconds: s.seconds, model_seconds: s.modelSeconds ?? null, ran_on: s.ran, robust_after: s.robustAccuracyAfter })),
        };
        log(
          `speed: AutoAttack on ${images} ${fashion ? 'Fashion-MNIST' : 'mnist-digits'} images (mnist-cnn, eps 0.1): ${wall.toFixed(1)} s wall (target ≤ 150 s), ` +
            `${inStages ? Math.round((100 * inModel) / inStages) : 0} % of the attack inside the model; ` +
            stages.map((s) => `${s.name} ${s.seconds.toFixed(1)} s on ${s.ran} (model ${(s.modelSeconds ?? 0).toFixed(1)} s)`).join(', '),
        );
      } finally {
        await lab.close();
      }
    }
    return { commands, pool, autoattack, load_average: [round(loadBefore, 2), round(load(), 2)] };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const json = process.argv.includes('--json');
  const r = await benchSpeed({ log: json ? undefined : (l) => process.stderr.write(`${l}\n`) });
  process.stdout.write(`${JSON.stringify(r, null, json ? 0 : 2)}\n`);
}
