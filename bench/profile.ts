/**
 * Per-kernel profile of the benchmark's steps (tf.profile): for each model and step, the
 * milliseconds each kernel takes per step (mean of 5 steps) and the step's wall time (min and
 * median of 15). Used to choose which kernels to replace (see src/core/engine/wasm-kernels.ts).
 *
 *   npx tsx bench/profile.ts                      # the engine as it is (one thread)
 *   ROBUSTLAB_WASM_KERNELS=legacy ROBUSTLAB_SIMD_KERNELS=off npx tsx bench/profile.ts   # before
 *
 * ARCHS (default "mnist-cnn,mlp"), TOP (rows per step, default 14), PB (batch, default 128).
 * ROBUSTLAB_THREADS defaults to 1 here: kernels of the worker threads are not profiled.
 */
import { initEngine, tf } from '../src/core/engine/backend';
import { crossEntropyGrads, forwardEval } from '../src/core/engine/parallel';
import { Rng } from '../src/core/engine/random';
import { Model } from '../src/core/models/model';
import { lossGradient } from '../src/core/attacks/util';

process.env.ROBUSTLAB_THREADS ??= '1';

async function main() {
  await initEngine({ force: 'wasm' });
  const B = Number(process.env.PB ?? 128);
  const archs = (process.env.ARCHS ?? 'mnist-cnn,mlp').split(',');
  const top = Number(process.env.TOP ?? 14);
  for (const arch of archs) {
    const model = Model.init(arch, { height: 28, width: 28, channels: 1 }, 10, 0);
    const rng = new Rng(1);
    const x = tf.tensor4d(rng.fillUniform(new Float32Array(B * 784), 0, 1), [B, 28, 28, 1]);
    const labels = Int32Array.from({ length: B }, () => rng.int(10));
    const y = tf.tensor1d(labels, 'int32');
    const steps: [string, () => void][] = [
      ['train step', () => {
        const r = crossEntropyGrads(model, x, labels);
        tf.dispose([r.logits, ...r.grads.values()]);
      }],
      ['input-grad (PGD) step', () => {
        const { grad } = lossGradient(model, x, y);
        grad.dataSync();
        grad.dispose();
      }],
      ['forward', () => {
        const o = forwardEval(model, x);
        o.dataSync();
        o.dispose();
      }],
    ];
    for (const [name, fn] of steps) {
      for (let i = 0; i < 3; i++) fn();
      const reps = 5;
      const prof = await tf.profile(() => {
        for (let i = 0; i < reps; i++) fn();
      });
      const agg = new Map<string, number>();
      for (const k of prof.kernels) {
        // Entries named "<op>__op" wrap the kernels they call, which are listed too.
        if (k.name.endsWith('__op')) continue;
        const t = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
        const key = `${k.name} ${JSON.stringify(k.inputShapes)}`;
        agg.set(key, (agg.get(key) ?? 0) + t / reps);
      }
      const times: number[] = [];
      for (let i = 0; i < 15; i++) {
        const t0 = performance.now();
        fn();
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      const rows = [...agg].sort((a, b) => b[1] - a[1]);
      const sum = rows.reduce((s, r) => s + r[1], 0);
      console.log(`\n== ${arch} ${name}: wall min ${times[0].toFixed(1)} / median ${times[7].toFixed(1)} ms, kernels ${sum.toFixed(1)} ms`);
      for (const [k, t] of rows.slice(0, top)) console.log(`${t.toFixed(2).padStart(8)}  ${k}`);
    }
    tf.dispose([x, y]);
    model.dispose();
  }
}

void main();
