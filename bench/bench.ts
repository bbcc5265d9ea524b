/**
 * `npm run bench`: images/s of a training step, an input-gradient (PGD) step and a forward pass
 * for `mlp` and `mnist-cnn` at batch 128, on every backend that loads here, next to PyTorch's
 * figures from bench/torch_reference.py (the project's own PyTorch reference) on the same machine, with the ratio to PyTorch
 * and the fraction of the machine's peak FLOP/s each figure reaches.
 *
 * The steps are the ones the lab runs: the training step is the trainer's (mean cross-entropy,
 * gradients through engine/parallel, then Adam as in the PyTorch reference), the PGD step is
 * attacks/util's lossGradient plus the sign step and projection, the forward pass is
 * engine/parallel's forwardEval. On wasm they use every core (data-parallel workers); the row
 * "wasm-1thread" is the same with ROBUSTLAB_THREADS=1.
 *
 * Model FLOPs per image count a multiply-add as 2 and follow the architecture's layer list:
 * forward = Σ layers; input-gradient step = 2 × forward (every layer's input gradient, the
 * first layer's included); training step = 3 × forward − the first layer's input gradient.
 * Peak FLOP/s = cores × GHz × fp32 SIMD lanes × 2 (FMA) × FMA units per core, from
 * /proc/cpuinfo (lanes: 16 with avx512f, 8 with avx/avx2, else 4; FMA units: BENCH_FMA_UNITS,
 * default 2). wasm SIMD has 128-bit vectors (4 lanes), so on an AVX-512 machine wasm can reach
 * at most a quarter of that peak; the report names both.
 *
 * `npm run bench -- --json` prints one JSON line. BENCH_SECONDS (default 3) sets the time per
 * figure (the best of 3 windows is kept); BENCH_ROUNDS (default 2) how many rounds of (PyTorch
 * reference, then the lab's backends) run, the best figure of each kept; BENCH_BACKENDS (e.g.
 * "wasm") limits the backends.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initEngine, tf } from '../src/core/engine/backend';
import { crossEntropyGrads, forwardEval, parallelInfo } from '../src/core/engine/parallel';
import { Rng } from '../src/core/engine/random';
import { Model } from '../src/core/models/model';
import type { LayerOp } from '../src/core/models/architecture';
import { makeOptimizer } from '../src/core/training/optim';
import { lossGradient, projectLinf } from '../src/core/attacks/util';
import { resolveAttack } from '../src/core/attacks/registry';
import { benchCorruptions } from './corruptions';
import { benchHistory } from './history';
import { benchSweeps } from './sweeps';
import { benchSpeed } from './speed';

const BATCH = 128;
const ARCHS = ['mlp', 'mnist-cnn'] as const;
const STEPS = ['train_step', 'input_grad_step', 'forward'] as const;
type Step = (typeof STEPS)[number];
const args = process.argv.slice(2);
const jsonOnly = args.includes('--json');
const minSeconds = Number(process.env.BENCH_SECONDS ?? 3);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const INPUT = { height: 28, width: 28, channels: 1 };

/** Model FLOPs per image of each step (multiply-add = 2), from the architecture's layer list. */
export function flopsPerImage(arch: string): Record<Step, number> {
  const model = Model.init(arch, INPUT, 10, 0);
  try {
    const layers: LayerOp[] = model.arch.layers!(INPUT, 10);
    let [h, w, c] = [INPUT.height, INPUT.width, INPUT.channels];
    let features = 0;
    const perLayer: number[] = [];
    for (const l of layers) {
      if (l.op === 'conv2d') {
        const [kh, kw, ci, co] = model.params.get(l.weight)!.shape;
        const p = typeof l.pad === 'number' ? l.pad : 0;
        const oh = l.pad === 'same' ? Math.ceil(h / l.stride) : Math.floor((h + 2 * p - kh) / l.stride) + 1;
        const ow = l.pad === 'same' ? Math.ceil(w / l.stride) : Math.floor((w + 2 * p - kw) / l.stride) + 1;
        perLayer.push(2 * oh * ow * co * kh * kw * ci);
        [h, w, c] = [oh, ow, co];
      } else if (l.op === 'maxpool' || l.op === 'avgpool') {
        h = Math.floor((h - l.size) / l.stride) + 1;
        w = Math.floor((w - l.size) / l.stride) + 1;
      } else if (l.op === 'flatten-chw') {
        features = h * w * c;
      } else if (l.op === 'linear') {
        const [fin, fout] = model.params.get(l.weight)!.shape;
        features = fout;
        perLayer.push(2 * fin * fout);
      }
    }
    void features;
    const forward = perLayer.reduce((s, v) => s + v, 0);
    return { forward, input_grad_step: 2 * forward, train_step: 3 * forward - (perLayer[0] ?? 0) };
  } finally {
    model.dispose();
  }
}

