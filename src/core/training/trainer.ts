/**
 * The training loop. Batches are built on demand from the uint8 arrays (never the whole set as
 * floats), shuffled with a seeded generator, so the same spec on the same backend gives the
 * same numbers. Logs train/loss every `logEvery` steps (step axis: global step) and per-epoch
 * train/accuracy, train/epoch_loss, test/loss, test/accuracy, lr (step axis: epoch).
 */
import { LabError } from '../../shared/errors';
import type { TrainSpec } from '../../shared/schemas';
import { tf } from '../engine/backend';
import { crossEntropy } from '../engine/ops';
import { Rng } from '../engine/random';
import { gatherBatch, limitSplit, readSplit, type SplitArrays } from '../data/dataset';
import type { JobContext } from '../jobs/context';
import { Model } from '../models/model';
import { loadStoredModel, saveModel } from '../store/model-files';
import type { ModelRecord } from '../store/store';
import { makeOptimizer } from './optim';
import { learningRate } from './schedule';
import { resolveMethod } from './methods/registry';

export interface TrainResult {
  model: ModelRecord;
  testAccuracy: number | null;
  testLoss: number | null;
  trainLoss: number;
  trainAccuracy: number;
}

/** Mean cross-entropy and accuracy of a model on a split, in batches. */
export async function measure(
  model: Model,
  split: SplitArrays,
  batchSize: number,
  tick: () => Promise<void>,
): Promise<{ loss: number; accuracy: number }> {
  let lossSum = 0;
  let correct = 0;
  const { height: h, width: w, channels: c } = split;
  for (let start = 0; start < split.count; start += batchSize) {
    await tick();
    const end = Math.min(split.count, start + batchSize);
    const b = gatherBatch(
      split,
      Array.from({ length: end - start }, (_, i) => start + i),
    );
    const [l, k] = tf.tidy(() => {
      const x = tf.tensor4d(b.x, [b.n, h, w, c]);
      const y = tf.tensor1d(b.y, 'int32');
      const logits = model.forward(x, { training: false });
      return [tf.sum(crossEntropy(logits, y, 'none')), tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'int32'))];
    });
    lossSum += l.dataSync()[0];
    correct += k.dataSync()[0];
    l.dispose();
    k.dispose();
  }
  return { loss: split.count ? lossSum / split.count : NaN, accuracy: split.count ? correct / split.count : NaN };
}

