/**
 * `npm run bench`: images/s of a training step, an input-gradient (PGD) step and a forward pass
 * for `mlp` and `mnist-cnn` at batch 128, on every backend that loads here, next to PyTorch's
 * figures from ../shared/bench/torch_reference.py on the same machine.
 * `npm run bench -- --json` prints one JSON line.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initEngine, tf } from '../src/core/engine/backend';
import { crossEntropy } from '../src/core/engine/ops';
import { Rng } from '../src/core/engine/random';
import { Model } from '../src/core/models/model';
import { makeOptimizer } from '../src/core/training/optim';
import { lossGradient, projectLinf } from '../src/core/attacks/util';
import { benchCorruptions } from './corruptions';

const BATCH = 128;
const args = process.argv.slice(2);
const jsonOnly = args.includes('--json');
const minSeconds = Number(process.env.BENCH_SECONDS ?? 3);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

type Step = 'train_step' | 'input_grad_step' | 'forward';

/** Runs fn repeatedly (after warm-up) for at least minSeconds or maxIters; returns images/s. */
async function timeIt(fn: () => void, maxIters: number): Promise<number> {
  fn();
  fn();
  let iters = 0;
  const t0 = performance.now();
  while (iters < maxIters) {
    fn();
    iters++;
    if ((performance.now() - t0) / 1000 >= minSeconds) break;
  }
  const secs = (performance.now() - t0) / 1000;
  return (iters * BATCH) / secs;
}

async function benchModel(arch: string, slow: boolean): Promise<Record<Step, number>> {
  const input = { height: 28, width: 28, channels: 1 };
  const model = Model.init(arch, input, 10, 0);
  const rng = new Rng(1);
  const x = tf.tensor4d(rng.fillUniform(new Float32Array(BATCH * 784), 0, 1), [BATCH, 28, 28, 1]);
  const y = tf.tensor1d(Int32Array.from({ length: BATCH }, () => rng.int(10)), 'int32');
  const opt = makeOptimizer({ name: 'sgd', lr: 0.01, momentum: 0.9, weightDecay: 0, beta1: 0.9, beta2: 0.999 }, model.params);
  const names = new Map([...model.params].map(([k, v]) => [v.name, k]));
  const maxIters = slow ? 3 : 10_000;
  const train = () => {
    const { value, grads } = tf.variableGrads(() => crossEntropy(model.forward(x, { training: true }), y, 'mean') as tf.Scalar, model.variables());
    const byName: Record<string, tf.Tensor> = {};
    for (const [k, g] of Object.entries(grads)) byName[names.get(k) ?? k] = g;
    opt.step(byName, 0.01);
    value.dataSync();
    value.dispose();
    tf.dispose(grads);
  };
  const pgdStep = () => {
    const { grad } = lossGradient(model, x, y);
    const next = tf.tidy(() => projectLinf(tf.add(x, tf.mul(tf.sign(grad), 0.01)) as tf.Tensor4D, x, 0.1));
    next.dataSync();
    next.dispose();
    grad.dispose();
  };
  const forward = () => {
    const out = tf.tidy(() => model.forward(x, { training: false }));
    out.dataSync();
    out.dispose();
  };
  const res = {
    train_step: await timeIt(train, maxIters),
    input_grad_step: await timeIt(pgdStep, maxIters),
    forward: await timeIt(forward, slow ? 10 : 10_000),
  };
  opt.dispose();
  model.dispose();
  tf.dispose([x, y]);
  return res;
}

function torchReference(): { ok: boolean; result?: unknown; reason?: string } {
  const script = path.resolve(root, '..', 'shared', 'bench', 'torch_reference.py');
  if (!fs.existsSync(script)) return { ok: false, reason: `${script} not found` };
  const r = spawnSync('/usr/bin/python3', [script], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) return { ok: false, reason: (r.stderr || 'python3 failed').trim().split('\n').pop() };
  try {
    return { ok: true, result: JSON.parse(r.stdout.trim().split('\n').pop()!) };
  } catch {
    return { ok: false, reason: 'could not read its output' };
  }
}

async function main() {
  const backends: Record<string, unknown> = {};
  for (const choice of ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']) {
    let info;
    try {
      info = await initEngine({ force: choice });
    } catch (err) {
      backends[choice] = { available: false, reason: (err as Error).message };
      continue;
    }
    const slow = info.name === 'cpu';
    const models: Record<string, Record<Step, number>> = {};
    for (const arch of ['mlp', 'mnist-cnn']) {
      models[arch] = await benchModel(arch, slow);
      if (!jsonOnly) process.stderr.write(`${choice} ${arch}: ${JSON.stringify(Object.fromEntries(Object.entries(models[arch]).map(([k, v]) => [k, Math.round(v)])))}\n`);
    }
    backends[choice] = { available: true, backend: info.name, device: info.device, images_per_s: models };
  }
  const torch = torchReference();
  const report = {
    date: new Date().toISOString(),
    batch: BATCH,
    node: process.version,
    cpus: (await import('node:os')).cpus().length,
    backends,
    pytorch: torch.ok ? torch.result : { available: false, reason: torch.reason },
    // Corruption speed (pure JS, default severity): images/s per corruption; see bench/corruptions.ts.
    corruptions: benchCorruptions(Number(process.env.BENCH_CORRUPTION_IMAGES ?? 500), jsonOnly ? undefined : (l) => process.stderr.write(`${l}\n`)),
  };
  if (jsonOnly) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return;
  }
  const rows: string[][] = [['backend', 'model', 'step', 'img/s', 'PyTorch img/s', 'ratio']];
  const tref = (torch.ok ? (torch.result as { images_per_s: Record<string, Record<Step, number>> }).images_per_s : {}) as Record<string, Record<Step, number>>;
  for (const [name, b] of Object.entries(backends)) {
    const bb = b as { available: boolean; images_per_s?: Record<string, Record<Step, number>> };
    if (!bb.available) continue;
    for (const [arch, steps] of Object.entries(bb.images_per_s!)) {
      for (const [step, v] of Object.entries(steps)) {
        const ref = tref[arch]?.[step as Step];
        rows.push([name, arch, step, v.toFixed(0), ref ? String(ref) : '—', ref ? (v / ref).toFixed(2) : '—']);
      }
    }
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  '));
  for (const [name, b] of Object.entries(backends)) {
    const bb = b as { available: boolean; reason?: string };
    if (!bb.available) console.log(`${name}: not available — ${bb.reason}`);
  }
  if (!torch.ok) console.log(`PyTorch reference: not run — ${torch.reason}`);
  console.log(JSON.stringify(report));
}

void main();