/** The machine's peak fp32 FLOP/s and how it was computed. */
export function machinePeak(): { gflops: number; wasmGflops: number; how: string } {
  let mhz = 0;
  let flags = '';
  try {
    const info = fs.readFileSync('/proc/cpuinfo', 'utf8');
    for (const m of info.matchAll(/^cpu MHz\s*:\s*([\d.]+)/gm)) mhz = Math.max(mhz, Number(m[1]));
    flags = /^flags\s*:(.*)$/m.exec(info)?.[1] ?? '';
  } catch {
    /* not Linux */
  }
  if (!mhz) mhz = Math.max(...os.cpus().map((c) => c.speed));
  const has = (f: string) => new RegExp(`\\b${f}\\b`).test(flags);
  const lanes = has('avx512f') ? 16 : has('avx2') || has('avx') ? 8 : 4;
  const fma = has('fma') ? 2 : 1;
  const units = Number(process.env.BENCH_FMA_UNITS ?? 2);
  const cores = os.cpus().length;
  const ghz = mhz / 1000;
  const gflops = cores * ghz * lanes * fma * units;
  const wasmGflops = cores * ghz * 4 * fma * units;
  const how =
    `${cores} cores × ${ghz.toFixed(2)} GHz × ${lanes} fp32 lanes (${lanes === 16 ? 'AVX-512' : lanes === 8 ? 'AVX2' : 'SSE'}) × ` +
    `${fma} (FMA) × ${units} FMA units = ${gflops.toFixed(1)} GFLOP/s; wasm SIMD (128-bit, 4 lanes) can reach at most ${wasmGflops.toFixed(1)}`;
  return { gflops, wasmGflops, how };
}

/** Runs fn repeatedly (after warm-up) for at least minSeconds or maxIters; returns images/s. */
/**
 * Runs fn repeatedly (after warm-up) for at least minSeconds or maxIters; returns images/s: the
 * best of WINDOWS equal time windows, so that other programs on the machine weigh less (the
 * PyTorch reference likewise keeps its best thread count, and the best of BENCH_ROUNDS runs).
 */
const WINDOWS = 3;
function timeIt(fn: () => void, maxIters: number): number {
  fn();
  fn();
  let best = 0;
  let total = 0;
  for (let w = 0; w < WINDOWS && total < maxIters; w++) {
    let iters = 0;
    const t0 = performance.now();
    while (total < maxIters) {
      fn();
      iters++;
      total++;
      if ((performance.now() - t0) / 1000 >= minSeconds / WINDOWS) break;
    }
    best = Math.max(best, (iters * BATCH) / ((performance.now() - t0) / 1000));
  }
  return best;
}

function benchModel(arch: string, slow: boolean): Record<Step, number> {
  const model = Model.init(arch, INPUT, 10, 0);
  const rng = new Rng(1);
  const x = tf.tensor4d(rng.fillUniform(new Float32Array(BATCH * 784), 0, 1), [BATCH, 28, 28, 1]);
  const labels = Int32Array.from({ length: BATCH }, () => rng.int(10));
  const y = tf.tensor1d(labels, 'int32');
  // Adam, as the PyTorch reference trains with.
  const opt = makeOptimizer({ name: 'adam', lr: 1e-3, momentum: 0, weightDecay: 0, beta1: 0.9, beta2: 0.999 } as never, model.params);
  const maxIters = slow ? 3 : 10_000;
  const train = () => {
    const r = crossEntropyGrads(model, x, labels);
    opt.step(Object.fromEntries(r.grads), 1e-3);
    tf.dispose([r.logits, ...r.grads.values()]);
  };
  const pgdStep = () => {
    const { grad } = lossGradient(model, x, y);
    const next = tf.tidy(() => projectLinf(tf.add(x, tf.mul(tf.sign(grad), 0.01)) as tf.Tensor4D, x, 0.1));
    next.dataSync();
    next.dispose();
    grad.dispose();
  };
  const forward = () => {
    const out = forwardEval(model, x);
    out.dataSync();
    out.dispose();
  };
  const res = {
    train_step: timeIt(train, maxIters),
    input_grad_step: timeIt(pgdStep, maxIters),
    forward: timeIt(forward, slow ? 10 : 10_000),
  };
  opt.dispose();
  model.dispose();
  tf.dispose([x, y]);
  return res;
}