export async function runTraining(ctx: JobContext, spec: TrainSpec): Promise<TrainResult> {
  const { store } = ctx;
  const ds = store.getDataset(spec.dataset);
  const files = ds.files as never;
  if (!ds.splits.train) throw new LabError('bad_input', `Dataset "${ds.name}" has no train split; import training images to train on it.`);
  const train = limitSplit(readSplit(store.labDir, files, 'train'), spec.limit);
  const test = ds.splits.test ? limitSplit(readSplit(store.labDir, files, 'test'), spec.testLimit) : null;
  const input = { height: ds.height, width: ds.width, channels: ds.channels };
  const { method, params } = resolveMethod(spec.method, spec.methodParams);

  let model: Model;
  if (spec.initModel) {
    const loaded = loadStoredModel(store, spec.initModel);
    model = loaded.model;
    const [h, w, c] = loaded.record.inputShape;
    if (h !== input.height || w !== input.width || c !== input.channels || loaded.record.numClasses < ds.numClasses) {
      model.dispose();
      throw new LabError('shape_mismatch', `Model "${loaded.record.name}" does not fit dataset "${ds.name}" (input or class count differ); fine-tune on a matching dataset.`);
    }
  } else {
    model = Model.init(spec.arch, input, ds.numClasses, spec.seed);
  }
  const optimizer = makeOptimizer(spec.optimizer, model.params);
  const varNames = new Map<string, string>();
  for (const [name, v] of model.params) varNames.set(v.name, name);

  const N = train.count;
  const B = Math.min(spec.batchSize, N);
  const stepsPerEpoch = Math.ceil(N / B);
  const totalSteps = stepsPerEpoch * spec.epochs;
  const shuffle = new Rng(spec.seed).fork('shuffle');
  const methodRng = new Rng(spec.seed).fork('method');
  const { height: h, width: w, channels: c } = train;

  let step = 0;
  let lastTrainLoss = NaN;
  let lastTrainAcc = NaN;
  let testAccuracy: number | null = null;
  let testLoss: number | null = null;
  const t0 = Date.now();
  try {
    for (let epoch = 1; epoch <= spec.epochs; epoch++) {
      const perm = shuffle.permutation(N);
      let epochLoss = 0;
      let epochCorrect = 0;
      let seen = 0;
      let windowLoss = 0;
      let windowN = 0;
      const epochStart = Date.now();
      for (let b = 0; b < stepsPerEpoch; b++) {
        await ctx.tick();
        const idx = perm.subarray(b * B, Math.min(N, (b + 1) * B));
        const batch = gatherBatch(train, idx);
        const lr = learningRate(spec.schedule, spec.optimizer.lr, step, stepsPerEpoch, totalSteps);
        const x = tf.tensor4d(batch.x, [batch.n, h, w, c]);
        const y = tf.tensor1d(batch.y, 'int32');
        const mctx = { rng: methodRng, epoch, step, totalSteps, numClasses: model.numClasses };
        let xTrain = x;
        let lossValue: number;
        let correct: number;
        try {
          if (method.prepare) xTrain = await method.prepare(model, x, y, params, mctx);
          let logitsKept: tf.Tensor2D | null = null;
          const { value, grads } = tf.variableGrads(() => {
            const out = method.loss(model, xTrain, y, params, mctx);
            logitsKept = tf.keep(out.logits);
            return out.loss;
          }, model.variables());
          const byParam: Record<string, tf.Tensor> = {};
          for (const [vn, g] of Object.entries(grads)) byParam[varNames.get(vn) ?? vn] = g;
          optimizer.step(byParam, lr);
          lossValue = value.dataSync()[0];
          const k = tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(logitsKept!, 1), y), 'int32')));
          correct = k.dataSync()[0];
          k.dispose();
          value.dispose();
          tf.dispose(grads);
          (logitsKept as tf.Tensor2D | null)?.dispose();
        } finally {
          if (xTrain !== x) xTrain.dispose();
          x.dispose();
          y.dispose();
        }
        if (!Number.isFinite(lossValue)) {
          throw new LabError('bad_input', `Training diverged: the loss became ${lossValue} at step ${step + 1}; lower the learning rate and try again.`);
        }
        step++;
        epochLoss += lossValue * batch.n;
        epochCorrect += correct;
        seen += batch.n;
        windowLoss += lossValue;
        windowN++;
        if (step % spec.logEvery === 0 || b === stepsPerEpoch - 1) {
          ctx.log([{ key: 'train/loss', step, value: windowLoss / windowN }]);
          windowLoss = 0;
          windowN = 0;
        }
        const secs = (Date.now() - epochStart) / 1000;
        ctx.progress({
          phase: 'train',
          epoch,
          epochs: spec.epochs,
          step,
          steps: totalSteps,
          fraction: step / totalSteps,
          loss: epochLoss / seen,
          accuracy: epochCorrect / seen,
          imagesPerSec: secs > 0 ? seen / secs : undefined,
        });
      }
      lastTrainLoss = epochLoss / seen;
      lastTrainAcc = epochCorrect / seen;
      const epochMetrics = [
        { key: 'train/epoch_loss', step: epoch, value: lastTrainLoss },
        { key: 'train/accuracy', step: epoch, value: lastTrainAcc },
        { key: 'lr', step: epoch, value: learningRate(spec.schedule, spec.optimizer.lr, step - 1, stepsPerEpoch, totalSteps) },
        { key: 'train/images_per_sec', step: epoch, value: seen / Math.max(1e-3, (Date.now() - epochStart) / 1000) },
      ];
      if (test) {
        ctx.progress({ phase: 'test', epoch, epochs: spec.epochs, step, steps: totalSteps, fraction: step / totalSteps, message: 'Measuring test accuracy' });
        const m = await measure(model, test, 500, () => ctx.tick());
        testAccuracy = m.accuracy;
        testLoss = m.loss;
        epochMetrics.push({ key: 'test/loss', step: epoch, value: m.loss }, { key: 'test/accuracy', step: epoch, value: m.accuracy });
      }
      ctx.log(epochMetrics);
    }
    ctx.log([{ key: 'time/train_seconds', step: spec.epochs, value: (Date.now() - t0) / 1000 }]);
    const record = saveModel(store, model, {
      name: ctx.run.name,
      source: 'trained',
      datasetId: ds.id,
      runId: ctx.run.id,
      parentId: spec.initModel ? store.getModel(spec.initModel).id : null,
    });
    store.setRunModel(ctx.run.id, record.id);
    return { model: record, testAccuracy, testLoss, trainLoss: lastTrainLoss, trainAccuracy: lastTrainAcc };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}
