/**
 * The evaluation job: clean accuracy and, with an attack, robust accuracy of a stored model on a
 * dataset split, batched, with per-class counts. Results are stored as an evaluation of the model.
 */
import { LabError } from '../../shared/errors';
import type { EvalSpec, EvaluationInfo } from '../../shared/schemas';
import { tf } from '../engine/backend';
import { Rng } from '../engine/random';
import { gatherBatch, limitSplit, readSplit } from '../data/dataset';
import { resolveAttack } from '../attacks/registry';
import type { JobContext } from '../jobs/context';
import { loadStoredModel } from '../store/model-files';
import type { Model } from '../models/model';
import type { Attack } from '../attacks/attack';
import type { ParamValues } from '../params';
import type { SplitArrays } from '../data/dataset';

export interface EvalCounts {
  count: number;
  cleanCorrect: number;
  robustCorrect: number | null;
  perClass: { label: number; count: number; cleanCorrect: number; robustCorrect: number | null }[];
  gradEvalsPerPoint: number;
  seconds: number;
}

/**
 * Evaluates a model on a split, batch by batch. Shared by the job and by tests.
 * `onBatch` is called after every batch with the fraction done.
 */
export async function evaluateModel(
  model: Model,
  split: SplitArrays,
  numClasses: number,
  attack: Attack | null,
  params: ParamValues,
  opts: { batchSize: number; seed: number; tick: () => Promise<void>; onBatch?: (done: number, total: number, c: EvalCounts) => void },
): Promise<EvalCounts> {
  const t0 = Date.now();
  const n = split.count;
  const { height: h, width: w, channels: c } = split;
  const perClass = Array.from({ length: numClasses }, (_, label) => ({
    label,
    count: 0,
    cleanCorrect: 0,
    robustCorrect: attack ? 0 : null,
  }));
  const counts: EvalCounts = { count: 0, cleanCorrect: 0, robustCorrect: attack ? 0 : null, perClass, gradEvalsPerPoint: 0, seconds: 0 };
  let gradEvals = 0;
  for (let start = 0, b = 0; start < n; start += opts.batchSize, b++) {
    await opts.tick();
    const end = Math.min(n, start + opts.batchSize);
    const idx = Array.from({ length: end - start }, (_, i) => start + i);
    const batch = gatherBatch(split, idx);
    const x = tf.tensor4d(batch.x, [batch.n, h, w, c]);
    const y = tf.tensor1d(batch.y, 'int32');
    try {
      const pred = tf.tidy(() => tf.argMax(model.forward(x, { training: false }), 1));
      const p = pred.dataSync();
      pred.dispose();
      let fooled: Uint8Array | null = null;
      if (attack) {
        const res = await attack.run(model, x, y, params, { rng: new Rng(opts.seed).fork(`batch-${b}`), tick: opts.tick });
        res.xAdv.dispose();
        fooled = res.fooled;
        gradEvals += res.gradEvals * batch.n;
      }
      for (let i = 0; i < batch.n; i++) {
        const label = batch.y[i];
        if (label >= numClasses) {
          throw new LabError('shape_mismatch', `The dataset has label ${label} but the model predicts only ${numClasses} classes; evaluate it on a dataset with the same classes.`);
        }
        const pc = perClass[label];
        pc.count++;
        counts.count++;
        const clean = p[i] === label;
        if (clean) {
          pc.cleanCorrect++;
          counts.cleanCorrect++;
        }
        if (fooled) {
          const robust = clean && !fooled[i];
          if (robust) {
            pc.robustCorrect = (pc.robustCorrect ?? 0) + 1;
            counts.robustCorrect = (counts.robustCorrect ?? 0) + 1;
          }
        }
      }
    } finally {
      x.dispose();
      y.dispose();
    }
    opts.onBatch?.(end, n, counts);
  }
  counts.gradEvalsPerPoint = counts.count ? gradEvals / counts.count : 0;
  counts.seconds = (Date.now() - t0) / 1000;
  return counts;
}

export async function runEvaluation(ctx: JobContext, spec: EvalSpec): Promise<EvaluationInfo> {
  const { store } = ctx;
  const ds = store.getDataset(spec.dataset);
  const { attack, params } = resolveAttack(spec.attack);
  const { model, record } = loadStoredModel(store, spec.model);
  try {
    const [h, w, c] = record.inputShape;
    if (ds.height !== h || ds.width !== w || ds.channels !== c) {
      throw new LabError(
        'shape_mismatch',
        `Model "${record.name}" takes ${h}×${w}×${c} images but dataset "${ds.name}" has ${ds.height}×${ds.width}×${ds.channels}; pick a matching dataset.`,
      );
    }
    if (ds.numClasses > record.numClasses) {
      throw new LabError(
        'shape_mismatch',
        `Model "${record.name}" predicts ${record.numClasses} classes but dataset "${ds.name}" has ${ds.numClasses}; pick a matching dataset.`,
      );
    }
    const split = limitSplit(readSplit(store.labDir, ds.files as never, spec.split), spec.limit);
    const t0 = Date.now();
    const counts = await evaluateModel(model, split, record.numClasses, attack, params, {
      batchSize: spec.batchSize,
      seed: spec.seed,
      tick: () => ctx.tick(),
      onBatch: (done, total, cnt) => {
        const secs = (Date.now() - t0) / 1000;
        ctx.progress({
          phase: attack ? 'attack' : 'eval',
          epoch: 0,
          epochs: 0,
          step: done,
          steps: total,
          fraction: done / total,
          accuracy: cnt.robustCorrect != null ? cnt.robustCorrect / cnt.count : cnt.cleanCorrect / cnt.count,
          imagesPerSec: secs > 0 ? done / secs : undefined,
          message: `${done} of ${total} images`,
        });
      },
    });
    const cleanAccuracy = counts.count ? counts.cleanCorrect / counts.count : 0;
    const robustAccuracy = counts.robustCorrect == null ? null : counts.count ? counts.robustCorrect / counts.count : 0;
    const metrics = [{ key: 'clean_accuracy', step: 0, value: cleanAccuracy }];
    if (robustAccuracy != null) metrics.push({ key: 'robust_accuracy', step: 0, value: robustAccuracy });
    ctx.log(metrics);
    return store.insertEvaluation({
      runId: ctx.run.id,
      modelId: record.id,
      datasetId: ds.id,
      split: spec.split,
      attack: { name: spec.attack.name, params },
      count: counts.count,
      cleanAccuracy,
      robustAccuracy,
      details: {
        perClass: counts.perClass.map((p) => ({
          ...p,
          name: ds.classNames[p.label] ?? String(p.label),
          cleanAccuracy: p.count ? p.cleanCorrect / p.count : null,
          robustAccuracy: p.robustCorrect == null || !p.count ? null : p.robustCorrect / p.count,
        })),
        gradEvalsPerPoint: counts.gradEvalsPerPoint,
        seconds: counts.seconds,
        radius: attack?.radius?.(params) ?? null,
      },
    });
  } finally {
    model.dispose();
  }
}