type Ref = { images_per_s: Record<string, Record<Step, number>> } & Record<string, unknown>;

/** One run of the PyTorch reference. */
function torchOnce(): { ok: true; result: Ref } | { ok: false; reason: string } {
  const script = path.join(root, 'bench', 'torch_reference.py');
  if (!fs.existsSync(script)) return { ok: false, reason: `${script} not found` };
  const r = spawnSync('/usr/bin/python3', [script], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) return { ok: false, reason: (r.stderr || 'python3 failed').trim().split('\n').pop() ?? 'python3 failed' };
  try {
    return { ok: true, result: JSON.parse(r.stdout.trim().split('\n').pop()!) as Ref };
  } catch {
    return { ok: false, reason: 'could not read its output' };
  }
}

/** Keeps the larger figure of each model and step. */
function mergeBest(into: Record<string, Record<Step, number>>, from: Record<string, Record<Step, number>>): void {
  for (const [arch, steps] of Object.entries(from)) {
    into[arch] ??= { ...steps };
    for (const [step, v] of Object.entries(steps)) into[arch][step as Step] = Math.max(into[arch][step as Step] ?? 0, v);
  }
}

type Row = { backend: string; device: string; model: string; step: Step; images_per_s: number; pytorch_images_per_s: number | null; ratio: number | null; gflops: number; pct_peak: number; pct_wasm_peak: number | null };

/**
 * Attack throughput, points × steps per second, of PGD and APGD-CE as the evaluation runs them
 * (batch 128). Labels are the model's own predictions and eps is tiny, so no point breaks and
 * every step runs on every point (the attacks drop broken points otherwise).
 */
async function benchAttacks(arch: string, slow: boolean): Promise<{ pgd: number; apgd_ce: number }> {
  const model = Model.init(arch, INPUT, 10, 0);
  const rng = new Rng(2);
  const x = tf.tensor4d(rng.fillUniform(new Float32Array(BATCH * 784), 0, 1), [BATCH, 28, 28, 1]);
  const y = tf.tidy(() => tf.cast(tf.argMax(model.forward(x), 1), 'int32') as tf.Tensor1D);
  const out = { pgd: 0, apgd_ce: 0 };
  for (const name of ['pgd', 'apgd-ce'] as const) {
    const { attack, params } = resolveAttack({ name, params: { eps: 1e-4, steps: slow ? 3 : 20 } });
    let rate = 0;
    for (let rep = 0; rep < 2; rep++) {
      // The first run warms up.
      const t0 = performance.now();
      const r = await attack!.run(model, x, y, params, { rng: new Rng(3), tick: async () => {} });
      r.xAdv.dispose();
      rate = (r.gradEvals * BATCH) / ((performance.now() - t0) / 1000);
    }
    out[name === 'pgd' ? 'pgd' : 'apgd_ce'] = rate;
  }
  model.dispose();
  tf.dispose([x, y]);
  return out;
}

/**
 * BENCH_ROUNDS rounds (default 2), each the PyTorch reference then the lab's backends, keeping
 * the best figure of each over the rounds: on a machine shared with other programs the load
 * changes from minute to minute, and alternating gives both sides the same chances.
 */
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 2));

