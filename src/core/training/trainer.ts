/**
 * The training loop. Batches are built on demand from the uint8 arrays (never the whole set as
 * floats), shuffled with a seeded generator, so the same spec on the same backend gives the
 * same numbers. Logs train/loss every `logEvery` steps (step axis: global step) and per-epoch
 * train/accuracy, train/epoch_loss, train/<method metric> (e.g. adv_accuracy, eps), test/loss,
 * test/accuracy, lr (step axis: epoch); with a validation split val/loss and val/accuracy; with
 * `monitor` test/pgd_accuracy, test/certified_accuracy (and val/...). After each epoch it writes
 * a checkpoint (./checkpoint) so the run can be resumed; `keepBest` and `earlyStopping` choose
 * epochs on the validation split (the test split without one).
 */
import { LabError } from '../../shared/errors';
import type { TrainSpec } from '../../shared/schemas';
import { tf } from '../engine/backend';
import { crossEntropy } from '../engine/ops';
import { forwardEval } from '../engine/parallel';
import { Rng } from '../engine/random';
import { gatherBatch, limitSplit, readSplit, type SplitArrays } from '../data/dataset';
import type { JobContext } from '../jobs/context';
import { Model } from '../models/model';
import { loadStoredModel, saveModel } from '../store/model-files';
import type { ModelRecord } from '../store/store';
import { makeOptimizer } from './optim';
import { learningRate } from './schedule';
import { resolveMethod } from './methods/registry';
import { certifiableArchitectures } from '../models/registry';
import { METRIC } from '../../shared/constants';
import { trainStep } from './step';
import { checkResumable, loadCheckpoint, loadWeightArrays, saveCheckpoint, weightArrays, type Arrays, type Checkpoint } from './checkpoint';
import { resolveMonitor, robustMetrics, selectionMetric, splitValidation } from './monitor';

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
      const logits = forwardEval(model, x); // on every core when it helps (engine/parallel)
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
  const { train, val } = splitValidation(limitSplit(readSplit(store.labDir, files, 'train'), spec.limit), spec.valFraction ?? 0, spec.seed);
  const test = ds.splits.test ? limitSplit(readSplit(store.labDir, files, 'test'), spec.testLimit) : null;
  const input = { height: ds.height, width: ds.width, channels: ds.channels };
  const { method, params } = resolveMethod(spec.method, spec.methodParams);
  const monitor = resolveMonitor(spec.monitor, method, params);
  const keepBest = spec.keepBest ?? 'last';
  const selection = selectionMetric(spec, method, params);
  const resumed: Checkpoint | null = spec.resumeFrom ? loadCheckpoint(store.labDir, spec.resumeFrom) : null;
  if (resumed) checkResumable(spec, resumed.meta);

  let model: Model;
  if (resumed) {
    model = Model.init(spec.arch, input, resumed.meta.numClasses, spec.seed);
    loadWeightArrays(model, resumed.weights);
  } else if (spec.initModel) {
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
  if (method.needsLayers && !model.arch.layers) {
    model.dispose();
    throw new LabError('bad_input', `Method ${method.entry.name} needs an architecture with a layer list (${certifiableArchitectures().join(', ')}); ${model.archName} has none.`);
  }
  const optimizer = makeOptimizer(spec.optimizer, model.params);
  if (resumed) optimizer.importState(resumed.optimizer);

  const N = train.count;
  const B = Math.min(spec.batchSize, N);
  const stepsPerEpoch = Math.ceil(N / B);
  const totalSteps = stepsPerEpoch * spec.epochs;
  const shuffle = new Rng(spec.seed).fork('shuffle');
  const methodRng = new Rng(spec.seed).fork('method');
  const { height: h, width: w, channels: c } = train;
  const methodState: Record<string, unknown> = resumed ? structuredClone(resumed.meta.methodState) : {};
  const warmupEpochs = spec.warmupEpochs ?? 0;
  const lrAt = (s: number) => learningRate(spec.schedule, spec.optimizer.lr, s, stepsPerEpoch, totalSteps, warmupEpochs);

  const firstEpoch = resumed ? resumed.meta.epoch + 1 : 1;
  let step = resumed ? resumed.meta.step : 0;
  // The shuffles of the epochs already done, drawn again so the resumed epochs see the same order.
  for (let e = 1; e < firstEpoch; e++) shuffle.permutation(N);
  let best: { epoch: number; value: number } | null = resumed?.meta.best ?? null;
  let bestWeights: Arrays | null = resumed?.bestWeights ?? null;
  let sinceBest = resumed?.meta.sinceBest ?? 0;
  let stoppedEpoch: number | null = null;
  let lastTrainLoss = NaN;
  let lastTrainAcc = NaN;
  let testAccuracy: number | null = null;
  let testLoss: number | null = null;
  const t0 = Date.now();
  try {
    for (let epoch = firstEpoch; epoch <= spec.epochs; epoch++) {
      const perm = shuffle.permutation(N);
      let epochLoss = 0;
      let epochCorrect = 0;
      let seen = 0;
      const metricSums: Record<string, number> = {};
      let windowLoss = 0;
      let windowN = 0;
      const epochStart = Date.now();
      for (let b = 0; b < stepsPerEpoch; b++) {
        await ctx.tick();
        const idx = perm.subarray(b * B, Math.min(N, (b + 1) * B));
        const batch = gatherBatch(train, idx);
        const lr = lrAt(step);
        const x = tf.tensor4d(batch.x, [batch.n, h, w, c]);
        const y = tf.tensor1d(batch.y, 'int32');
        // Each step draws from its own stream, so a resumed run repeats the same random choices.
        const mctx = { rng: methodRng.fork(step), epoch, epochs: spec.epochs, step, stepsPerEpoch, totalSteps, numClasses: model.numClasses, state: methodState };
        let lossValue: number;
        let correct: number;
        try {
          const r = await trainStep({ model, method, params, x, y, ctx: mctx, optimizer, lr });
          lossValue = r.loss;
          correct = r.correct;
          for (const [k, v] of Object.entries(r.metrics)) metricSums[k] = (metricSums[k] ?? 0) + v * batch.n;
        } finally {
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
          ctx.log([{ key: METRIC.trainLoss, step, value: windowLoss / windowN }]);
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
        { key: METRIC.trainEpochLoss, step: epoch, value: lastTrainLoss },
        { key: METRIC.trainAccuracy, step: epoch, value: lastTrainAcc },
        { key: 'lr', step: epoch, value: lrAt(step - 1) },
        { key: METRIC.trainImagesPerSec, step: epoch, value: seen / Math.max(1e-3, (Date.now() - epochStart) / 1000) },
      ];
      for (const [k, v] of Object.entries(metricSums)) epochMetrics.push({ key: `train/${k}`, step: epoch, value: v / seen });
      const tick = () => ctx.tick();
      const selected: Partial<Record<'clean' | 'robust' | 'certified' | 'loss', number>> = {};
      for (const [name, split] of [['test', test], ['val', val]] as const) {
        if (!split) continue;
        ctx.progress({ phase: name, epoch, epochs: spec.epochs, step, steps: totalSteps, fraction: step / totalSteps, message: `Measuring ${name === 'val' ? 'validation' : 'test'} accuracy` });
        const m = await measure(model, split, 500, tick);
        if (name === 'test') {
          testAccuracy = m.accuracy;
          testLoss = m.loss;
        }
        epochMetrics.push({ key: `${name}/loss`, step: epoch, value: m.loss }, { key: `${name}/accuracy`, step: epoch, value: m.accuracy });
        let rm: { pgdAccuracy: number | null; certifiedAccuracy: number | null } = { pgdAccuracy: null, certifiedAccuracy: null };
        if (monitor) {
          ctx.progress({ phase: name, epoch, epochs: spec.epochs, step, steps: totalSteps, fraction: step / totalSteps, message: `Measuring robust ${name === 'val' ? 'validation' : 'test'} accuracy` });
          rm = await robustMetrics(model, split, monitor, spec.seed, tick);
          if (rm.pgdAccuracy != null) epochMetrics.push({ key: `${name}/pgd_accuracy`, step: epoch, value: rm.pgdAccuracy });
          if (rm.certifiedAccuracy != null) epochMetrics.push({ key: `${name}/certified_accuracy`, step: epoch, value: rm.certifiedAccuracy });
        }
        // Epochs are chosen on the validation split when there is one, else on the test split.
        if (name === 'val' || !val) {
          selected.clean = m.accuracy;
          selected.loss = -m.loss;
          if (rm.pgdAccuracy != null) selected.robust = rm.pgdAccuracy;
          if (rm.certifiedAccuracy != null) selected.certified = rm.certifiedAccuracy;
        }
      }
      ctx.log(epochMetrics);
      let stop = false;
      if (selection) {
        const value = selected[selection];
        if (value === undefined) {
          throw new LabError('bad_input', `Choosing epochs by ${selection} needs a test or validation split; this dataset has neither.`);
        }
        if (!best || value > best.value + (spec.earlyStopping?.minDelta ?? 0)) {
          best = { epoch, value };
          sinceBest = 0;
          if (keepBest !== 'last') bestWeights = weightArrays(model);
        } else {
          sinceBest++;
        }
        if (spec.earlyStopping && sinceBest >= spec.earlyStopping.patience) stop = true;
      }
      saveCheckpoint(store.labDir, {
        meta: {
          format: 'robustlab-checkpoint-1',
          runId: ctx.run.id,
          spec,
          epoch,
          step,
          archName: model.archName,
          numClasses: model.numClasses,
          methodState,
          optimizerNumbers: {},
          best,
          sinceBest,
        },
        weights: weightArrays(model),
        optimizer: optimizer.exportState(),
        bestWeights,
      });
      if (stop) {
        stoppedEpoch = epoch;
        ctx.log([{ key: METRIC.earlyStopEpoch, step: epoch, value: epoch }]);
        break;
      }
    }
    ctx.log([{ key: METRIC.trainSeconds, step: spec.epochs, value: (Date.now() - t0) / 1000 }]);
    if (best) ctx.log([{ key: METRIC.bestEpoch, step: spec.epochs, value: best.epoch }, { key: `best/${selection}`, step: spec.epochs, value: best.value }]);
    if (keepBest !== 'last' && bestWeights && best && best.epoch !== (stoppedEpoch ?? spec.epochs)) {
      // The kept model is an earlier epoch's: measure it again so the run reports what it stores.
      loadWeightArrays(model, bestWeights);
      if (test) {
        const m = await measure(model, test, 500, () => ctx.tick());
        testAccuracy = m.accuracy;
        testLoss = m.loss;
        ctx.log([{ key: METRIC.keptTestAccuracy, step: best.epoch, value: m.accuracy }, { key: METRIC.keptTestLoss, step: best.epoch, value: m.loss }]);
      }
    }
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
