/**
 * Memory over an epoch slice of Fashion-MNIST (60,000 training images, 28×28): loads the IDX
 * files (src/core/data/idx.ts) as uint8, then runs the trainer's own step (training/step.ts)
 * on shuffled batches built on demand with gatherBatch, as training/trainer.ts does, and prints
 * the process RSS, the engine's tensors/bytes and the wasm heap along the way, as one JSON line.
 *
 *   npx tsx scripts/rss-epoch.ts [--arch mnist-cnn] [--steps 150] [--batch 128]
 *
 * Needs /usr/share/datasets/fashion-mnist (Debian: apt-get install dataset-fashion-mnist) or
 * FASHION_MNIST_DIR. Not a test: it measures, the reader judges (growth after warm-up should be
 * a few MB at most: the wasm heap keeps its high-water mark, V8 its heap).
 */
import path from 'node:path';
import { initEngine, tf } from '../src/core/engine/backend';
import { parallelInfo } from '../src/core/engine/parallel';
import { Rng } from '../src/core/engine/random';
import { readIdxImagesAndLabels } from '../src/core/data/idx';
import { gatherBatch, type SplitArrays } from '../src/core/data/dataset';
import { Model } from '../src/core/models/model';
import { erm } from '../src/core/training/methods/erm';
import { makeOptimizer } from '../src/core/training/optim';
import { trainStep } from '../src/core/training/step';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const arch = opt('arch', 'mnist-cnn');
const steps = Number(opt('steps', '150'));
const B = Number(opt('batch', '128'));
const dir = process.env.FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';

const mb = (n: number) => Math.round((n / 2 ** 20) * 10) / 10;

async function main() {
  const info = await initEngine();
  const t0 = performance.now();
  const d = await readIdxImagesAndLabels(path.join(dir, 'train-images-idx3-ubyte.gz'), path.join(dir, 'train-labels-idx1-ubyte.gz'), 'train');
  const train: SplitArrays = { images: d.images, labels: d.labels, count: d.count, height: d.height, width: d.width, channels: 1 };
  const loadSeconds = (performance.now() - t0) / 1000;
  const model = Model.init(arch, { height: 28, width: 28, channels: 1 }, 10, 0);
  const optimizer = makeOptimizer({ name: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 0, beta1: 0.9, beta2: 0.999 } as never, model.params);
  const perm = new Rng(0).fork('shuffle').permutation(train.count);
  const samples: { step: number; rss_mb: number; heap_mb: number; tensors: number; tensor_mb: number; wasm_heap_mb: number | null }[] = [];
  const sample = (step: number) => {
    const m = tf.memory();
    const wasm = (tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } }).wasm;
    samples.push({
      step,
      rss_mb: mb(process.memoryUsage().rss),
      heap_mb: mb(process.memoryUsage().heapUsed),
      tensors: m.numTensors,
      tensor_mb: mb(m.numBytes),
      wasm_heap_mb: wasm ? mb(wasm.HEAPU8.length) : null,
    });
  };
  sample(0);
  const started = performance.now();
  let loss = NaN;
  for (let s = 0; s < steps; s++) {
    const idx = perm.subarray((s * B) % train.count, Math.min(train.count, ((s * B) % train.count) + B));
    const b = gatherBatch(train, idx);
    const x = tf.tensor4d(b.x, [b.n, 28, 28, 1]);
    const y = tf.tensor1d(b.y, 'int32');
    const ctx = { rng: new Rng(0).fork(s), epoch: 1, epochs: 1, step: s, stepsPerEpoch: steps, totalSteps: steps, numClasses: 10, state: {} };
    const r = await trainStep({ model, method: erm, params: {}, x, y, ctx, optimizer, lr: 0.05 });
    loss = r.loss;
    tf.dispose([x, y]);
    if ((s + 1) % 25 === 0 || s === 9) sample(s + 1);
  }
  const seconds = (performance.now() - started) / 1000;
  const afterWarmup = samples.find((p) => p.step === 10) ?? samples[0];
  const last = samples[samples.length - 1];
  const report = {
    backend: info.name,
    device: info.device,
    threads: parallelInfo().threads,
    arch,
    dataset: `fashion-mnist train (${train.count} images, ${train.height}×${train.width}, uint8 ${mb(train.images.length)} MB)`,
    load_seconds: Number(loadSeconds.toFixed(2)),
    steps,
    batch: B,
    images: steps * B,
    images_per_s: Math.round((steps * B) / seconds),
    final_loss: Number(loss.toFixed(4)),
    rss_growth_after_warmup_mb: Number((last.rss_mb - afterWarmup.rss_mb).toFixed(1)),
    tensors_start: samples[0].tensors,
    tensors_end: last.tensors,
    samples,
  };
  optimizer.dispose();
  model.dispose();
  console.log(JSON.stringify(report));
}

void main();