async function main() {
  const only = process.env.BENCH_BACKENDS?.split(',').map((s) => s.trim());
  const choices = ['tensorflow-gpu', 'tensorflow', 'wasm', 'wasm-1thread', 'cpu'].filter((c) => !only || only.includes(c));
  const backends: Record<string, unknown> = {};
  const results: Record<string, { device: string; images_per_s: Record<string, Record<Step, number>> }> = {};
  /** Attack throughput per backend and model: points × steps / s of PGD and APGD-CE. */
  const attacks: Record<string, Record<string, { pgd: number; apgd_ce: number }>> = {};
  const savedThreads = process.env.ROBUSTLAB_THREADS;
  let torch: { ok: true; result: Ref } | { ok: false; reason: string } | null = null;
  for (let round = 0; round < ROUNDS; round++) {
    const t = torchOnce();
    if (!t.ok) torch = t;
    else if (!torch || !torch.ok) torch = { ok: true, result: { ...t.result, runs: 1 } };
    else {
      mergeBest(torch.result.images_per_s, t.result.images_per_s);
      torch.result.runs = (torch.result.runs as number) + 1;
    }
    for (const choice of choices) {
      if (round > 0 && (choice === 'cpu' || !(backends[choice] as { available?: boolean } | undefined)?.available)) continue;
      const force = choice === 'wasm-1thread' ? 'wasm' : choice;
      if (choice === 'wasm-1thread') process.env.ROBUSTLAB_THREADS = '1';
      else if (savedThreads === undefined) delete process.env.ROBUSTLAB_THREADS;
      else process.env.ROBUSTLAB_THREADS = savedThreads;
      let info;
      try {
        info = await initEngine({ force });
      } catch (err) {
        backends[choice] = { available: false, reason: (err as Error).message };
        continue;
      }
      const slow = info.name === 'cpu';
      const models: Record<string, Record<Step, number>> = {};
      const attackRates: Record<string, { pgd: number; apgd_ce: number }> = {};
      for (const arch of ARCHS) {
        models[arch] = benchModel(arch, slow);
        if (!jsonOnly) process.stderr.write(`round ${round + 1} ${choice} ${arch}: ${JSON.stringify(Object.fromEntries(Object.entries(models[arch]).map(([k, v]) => [k, Math.round(v)])))}\n`);
        if (round === 0) attackRates[arch] = await benchAttacks(arch, slow);
      }
      if (round === 0) attacks[choice] = attackRates;
      const par = parallelInfo();
      const device = info.name === 'wasm' ? `${info.device.replace(/, \d+ threads?$/, '')}, ${par.threads} thread${par.threads > 1 ? 's' : ''}` : info.device;
      if (!results[choice]) results[choice] = { device, images_per_s: models };
      else mergeBest(results[choice].images_per_s, models);
      backends[choice] = { available: true, backend: info.name, device, images_per_s: results[choice].images_per_s, parallel: info.name === 'wasm' ? par : undefined };
    }
  }
  if (savedThreads === undefined) delete process.env.ROBUSTLAB_THREADS;
  else process.env.ROBUSTLAB_THREADS = savedThreads;
  const tref = torch?.ok ? torch.result.images_per_s : {};
  const peak = machinePeak();
  const flops = Object.fromEntries(ARCHS.map((a) => [a, flopsPerImage(a)])) as Record<string, Record<Step, number>>;
  const rows: Row[] = [];
  for (const [name, r] of Object.entries(results)) {
    for (const arch of ARCHS) {
      for (const step of STEPS) {
        const v = r.images_per_s[arch][step];
        const ref = tref[arch]?.[step] ?? null;
        const gflops = (v * flops[arch][step]) / 1e9;
        rows.push({
          backend: name,
          device: r.device,
          model: arch,
          step,
          images_per_s: Math.round(v),
          pytorch_images_per_s: ref,
          ratio: ref ? Number((v / ref).toFixed(3)) : null,
          gflops: Number(gflops.toFixed(2)),
          pct_peak: Number(((100 * gflops) / peak.gflops).toFixed(2)),
          pct_wasm_peak: name.startsWith('wasm') ? Number(((100 * gflops) / peak.wasmGflops).toFixed(2)) : null,
        });
      }
    }
  }
  const torchRows = ARCHS.flatMap((arch) =>
    STEPS.filter((s) => tref[arch]?.[s]).map((step) => ({
      model: arch,
      step,
      images_per_s: tref[arch][step],
      gflops: Number(((tref[arch][step] * flops[arch][step]) / 1e9).toFixed(2)),
      pct_peak: Number(((100 * tref[arch][step] * flops[arch][step]) / 1e9 / peak.gflops).toFixed(2)),
    })),
  );
  const report = {
    date: new Date().toISOString(),
    batch: BATCH,
    node: process.version,
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model,
    peak_gflops: Number(peak.gflops.toFixed(1)),
    wasm_peak_gflops: Number(peak.wasmGflops.toFixed(1)),
    peak_how: peak.how,
    flops_per_image: flops,
    backends,
    attack_points_steps_per_s: attacks,
    rounds: ROUNDS,
    load_average: os.loadavg().map((v) => Number(v.toFixed(2))),
    pytorch: torch?.ok ? { ...torch.result, rows: torchRows } : { available: false, reason: torch && !torch.ok ? torch.reason : 'not run' },
    rows,
    // Corruption speed (pure JS, default severity): images/s per corruption; see bench/corruptions.ts.
    corruptions: benchCorruptions(Number(process.env.BENCH_CORRUPTION_IMAGES ?? 500), jsonOnly ? undefined : (l) => process.stderr.write(`${l}\n`)),
    // Experiment history (10,000 runs × 100 epochs × 8 metrics + 20 params; BENCH_HISTORY_RUNS=0 skips it): see bench/history.ts.
    history: Number(process.env.BENCH_HISTORY_RUNS ?? 10000) > 0 ? benchHistory({ log: jsonOnly ? undefined : (l) => process.stderr.write(`${l}\n`) }) : null,
    // Scheduling overhead embedded vs BullMQ, 8 tiny trainings on 1 vs 2 workers (BENCH_SWEEPS=0 skips it): see bench/sweeps.ts.
    sweeps: process.env.BENCH_SWEEPS === '0' ? null : await benchSweeps({ log: jsonOnly ? undefined : (l) => process.stderr.write(`${l}\n`) }),
    // Commands compiled vs from source, warm vs fresh workers, AutoAttack per stage (BENCH_SPEED=0 skips it): see bench/speed.ts.
    speed: process.env.BENCH_SPEED === '0' ? null : await benchSpeed({ log: jsonOnly ? undefined : (l) => process.stderr.write(`${l}\n`) }),
  };
  if (jsonOnly) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return;
  }
  const table: string[][] = [['backend', 'model', 'step', 'img/s', 'PyTorch img/s', 'ratio', 'GFLOP/s', '% peak']];
  for (const r of rows) {
    table.push([r.backend, r.model, r.step, String(r.images_per_s), r.pytorch_images_per_s ? String(r.pytorch_images_per_s) : '—', r.ratio != null ? r.ratio.toFixed(2) : '—', r.gflops.toFixed(1), r.pct_peak.toFixed(1)]);
  }
  for (const r of torchRows) table.push(['pytorch', r.model, r.step, String(r.images_per_s), '', '', r.gflops.toFixed(1), r.pct_peak.toFixed(1)]);
  const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
  for (const r of table) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  '));
  console.log(`peak: ${peak.how}`);
  for (const [name, byArch] of Object.entries(attacks)) {
    for (const [arch, a] of Object.entries(byArch)) console.log(`attack throughput ${name} ${arch}: PGD ${a.pgd.toFixed(0)}, APGD-CE ${a.apgd_ce.toFixed(0)} points × steps / s`);
  }
  for (const [name, r] of Object.entries(results)) console.log(`${name}: ${r.device}`);
  for (const [name, b] of Object.entries(backends)) {
    const bb = b as { available: boolean; reason?: string };
    if (!bb.available) console.log(`${name}: not available — ${bb.reason}`);
  }
  if (torch && !torch.ok) console.log(`PyTorch reference: not run — ${torch.reason}`);
  if (report.history) {
    const h = report.history;
    console.log(`history: ${h.runs} runs × ${h.epochs} epochs × ${h.metrics_per_run} metrics + ${h.params_per_run} params (lab ${h.lab_size_mb} MB): runs page ${h.runs_page_ms} ms, filtered+sorted query ${h.query_filtered_sorted_ms} ms, group by method ${h.group_by_method_ms} ms, run charts ${h.run_charts_ms} ms, 50-run compare ${h.compare_50_ms} ms`);
  }
  if (report.sweeps) {
    const s = report.sweeps;
    console.log(`sweeps: ${s.embedded_ms_per_job} ms per near-empty job embedded, ${s.bullmq_ms_per_job ?? '—'} ms through BullMQ; ${s.sweep_members} tiny trainings ${s.sweep_1_worker_s ?? '—'} s on 1 worker, ${s.sweep_2_workers_s ?? '—'} s on 2 (×${s.speedup ?? '—'}); ${s.note}`);
  }
  console.log(`best of ${ROUNDS} rounds (PyTorch, then the lab's backends, in each); load average at the end: ${os.loadavg().map((v) => v.toFixed(2)).join(', ')}`);
  console.log(JSON.stringify(report));
}

void main();
